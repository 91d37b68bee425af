// The pack's shape: names, descriptions, levels and config schemas follow the house rules and the SDK's limits.
import { policies } from "../../policies/policies";

describe("pigsty-pulumi policy pack", () => {
  it("has eleven uniquely named kebab-case policies", () => {
    const names = policies.map((p) => p.name);
    expect(new Set(names).size).toBe(11);
    for (const name of names) expect(name).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
    expect(names.slice(-2)).toEqual(["in-place-restore-acknowledged", "standby-promotion-acknowledged"]);
  });

  it.each(policies.map((p) => [p.name, p] as const))("%s has a sentence description and a default level", (_, p) => {
    expect(p.description).toMatch(/^[A-Za-z].*\.$/);
    expect(["advisory", "mandatory"]).toContain(p.enforcementLevel);
  });

  it("never declares enforcementLevel in a config schema (the SDK refuses to start)", () => {
    for (const p of policies) expect(p.configSchema?.properties.enforcementLevel).toBeUndefined();
  });

  it("gives every config property a default and a description", () => {
    for (const p of policies) {
      for (const prop of Object.values(p.configSchema?.properties ?? {})) {
        expect(prop.default).toBeDefined();
        expect(prop.description).toBeDefined();
      }
    }
  });
});
