// pinned-host-key on remote commands: every command verifies its host by a pinned key.
import { pinnedHostKey } from "../../policies/pinnedHostKey";
import { stepName } from "../../config/stepCatalogue";
import { UNKNOWN, clusterArgs, command, commandArgs, pgTest, violations } from "./fixtures";

describe("pinned-host-key", () => {
  it("passes a command with a pinned key", async () => {
    expect(await violations(pinnedHostKey, commandArgs(stepName("pg-test-1", "patroni"), command()))).toEqual([]);
  });

  it("reports a missing or empty hostKey", async () => {
    const expected = [
      "Command pg-test-1-patroni connects to 10.10.10.11 without connection.hostKey, so the host is never verified; pin the host's public key (e.g. from ssh-keyscan, checked out of band) in the inventory.",
    ];
    const { hostKey: _, ...noKey } = command().connection as Record<string, unknown>;
    expect(await violations(pinnedHostKey, commandArgs(stepName("pg-test-1", "patroni"), command({ connection: noKey })))).toEqual(expected);
    const empty = command({ connection: { ...noKey, hostKey: " " } });
    expect(await violations(pinnedHostKey, commandArgs(stepName("pg-test-1", "patroni"), empty))).toEqual(expected);
  });

  it("tolerates a key or connection unknown at preview, and ignores components", async () => {
    const unknownKey = command({ connection: { ...(command().connection as object), hostKey: UNKNOWN } });
    expect(await violations(pinnedHostKey, commandArgs("c", unknownKey))).toEqual([]);
    expect(await violations(pinnedHostKey, commandArgs("c", command({ connection: UNKNOWN })))).toEqual([]);
    expect(await violations(pinnedHostKey, clusterArgs(pgTest()))).toEqual([]);
  });
});
