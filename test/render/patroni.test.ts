// patroni.yml read back as YAML: DCS, bootstrap, HBA ownership, tags, REST API auth; an accepted setting value reaches
// Patroni unchanged: patroni.yml (YAML 1.1) and the DCS config (JSON) read back the same.
import { parse } from "yaml";
import { patroniDcsConfig, renderPatroniYml } from "../../render/patroni";
import { placeholdersIn } from "../../render/placeholders";
import { loadInventory } from "../../config/load";
import { pgTest, pinHostKeys, rawFixture } from "../helpers/inventoryFixtures";

const { model } = pgTest();
const cluster = model.clusters[0];
const text = renderPatroniYml(model, cluster, cluster.instances[1]);
const yml = parse(text);

test("names, etcd3 hosts and addresses", () => {
  expect(yml.scope).toBe("pg-test");
  expect(yml.name).toBe("pg-test-2");
  // TLS with the stack's CA, as the cluster's own etcd user.
  expect(yml.etcd3).toEqual({ hosts: ["10.10.10.10:2379"], protocol: "https", cacert: "/etc/pigsty/tls/ca.crt", username: "patroni-pg-test", password: "{{secret:pg-test/etcd|yaml}}" });
  expect(yml.restapi).toMatchObject({ certfile: "/etc/pigsty/tls/patroni.crt", keyfile: "/etc/pigsty/tls/patroni.key", cafile: "/etc/pigsty/tls/ca.crt" });
  expect(yml.restapi.connect_address).toBe("10.10.10.12:8008");
  expect(yml.postgresql.connect_address).toBe("10.10.10.12:5432");
  expect(yml.postgresql.bin_dir).toBe("/usr/lib/postgresql/15/bin");
  expect(yml.postgresql.data_dir).toBe("/pg/data");
});

test("cluster settings go to bootstrap.dcs, synchronous_mode as a Patroni setting", () => {
  expect(yml.bootstrap.dcs.synchronous_mode).toBe(false);
  expect(yml.bootstrap.dcs.postgresql.parameters.max_connections).toBe(300);
  expect(yml.bootstrap.dcs.postgresql.parameters.synchronous_mode).toBeUndefined();
  expect(yml.bootstrap.initdb).toEqual([{ encoding: "UTF8" }, { locale: "C" }, "data-checksums"]);
  expect(patroniDcsConfig(cluster).pause).toBe(false);
});

test("failsafe mode is on by default and a cluster can turn it off", () => {
  expect(yml.bootstrap.dcs.failsafe_mode).toBe(true);
  expect(patroniDcsConfig(cluster).failsafe_mode).toBe(true);
  const raw = rawFixture("pg-test.stack.yaml") as { clusters: Record<string, { vars: { patroni: Record<string, unknown> } }> };
  raw.clusters["pg-test"].vars.patroni.failsafe_mode = false;
  const off = loadInventory(raw).model.clusters[0];
  expect(patroniDcsConfig(off).failsafe_mode).toBe(false);
});

test("Patroni does not manage HBA: no pg_hba list, hba_file points at our file", () => {
  expect(yml.postgresql.pg_hba).toBeUndefined();
  expect(yml.postgresql.parameters.hba_file).toBe("/pg/conf/pg_hba.conf");
  expect(yml.postgresql.callbacks.on_role_change).toBe("/pg/bin/pg-role-change");
});

test("tags and passwords as placeholders", () => {
  expect(yml.tags).toEqual({ nofailover: false, noloadbalance: false, nosync: false, clonefrom: true });
  expect(yml.restapi.authentication).toEqual({ username: "postgres", password: "{{secret:pg-test/patroni_api|yaml}}" });
  expect(placeholdersIn(text).sort()).toEqual(["pg-test/etcd", "pg-test/patroni_api", "pg-test/replication", "pg-test/superuser"]);
});

test("an offline member never becomes leader by election (nofailover) nor synchronous standby (nosync), unless the inventory says otherwise", () => {
  const offline = cluster.instances.find((i) => i.role === "offline")!;
  expect(parse(renderPatroniYml(model, cluster, offline)).tags).toMatchObject({ nofailover: true, nosync: true });
  for (const i of cluster.instances.filter((x) => x.role !== "offline")) expect(parse(renderPatroniYml(model, cluster, i)).tags.nofailover).toBe(false);
});

test("snapshot", () => {
  expect(text).toMatchSnapshot();
});

const tricky = { "pigsty.quote": "a'b\\c # d", "pigsty.colon": "x: y, [z]", "pigsty.words": "on", work_mem: 65536, jit: false };

test("tricky one-line values survive patroni.yml and the DCS config", () => {
  const { model } = loadInventory(
    pinHostKeys({
      infra: { ip: "10.10.10.10" },
      dcs: { servers: { "meta-1": "10.10.10.10" } },
      clusters: { "pg-test": { hosts: { "10.10.10.11": { pg_seq: 1, pg_role: "primary" } }, vars: { pg_parameters: tricky } } },
    }),
  );
  const c = model.clusters[0];
  const yml = parse(renderPatroniYml(model, c, c.instances[0]), { version: "1.1" }) as { bootstrap: { dcs: { postgresql: { parameters: Record<string, unknown> } } } };
  expect(yml.bootstrap.dcs.postgresql.parameters).toMatchObject(tricky);
  const dcs = JSON.parse(JSON.stringify(patroniDcsConfig(c))) as { postgresql: { parameters: Record<string, unknown> } };
  expect(dcs.postgresql.parameters).toMatchObject(tricky);
});
