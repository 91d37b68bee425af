// Exporter settings as Debian EnvironmentFiles: node and postgres exporters on each member (no pgbouncer exporter: config/varsSchema.ts).
import type { ClusterModel, InstanceModel } from "../config/model";
import { slot } from "../config/secretSlots";
import { placeholder } from "./placeholders";

/** prometheus-node-exporter: only the listen port differs from Debian's default. */
export function renderNodeExporterEnv(cluster: ClusterModel): string {
  return `# node_exporter. Rendered by pigsty-pulumi.\nARGS="--web.listen-address=:${cluster.ports.nodeExporter}"\n`;
}

/**
 * prometheus-postgres-exporter: connects as the monitor user over loopback (HBA allows
 * ${"${monitor}"} from localhost with a password); the password is a slot placeholder.
 */
export function renderPgExporterEnv(cluster: ClusterModel, instance: InstanceModel): string {
  return [
    `# postgres_exporter of ${instance.name}. Rendered by pigsty-pulumi.`,
    `DATA_SOURCE_URI="127.0.0.1:${cluster.ports.postgres}/postgres?sslmode=disable"`,
    `DATA_SOURCE_USER="${cluster.accounts.monitor}"`,
    `DATA_SOURCE_PASS="${placeholder(slot.monitor(cluster.name), "env")}"`,
    `ARGS="--web.listen-address=:${cluster.ports.pgExporter} --auto-discover-databases"`,
    "",
  ].join("\n");
}
