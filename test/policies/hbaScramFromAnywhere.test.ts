// hba-scram-from-anywhere on pg-test's HBA rules: on a strict stack, rules from anywhere use SCRAM over SSL.
import { hbaScramFromAnywhere } from "../../policies/hbaScramFromAnywhere";
import { UNKNOWN, clusterArgs, hbaRule as rule, pgTest, violations, withHbaRules as withRules } from "./fixtures";

const strict = { config: { requireScram: true, requireSsl: true } };

describe("hba-scram-from-anywhere", () => {
  it("passes pg-test on a strict stack", async () => {
    expect(await violations(hbaScramFromAnywhere, clusterArgs(pgTest(), strict))).toEqual([]);
  });

  it("is off unless the stack asks for it", async () => {
    expect(await violations(hbaScramFromAnywhere, clusterArgs(withRules(rule({}))))).toEqual([]);
  });

  it("reports md5 from anywhere when SCRAM is required", async () => {
    const facts = withRules(rule({ type: "hostssl" }));
    expect(await violations(hbaScramFromAnywhere, clusterArgs(facts, strict))).toEqual([
      'Cluster pg-test: HBA rule "app" uses md5 from 0.0.0.0/0 but this stack requires SCRAM; set auth: scram-sha-256 (and set those users\' passwords again so they are stored as SCRAM).',
    ]);
  });

  it("reports a non-SSL rule from anywhere when SSL is required", async () => {
    const facts = withRules(rule({ addr: "::/0", auth: "scram-sha-256" }));
    expect(await violations(hbaScramFromAnywhere, clusterArgs(facts, strict))).toEqual([
      'Cluster pg-test: HBA rule "app" accepts host connections from ::/0 but this stack requires SSL; use auth: ssl in the rule, or pg_hba_require_ssl: true for every remote rule.',
    ]);
  });

  it("leaves intranet rules alone and tolerates unknown auth and type", async () => {
    const facts = withRules(rule({ addr: "10.0.0.0/8" }), { ...rule({}), auth: UNKNOWN, type: UNKNOWN });
    expect(await violations(hbaScramFromAnywhere, clusterArgs(facts, strict))).toEqual([]);
  });
});
