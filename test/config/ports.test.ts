// Port collisions on a host: services, the cluster's own ports, sshd, etcd on DCS servers and the infra node's listeners.
import { loadProblems, pinHostKeys } from "../helpers/inventoryFixtures";

type Inv = { ssh?: Record<string, unknown>; vars?: Record<string, unknown>; clusters: Record<string, { hosts: Record<string, unknown>; vars: Record<string, unknown> }> };

/** pg-meta on the infra node (also the DCS server), pg-test on 10.10.10.11. */
function problems(edit: (inv: Inv) => void): string[] {
  const inv: Inv = {
    clusters: {
      "pg-meta": { hosts: { "10.10.10.10": { pg_seq: 1, pg_role: "primary" } }, vars: {} },
      "pg-test": { hosts: { "10.10.10.11": { pg_seq: 1, pg_role: "primary" } }, vars: {} },
    },
  };
  edit(inv);
  return loadProblems(pinHostKeys({ infra: { ip: "10.10.10.10" }, dcs: { servers: { "meta-1": "10.10.10.10" } }, ...inv }));
}

const service = (src_port: number) => [{ name: "extra", src_port, check_url: "/primary" }];
const FIX = "Pick a port that is free on that host.";
const T = "clusters.pg-test.vars";
const M = "clusters.pg-meta.vars";

describe("a service's src_port", () => {
  test.each([
    [22, "sshd (ssh.port)"],
    [5432, `${T}.pg_port`],
    [6432, `${T}.pgbouncer_port`],
    [8008, `${T}.patroni_port`],
    [9101, `${T}.haproxy_admin_port`],
    [9630, `${T}.pg_exporter_port`],
    [9100, `${T}.node_exporter_port`],
    [5434, `${T}.pg_services[1].src_port`],
  ])("%d on a member is refused, naming %s", (port, owner) => {
    expect(problems((i) => (i.clusters["pg-test"].vars.pg_services_extra = service(port)))).toEqual([
      `${T}.pg_services_extra[0].src_port: port ${port} on 10.10.10.11 is already used by ${owner}. ${FIX}`,
    ]);
  });

  test.each([
    [2379, "dcs.client_port"],
    [2380, "dcs.peer_port"],
    [9090, "infra.prometheus_port"],
    [9093, "infra.alertmanager_port"],
    [80, "infra.nginx_port"],
  ])("%d on the infra node and DCS server is refused, naming %s", (port, owner) => {
    expect(problems((i) => (i.clusters["pg-meta"].vars.pg_services_extra = service(port)))).toEqual([
      `${M}.pg_services_extra[0].src_port: port ${port} on 10.10.10.10 is already used by ${owner}. ${FIX}`,
    ]);
  });

  test("etcd's and the infra node's ports are free on other hosts", () => {
    expect(problems((i) => (i.clusters["pg-test"].vars.pg_services_extra = [...service(2379), { name: "web", src_port: 80 }]))).toEqual([]);
  });

  test("a non-default ssh.port is the one that is taken, on every host", () => {
    expect(problems((i) => ((i.ssh = { port: 2222 }), (i.clusters["pg-test"].vars.pg_services_extra = service(22))))).toEqual([]);
    expect(problems((i) => ((i.ssh = { port: 2222 }), (i.clusters["pg-meta"].vars.pg_services_extra = service(2222))))).toEqual([
      `${M}.pg_services_extra[0].src_port: port 2222 on 10.10.10.10 is already used by sshd (ssh.port). ${FIX}`,
    ]);
  });

  test("a service inherited from the top-level vars is reported once, at its path there", () => {
    expect(problems((i) => (i.vars = { pg_services_extra: service(22) }))).toEqual([
      `vars.pg_services_extra[0].src_port: port 22 on 10.10.10.10 is already used by sshd (ssh.port). ${FIX}`,
    ]);
  });
});

describe("the cluster's own ports", () => {
  test("against each other", () => {
    expect(problems((i) => (i.clusters["pg-test"].vars.pgbouncer_port = 5432))).toEqual([
      `${T}.pgbouncer_port: port 5432 on 10.10.10.11 is already used by ${T}.pg_port. ${FIX}`,
    ]);
  });

  test("against sshd", () => {
    expect(problems((i) => (i.clusters["pg-test"].vars.node_exporter_port = 22))).toEqual([
      `${T}.node_exporter_port: port 22 on 10.10.10.11 is already used by sshd (ssh.port). ${FIX}`,
    ]);
  });

  test("a default service's port against a port var", () => {
    expect(problems((i) => (i.clusters["pg-test"].vars.pg_exporter_port = 5433))).toEqual([
      `${T}.pg_services[0].src_port: port 5433 on 10.10.10.11 is already used by ${T}.pg_exporter_port. ${FIX}`,
    ]);
  });
});
