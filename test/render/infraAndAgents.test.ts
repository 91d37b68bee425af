// Prometheus file-SD and config, etcd member env, vip-manager env, exporters, and the files map (the steps that install
// them run in test/steps/infra.test.ts and test/steps/register.test.ts).
import { parse } from "yaml";
import { renderEtcdEnv } from "../../render/etcd";
import { renderPgExporterEnv } from "../../render/exporters";
import { etcdFiles, instanceFiles, monitoringFiles, targetFiles } from "../../render/files";
import { renderFileSdTarget, renderPrometheusYml } from "../../render/prometheus";
import { parseEnv } from "../helpers/inventoryConfParsers";
import { pgTest } from "../helpers/inventoryFixtures";

const { model } = pgTest();
const cluster = model.clusters[0];

test("per instance one file-SD target per job, labelled cls/ins", () => {
  const t = model.scrapeTargets[0];
  const labels = { cls: "pg-test", ins: "pg-test-1" };
  expect(JSON.parse(renderFileSdTarget(t))).toEqual([{ targets: ["10.10.10.11:9630", "10.10.10.11:9101"], labels }]);
  expect(JSON.parse(renderFileSdTarget(t, "node"))).toEqual([{ targets: ["10.10.10.11:9100"], labels }]);
  expect(JSON.parse(renderFileSdTarget(t, "patroni"))).toEqual([{ targets: ["10.10.10.11:8008"], labels }]);
  expect(JSON.parse(renderFileSdTarget(t, "pgbouncer"))).toEqual([{ targets: ["10.10.10.11:6432"], labels }]);
  expect(Object.keys(targetFiles(model, t))).toEqual(["pgsql", "node", "patroni", "pgbouncer"].map((job) => `/etc/prometheus/targets/${job}/pg-test-1.json`));
  expect(model.scrapeTargets.flatMap((x) => Object.keys(targetFiles(model, x))).filter((p) => p.includes("/pgsql/"))).toEqual([
    "/etc/prometheus/targets/pgsql/pg-test-1.json",
    "/etc/prometheus/targets/pgsql/pg-test-2.json",
    "/etc/prometheus/targets/pgsql/pg-test-3.json",
  ]);
  expect(Object.keys(monitoringFiles(model)).sort()).toEqual([
    "/etc/default/prometheus-alertmanager",
    "/etc/nginx/sites-enabled/pigsty.conf",
    "/etc/prometheus/alertmanager.yml",
    "/etc/prometheus/prometheus.yml",
    "/etc/prometheus/rules/pigsty.yml",
    "/var/www/html/dashboard/fleet.json",
    "/var/www/html/index.html",
  ]);
});

test("prometheus.yml reads each job's target directory and scrapes etcd", () => {
  const yml = parse(renderPrometheusYml(model));
  const job = (n: string) => yml.scrape_configs.find((j: { job_name: string }) => j.job_name === n);
  for (const n of ["pgsql", "node", "patroni", "pgbouncer"]) expect(job(n).file_sd_configs[0].files).toEqual([`/etc/prometheus/targets/${n}/*.json`]);
  // The metrics listener (plain HTTP), not the client port, which speaks TLS only.
  expect(job("etcd").static_configs[0].targets).toEqual(["10.10.10.10:2381"]);
  // Patroni's REST API is TLS with the stack's CA, which the monitoring step installs for Prometheus (test/steps/infra.test.ts).
  expect(job("patroni")).toMatchObject({ scheme: "https", tls_config: { ca_file: "/etc/prometheus/pigsty-ca.crt" } });
  // pgbouncer through the infra node's blackbox exporter: the member's port is the probe's target and the instance.
  expect(job("pgbouncer")).toMatchObject({ metrics_path: "/probe", params: { module: ["tcp_connect"] } });
  expect(job("pgbouncer").relabel_configs).toEqual([
    { source_labels: ["__address__"], target_label: "__param_target" },
    { source_labels: ["__param_target"], target_label: "instance" },
    { target_label: "__address__", replacement: "10.10.10.10:9115" },
  ]);
  // The alert rules' directory (the monitoring step checks its file with promtool: test/steps/infra.test.ts).
  expect(yml.rule_files).toEqual(["/etc/prometheus/rules/*.yml"]);
});

test("etcd member env", () => {
  const env = parseEnv(renderEtcdEnv(model.dcs, "meta-1"));
  expect(env).toMatchObject({
    ETCD_NAME: "meta-1",
    ETCD_INITIAL_CLUSTER: "meta-1=https://10.10.10.10:2380",
    ETCD_LISTEN_CLIENT_URLS: "https://10.10.10.10:2379,https://127.0.0.1:2379",
    ETCD_ADVERTISE_CLIENT_URLS: "https://10.10.10.10:2379",
    ETCD_LISTEN_METRICS_URLS: "http://10.10.10.10:2381",
    ETCD_INITIAL_CLUSTER_STATE: "new",
    ETCD_CERT_FILE: "/etc/pigsty/tls/etcd.crt",
    ETCD_KEY_FILE: "/etc/pigsty/tls/etcd.key",
    ETCD_PEER_TRUSTED_CA_FILE: "/etc/pigsty/tls/ca.crt",
    ETCD_PEER_CLIENT_CERT_AUTH: "true",
  });
  expect(Object.values(env).join(" ")).not.toContain("http://10.10.10.10:2379");
  expect(etcdFiles(model.dcs, "meta-1")).toEqual({ "/etc/default/etcd": renderEtcdEnv(model.dcs, "meta-1") });
  expect(() => renderEtcdEnv(model.dcs, "meta-9")).toThrow("meta-9 is not a DCS member (members: meta-1)");
});

test("postgres exporter connects as the monitor user with a placeholder password", () => {
  expect(parseEnv(renderPgExporterEnv(cluster, cluster.instances[0]))).toMatchObject({
    DATA_SOURCE_USER: "dbuser_monitor",
    DATA_SOURCE_PASS: "{{secret:pg-test/monitor|env}}",
    ARGS: "--web.listen-address=:9630 --auto-discover-databases --extend.query-path=/etc/prometheus-postgres-exporter/pigsty-queries.yml",
  });
});

test("instance files: the leader's and the member's own HBA variants, for Postgres and pgbouncer, and no active file", () => {
  const files = instanceFiles(model, cluster, cluster.instances[2]);
  expect(Object.keys(files)).toEqual(
    expect.arrayContaining(["/pg/conf/hba/primary.conf", "/pg/conf/hba/offline.conf", "/etc/pgbouncer/hba/primary.conf", "/etc/pgbouncer/hba/offline.conf"]),
  );
  // The active files follow the actual role on the host (steps/postgres.ts), never the intended one.
  expect(Object.keys(files)).not.toEqual(expect.arrayContaining(["/pg/conf/pg_hba.conf"]));
  expect(Object.keys(files)).not.toEqual(expect.arrayContaining(["/etc/pgbouncer/pgb_hba.conf"]));
});
