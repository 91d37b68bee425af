// A cluster's own DCS (clusters.<c>.dcs): each refused input by its path and message, and what the model makes of it
// (the cluster's DCS, the stack's untouched, the readers that follow the cluster's).
import { loadInventory } from "../../config/load";
import { dcsOf, everyDcs } from "../../config/model";
import { renderPatroniYml } from "../../render/patroni";
import { renderPrometheusYml } from "../../render/prometheus";
import { tlsServers } from "../../components/certificates";
import { infraNodeFacts } from "../../config/facts";
import { loadProblems, onInfraNode, twoMemberPgTest, type FixtureClusters } from "../helpers/inventoryFixtures";
import { parse } from "yaml";

type Inv = FixtureClusters;

/** pg-test on .11-.12 in the stack's DCS (meta-1 on .10); pg-std on .15, following it, with its own DCS on .15. */
function inventory(edit: (inv: Inv) => void = () => undefined): unknown {
  const std = {
    hosts: { "10.10.10.15": { pg_seq: 1, pg_role: "primary" } },
    vars: { pg_upstream: "pg-test" },
    dcs: { name: "site-b", servers: { "site-b-1": "10.10.10.15" } },
  };
  return onInfraNode({ clusters: { "pg-test": twoMemberPgTest(), "pg-std": std } }, edit);
}

const errors = (edit: (inv: Inv) => void): string[] => loadProblems(inventory(edit));
const ownDcs = (inv: Inv) => inv.clusters["pg-std"].dcs as { name?: string; servers: Record<string, string>; client_port?: number };

describe("a cluster's own DCS is refused before anything runs", () => {
  test("with no server", () => {
    expect(errors((i) => (ownDcs(i).servers = {}))).toEqual(["clusters.pg-std.dcs.servers: no DCS server is listed. Add at least one, e.g. { meta-1: 10.10.10.10 }."]);
  });

  test("with a member name etcd and the steps cannot take", () => {
    expect(errors((i) => (ownDcs(i).servers = { Site_B: "10.10.10.15" }))).toEqual([
      'clusters.pg-std.dcs.servers.Site_B: "Site_B" is not a valid member name. Use lowercase letters, digits and hyphens, e.g. meta-1.',
    ]);
  });

  test("with the stack DCS's name (the default name is the stack's default too)", () => {
    const expected = "clusters.pg-std.dcs.name: pigsty is already the name of the DCS at dcs. Give each DCS a name of its own (it names etcd's data and the DCS's steps), e.g. name: pg-std.";
    expect(errors((i) => (ownDcs(i).name = "pigsty"))).toEqual([expected]);
    expect(errors((i) => delete ownDcs(i).name)).toEqual([expected]);
  });

  test("on a host of the stack's DCS", () => {
    expect(errors((i) => (ownDcs(i).servers = { "site-b-1": "10.10.10.10" }))).toEqual([
      "clusters.pg-std.dcs.servers.site-b-1: 10.10.10.10 is already a server of the DCS at dcs (meta-1), and a host runs one etcd member only. Put this DCS on hosts that are in no other DCS.",
    ]);
  });

  test("with a member name of the stack's DCS", () => {
    expect(errors((i) => (ownDcs(i).servers = { "meta-1": "10.10.10.15" }))).toEqual([
      "clusters.pg-std.dcs.servers.meta-1: the member name meta-1 is already used at dcs.servers, and a member name names its steps and certificate. Rename it, e.g. pg-std-etcd-1.",
    ]);
  });

  test("against another cluster's own DCS: its host, member name and name", () => {
    const found = errors((i) => (i.clusters["pg-test"].dcs = { name: "site-b", servers: { "site-b-1": "10.10.10.15" } }));
    expect(found).toEqual([
      "clusters.pg-test.dcs.name: site-b is already the name of the DCS at clusters.pg-std.dcs. Give each DCS a name of its own (it names etcd's data and the DCS's steps), e.g. name: pg-test.",
      "clusters.pg-test.dcs.servers.site-b-1: 10.10.10.15 is already a server of the DCS at clusters.pg-std.dcs (site-b-1), and a host runs one etcd member only. Put this DCS on hosts that are in no other DCS.",
      "clusters.pg-test.dcs.servers.site-b-1: the member name site-b-1 is already used at clusters.pg-std.dcs.servers, and a member name names its steps and certificate. Rename it, e.g. pg-test-etcd-1.",
    ]);
  });

  test("with a port a Postgres member on the same host uses", () => {
    expect(errors((i) => (ownDcs(i).client_port = 5432))).toEqual([
      "clusters.pg-std.vars.pg_port: port 5432 on 10.10.10.15 is already used by clusters.pg-std.dcs.client_port. Pick a port that is free on that host.",
    ]);
  });

  test("on a host without a pinned key", () => {
    const raw = inventory((i) => (ownDcs(i).servers = { "site-b-1": "10.10.10.15", "site-b-2": "10.10.10.16", "site-b-3": "10.10.10.17" })) as { ssh: { host_keys: Record<string, string> } };
    delete raw.ssh.host_keys["10.10.10.17"];
    expect(loadProblems(raw)).toEqual([expect.stringMatching(/^ssh\.host_keys\.10\.10\.10\.17: no pinned host key for 10\.10\.10\.17, /)]);
  });

  test("with a key the DCS schema does not know", () => {
    expect(errors((i) => ((ownDcs(i) as Record<string, unknown>).severs = {}))).toEqual([expect.stringMatching(/^clusters\.pg-std\.dcs\.severs: unknown key\. Did you mean servers\?/)]);
  });
});

describe("the model", () => {
  const { model } = loadInventory(inventory());
  const std = model.clusters.find((c) => c.name === "pg-std")!;
  const test_ = model.clusters.find((c) => c.name === "pg-test")!;

  test("the cluster has its own DCS with the defaults of the stack's; the other cluster and the stack keep theirs", () => {
    expect(std.ownDcs).toEqual({ name: "site-b", clientPort: 2379, peerPort: 2380, members: [{ name: "site-b-1", ip: "10.10.10.15" }], endpoints: ["10.10.10.15:2379"], owner: "pg-std" });
    expect(test_.ownDcs).toBeUndefined();
    expect(model.dcs).toEqual({ name: "pigsty", clientPort: 2379, peerPort: 2380, members: [{ name: "meta-1", ip: "10.10.10.10" }], endpoints: ["10.10.10.10:2379"] });
    expect(dcsOf(model, std)).toBe(std.ownDcs);
    expect(dcsOf(model, test_)).toBe(model.dcs);
    expect(everyDcs(model).map((d) => d.name)).toEqual(["pigsty", "site-b"]);
  });

  test("its Patroni lists its own DCS's endpoints; the other cluster's lists the stack's", () => {
    const etcd3 = (c: typeof std) => parse(renderPatroniYml(model, c, c.instances[0])).etcd3;
    expect(etcd3(std).hosts).toEqual(["10.10.10.15:2379"]);
    expect(etcd3(test_).hosts).toEqual(["10.10.10.10:2379"]);
    expect(etcd3(std).username).toBe("patroni-pg-std");
  });

  test("Prometheus scrapes every DCS's members, each DCS member gets an etcd certificate, the infra node's facts name it", () => {
    const etcdJob = parse(renderPrometheusYml(model)).scrape_configs.find((j: { job_name: string }) => j.job_name === "etcd");
    expect(etcdJob.static_configs[0].targets).toEqual(["10.10.10.10:2381", "10.10.10.15:2381"]);
    expect(tlsServers(model).filter((s) => s.service === "etcd")).toEqual([
      { service: "etcd", name: "meta-1", ip: "10.10.10.10" },
      { service: "etcd", name: "site-b-1", ip: "10.10.10.15" },
    ]);
    expect(infraNodeFacts(model).clusterDcs).toEqual([{ cluster: "pg-std", name: "site-b", members: [{ name: "site-b-1", ip: "10.10.10.15" }] }]);
  });
});
