// Intent versus reality: the drift warning after a failover names both members and both ways out.
import { driftMessages, leaderOf } from "../../components/drift";
import { fakePatroni, selfSignedCert } from "../helpers/fakePatroni";
import { pgTest } from "../helpers/inventoryFixtures";
import { followLeader, patroniApis } from "../../patroni/members";

const clusters = pgTest().model.clusters;

test("nothing to say when the configured primary leads, or when no member answered", () => {
  expect(driftMessages([{ cluster: "pg-test", intended: "pg-test-1", actual: "pg-test-1", deployed: "pg-test-1" }], clusters)).toEqual([]);
  expect(driftMessages([{ cluster: "pg-test", intended: "pg-test-1", actual: undefined }], clusters)).toEqual([]);
});

test("after a failover the warning says what happened and how to keep or undo it", () => {
  const [w] = driftMessages([{ cluster: "pg-test", intended: "pg-test-1", actual: "pg-test-2", deployed: "pg-test-1", intendedState: "streaming" }], clusters);
  expect(w).toEqual({
    level: "warn",
    text:
      "pg-test: Patroni's leader is pg-test-2, but config names pg-test-1 as primary (a failover happened). Nothing will fail back. " +
      "To keep pg-test-2 as primary, set pg_role: primary on 10.10.10.12 and pg_role: replica on 10.10.10.11; " +
      "to return to pg-test-1, run `npm run pg -- switchover pg-test --candidate pg-test-1`.",
  });
});

test.each([
  ["not listed by Patroni (down?)", undefined],
  ["stopped", "stopped"],
])("the way back never names a configured primary that is %s as a switchover candidate", (said, state) => {
  const [w] = driftMessages([{ cluster: "pg-test", intended: "pg-test-1", actual: "pg-test-2", deployed: "pg-test-1", intendedState: state }], clusters);
  expect(w.text).toContain(`pg-test-1 is ${said}: bring it back first (journalctl -u patroni on 10.10.10.11), then \`npm run pg -- switchover pg-test --candidate pg-test-1\` returns to it.`);
  expect(w.text).not.toContain("to return to pg-test-1, run");
});

test("a pg_role moved since the previous up is a planned switchover, not a failover", () => {
  const [m] = driftMessages([{ cluster: "pg-test", intended: "pg-test-2", actual: "pg-test-1", deployed: "pg-test-1" }], clusters);
  expect(m).toEqual({ level: "info", text: "pg-test: `pulumi up` will switch over from pg-test-1 to pg-test-2 (pg_role: primary moved to 10.10.10.12)." });
});

test("a leader whose host left the config is named as such, never as 'undefined'", () => {
  const [m] = driftMessages([{ cluster: "pg-test", intended: "pg-test-1", actual: "pg-test-9", deployed: "pg-test-1", intendedState: "streaming" }], clusters);
  expect(m.text).toContain("pg-test-9 is no longer in this stack's config: switch over to a configured member first (`npm run pg -- switchover pg-test --candidate pg-test-1`).");
  expect(m.text).not.toContain("undefined");
});

test("a planned switchover in synchronous mode says how up gets past Patroni's sync-standby rule", () => {
  const sync = clusters.map((c) => ({ ...c, patroni: { ...c.patroni, synchronous_mode: true } }));
  const [m] = driftMessages([{ cluster: "pg-test", intended: "pg-test-2", actual: "pg-test-1", deployed: "pg-test-1" }], sync);
  expect(m.text).toContain("Synchronous mode is on: pg-test-2 is made a synchronous standby first");
});

describe("leaderOf asks the members' Patroni over TLS", () => {
  let cert: ReturnType<typeof selfSignedCert>;
  beforeAll(() => {
    cert = selfSignedCert();
  });
  const at = (port: number) => ({ ...clusters[0], ports: { ...clusters[0].ports, patroni: port }, instances: clusters[0].instances.map((i) => ({ ...i, ip: "127.0.0.1" })) });

  test.each(["leader", "standby_leader"])("a leader named %s in /cluster", async (role) => {
    const api = await fakePatroni(cert, () => ({ members: [{ name: "pg-test-2", role, state: "running" }, { name: "pg-test-1", role: "replica", state: "stopped" }] }));
    try {
      expect(await leaderOf(at(api.port), cert.pem)).toEqual({ leader: "pg-test-2", states: { "pg-test-2": "running", "pg-test-1": "stopped" } });
    } finally {
      await api.close();
    }
  });

  test("nobody answers: no leader to compare with", async () => {
    expect(await leaderOf(at(9), cert.pem, 500)).toEqual({ leader: undefined, states: {} });
  });
});

test("the drift warning and the operator's advice take the members' APIs and the pg_role change from one place", () => {
  const c = clusters[0];
  expect(patroniApis(c)[1]).toEqual({ name: "pg-test-2", url: "https://10.10.10.12:8008" });
  expect(followLeader(c, "pg-test-2")).toBe("set pg_role: primary on 10.10.10.12 and pg_role: replica on 10.10.10.11");
  expect(followLeader(c, "pg-gone-9")).toBeUndefined();
});
