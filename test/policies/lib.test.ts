// The helpers that make every check tolerant of values unknown at preview.
import { isUnknown, known, plain, stackOf } from "../../policies/lib";
import * as policySdk from "@pulumi/policy";
import { UNKNOWN } from "./fixtures";

const { unknownCheckingProxy } = policySdk as unknown as { unknownCheckingProxy: <T>(v: T) => T };

describe("policy helpers", () => {
  const props = unknownCheckingProxy({ a: 1, b: UNKNOWN, list: [{ x: 1 }, UNKNOWN], nested: { c: UNKNOWN } } as Record<string, any>);

  it("known() returns undefined for unknown values and passes other errors on", () => {
    expect(known(() => props.a)).toBe(1);
    expect(known(() => props.b)).toBeUndefined();
    expect(() => known(() => { throw new TypeError("boom"); })).toThrow("boom");
  });

  it("isUnknown() tells unknown from absent", () => {
    expect(isUnknown(() => props.b)).toBe(true);
    expect(isUnknown(() => props.missing)).toBe(false);
  });

  it("plain() drops unknown keys and keeps unknown array slots as undefined", () => {
    expect(plain(props)).toEqual({ a: 1, list: [{ x: 1 }, undefined], nested: {} });
  });

  it("stackOf() reads the stack from a URN", () => {
    expect(stackOf("urn:pulumi:prod::pigsty-pulumi::pigsty:pg:Cluster::pg-test")).toBe("prod");
  });
});
