import * as pulumi from "@pulumi/pulumi";
import { applySdkSettings } from "../../components/sdkSettings";

type Traced = { stackTrace: (skip: number) => unknown[] };
const traced = pulumi.Resource as unknown as Traced;

describe("applySdkSettings", () => {
  const limit = Error.stackTraceLimit;
  afterEach(() => {
    Error.stackTraceLimit = limit;
  });

  it("leaves no stack trace for the state to keep, in the SDK this project pins", () => {
    // The hook exists: without the setting a registration sees the call stack.
    expect(traced.stackTrace(0).length).toBeGreaterThan(0);
    expect(applySdkSettings(0)).toBe(true);
    expect(traced.stackTrace(0)).toEqual([]);
    expect(Error.stackTraceLimit).toBe(0);
  });

  it("keeps every trace when asked for frames", async () => {
    jest.resetModules();
    const fresh = ((await import("@pulumi/pulumi")) as typeof pulumi).Resource as unknown as Traced;
    const { applySdkSettings: apply } = await import("../../components/sdkSettings");
    expect(apply(20)).toBe(false);
    expect(Error.stackTraceLimit).toBe(20);
    expect(fresh.stackTrace(0).length).toBeGreaterThan(0);
  });
});
