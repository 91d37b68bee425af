// The pgbouncer probe as the infra node runs it: Debian's blackbox exporter 0.23 with Debian's blackbox.yml and the
// module prometheus.yml names, against an open and a closed port on loopback (real-tools tier; a missing tool fails).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { PGBOUNCER_PROBE_MODULE } from "../../render/prometheus";

const BLACKBOX = "/usr/bin/prometheus-blackbox-exporter";
/** Debian's conffile, which the infra node keeps (the monitoring step does not write it). */
const DEBIAN_CONFIG = "/etc/prometheus/blackbox.yml";

const listen = (): Promise<Server> => new Promise((r) => { const s = createServer((c) => c.end()).listen(0, "127.0.0.1", () => r(s)); });
const portOf = (s: Server) => (s.address() as AddressInfo).port;

describe("the pgbouncer probe through Debian's blackbox exporter", () => {
  let exporter: ChildProcess;
  let open: Server;
  let closedPort: number;
  let port: number;

  beforeAll(async () => {
    for (const f of [BLACKBOX, DEBIAN_CONFIG]) if (!existsSync(f)) throw new Error(`real-tools tier: ${f} is missing: install prometheus-blackbox-exporter`);
    open = await listen();
    const closed = await listen();
    closedPort = portOf(closed);
    await new Promise((r) => closed.close(r));
    const free = await listen();
    port = portOf(free);
    await new Promise((r) => free.close(r));
    exporter = spawn(BLACKBOX, [`--config.file=${DEBIAN_CONFIG}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      if ((await fetch(`http://127.0.0.1:${port}/-/healthy`).catch(() => undefined))?.ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the blackbox exporter did not start");
  }, 30_000);
  afterAll(async () => {
    exporter?.kill("SIGTERM");
    await new Promise((r) => open?.close(r));
  });

  test("Debian's config is valid", () => {
    const r = spawnSync(BLACKBOX, [`--config.file=${DEBIAN_CONFIG}`, "--config.check"], { encoding: "utf8" });
    expect(r.status).toBe(0);
  });

  const probe = async (target: string) => {
    const text = await (await fetch(`http://127.0.0.1:${port}/probe?module=${PGBOUNCER_PROBE_MODULE}&target=${target}`)).text();
    return /^probe_success (\d)$/m.exec(text)?.[1];
  };

  test("probe_success is 1 on a listening port and 0 on a closed one", async () => {
    expect(await probe(`127.0.0.1:${portOf(open)}`)).toBe("1");
    expect(await probe(`127.0.0.1:${closedPort}`)).toBe("0");
  });
});
