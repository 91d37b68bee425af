// A three-member DCS and the stack's certificates, as the program registers them (under mocks).
import { devStackConfig, runIsolated, type Registered } from "./harness";
import { stepName } from "../../config/stepCatalogue";

type Inventory = { dcs: { servers: Record<string, string> } };

async function run(): Promise<{ registered: Registered[]; deps: Map<string, string[]> }> {
  const inv = JSON.parse(JSON.stringify(devStackConfig()["pigsty:inventory"])) as Inventory;
  inv.dcs.servers = { "meta-1": "10.10.10.10", "meta-2": "10.10.10.11", "meta-3": "10.10.10.12" };
  const { registered, deps, error } = await runIsolated({ ...devStackConfig(), "pigsty:sandbox": "test/fixtures/sandbox/five-hosts.json", "pigsty:inventory": inv });
  if (error) throw error;
  return { registered, deps };
}

test("etcd members restart one at a time, and client auth waits for the last", async () => {
  const { deps } = await run();
  expect(deps.get(stepName("meta-1", "etcd"))).not.toEqual(expect.arrayContaining([stepName("meta-2", "etcd")]));
  expect(deps.get(stepName("meta-2", "etcd"))).toEqual(expect.arrayContaining([stepName("meta-1", "etcd")]));
  expect(deps.get(stepName("meta-3", "etcd"))).toEqual(expect.arrayContaining([stepName("meta-2", "etcd")]));
  expect(deps.get(stepName("pigsty", "dcs-auth"))).toEqual([stepName("meta-3", "etcd")]);
  expect(deps.get(stepName("pg-test", "dcs"))).toEqual([stepName("meta", "prepare"), stepName("pigsty", "dcs-auth")]);
});

test("one CA, one certificate per etcd member, per Patroni member, per Postgres member and per backup repository host; no key on a command line", async () => {
  const { registered } = await run();
  const local = registered.filter((r) => r.type === "command:local:Command");
  expect(local.map((r) => r.name).sort()).toEqual([
    "backup-10-10-10-10-pgbackrest-certificate",
    "meta-1-etcd-certificate",
    "meta-2-etcd-certificate",
    "meta-3-etcd-certificate",
    "pg-test-1-patroni-certificate",
    "pg-test-1-postgres-certificate",
    "pg-test-2-patroni-certificate",
    "pg-test-2-postgres-certificate",
    "pg-test-3-patroni-certificate",
    "pg-test-3-postgres-certificate",
    "pki-ca",
  ]);
  for (const c of local) expect(c.inputs.create).not.toContain("PRIVATE KEY");
  // The host's addresses are in the script, so a changed IP issues a new certificate.
  expect(local.find((r) => r.name === "meta-2-etcd-certificate")?.inputs.create).toContain("subjectAltName=IP:10.10.10.11,IP:127.0.0.1,DNS:meta-2");
  // pgBackRest 2.45 checks DNS names: the repository host's certificate carries the name the members connect to.
  expect(local.find((r) => r.name === "backup-10-10-10-10-pgbackrest-certificate")?.inputs.create).toContain("DNS:backup-10-10-10-10");
  // Each etcd member's step carries its own key and the root password, nothing of another member.
  const meta2 = registered.find((r) => r.name === stepName("meta-2", "etcd")) as Registered;
  expect(Object.keys(JSON.parse(meta2.inputs.stdin)).sort()).toEqual(["dcs/etcd_root", "tls/ca", "tls/etcd/meta-2/cert", "tls/etcd/meta-2/key"]);
  // A member's TLS step carries its own REST API and Postgres certificates and keys, and the CA (test/steps/tls.test.ts runs it).
  const tls2 = registered.find((r) => r.name === stepName("pg-test-2", "tls")) as Registered;
  expect(Object.keys(JSON.parse(tls2.inputs.stdin)).sort()).toEqual(["tls/ca", "tls/patroni/pg-test-2/cert", "tls/patroni/pg-test-2/key", "tls/postgres/pg-test-2/cert", "tls/postgres/pg-test-2/key"]);
  // The Postgres certificate's lifetime (cert_validity, default 7300d) and its renewal period are in its script.
  expect(local.find((r) => r.name === "pg-test-2-postgres-certificate")?.inputs.create).toMatch(/^# renewal period \d+: issued again every 3650 days, valid 7300 days\n[\s\S]*-days 7300 /);
});
