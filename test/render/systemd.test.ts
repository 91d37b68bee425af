// The systemd units and programs of render/systemd.ts: Patroni's unit starts Debian's Patroni through the launcher and
// runs the fence after it exits; the fence itself, with pg_ctl standing in. test/render/patroniFence.real.test.ts and
// test/render/patroniLauncher.real.test.ts run both against the real programs.
import { renderPatroniFence, renderPatroniUnit } from "../../render/systemd";
import { PATRONI_FENCE_SCRIPT, PATRONI_LAUNCHER, PATRONI_YML } from "../../render/paths";
import { fakeHost } from "../helpers/fakeHost";
import { pgTest } from "../helpers/inventoryFixtures";

const cluster = pgTest().model.clusters[0];

test("Patroni's unit starts Debian's Patroni through the launcher", () => {
  expect(renderPatroniUnit(cluster, cluster.instances[0])).toContain(`ExecStart=/usr/bin/python3 ${PATRONI_LAUNCHER} ${PATRONI_YML}\n`);
});

test("Patroni's unit runs the fence after it exits, and stops only Patroni itself", () => {
  const unit = renderPatroniUnit(cluster, cluster.instances[0]);
  expect(unit).toContain(`ExecStopPost=${PATRONI_FENCE_SCRIPT}\n`);
  expect(unit).toContain("KillMode=process\n");
});

describe("the fence, run by sh with pg_ctl standing in", () => {
  const host = fakeHost();
  const PG_CTL = "/usr/lib/postgresql/15/bin/pg_ctl";
  /** Runs the fence of a cluster whose data directory has a space, after Patroni exited with `result`; pg_ctl's argument lists. */
  function fence(result: string, pgCtl = "") {
    host().stub(PG_CTL, `printf '%s|' "$@" >>"$ROOT/args"; echo >>"$ROOT/args"\n${pgCtl}`);
    host().write("/pg/da ta/patroni.dynamic.json", "{}");
    const r = host().run(renderPatroniFence({ ...cluster, dataDir: "/pg/da ta" }), { shell: "/bin/sh", env: { SERVICE_RESULT: result } });
    expect(r.status).toBe(0);
    return host().exists("/args") ? host().read("/args").split("\n").filter((l) => l !== "") : [];
  }

  test("Patroni died: Postgres is stopped, its data directory passed as one word", () => {
    expect(fence("signal")).toEqual(["-D|/pg/da ta|status|", "-D|/pg/da ta|stop|-m|fast|-w|-t|30|"]);
  });

  test("a fast stop that fails is followed by an immediate one", () => {
    expect(fence("exit-code", '[ "$3 $5" != "stop fast" ]')).toEqual(["-D|/pg/da ta|status|", "-D|/pg/da ta|stop|-m|fast|-w|-t|30|", "-D|/pg/da ta|stop|-m|immediate|-w|-t|30|"]);
  });

  test("a stop on purpose leaves Postgres alone", () => {
    expect(fence("success")).toEqual([]);
  });
});
