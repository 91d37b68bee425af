// Prometheus exporters of one instance (node, postgres).
import type { ClusterModel, InstanceModel, Model } from "../config/model";
import { instanceFiles } from "../render/files";
import * as paths from "../render/paths";
import { resetBlock } from "./reset";
import { filesStep, type HostStep } from "./step";

export function exportersStep(model: Model, cluster: ClusterModel, instance: InstanceModel): HostStep {
  const files = instanceFiles(model, cluster, instance);
  const units: Record<string, string> = {
    [paths.NODE_EXPORTER_DEFAULTS]: "prometheus-node-exporter",
    [paths.PG_EXPORTER_DEFAULTS]: "prometheus-postgres-exporter",
  };
  const specs = [
    ...Object.keys(units).map((p) => ({ path: p, content: files[p], mode: "0640", owner: "root:prometheus" })),
    // The same on every host, so it comes from the step library; a change restarts the postgres exporter with the
    // other files' restart.
    { path: paths.PG_EXPORTER_QUERIES, content: files[paths.PG_EXPORTER_QUERIES], library: "pg-exporter-queries.yml" as const },
  ];
  const services = Object.values(units).join(" ");
  // reset-failed first: Debian starts them at install with an empty DSN, so they crash-loop into
  // systemd's start limit before our settings arrive, and a plain restart is then refused.
  const restart = `{ systemctl reset-failed ${services} 2>/dev/null || true; systemctl restart ${services}; }`;
  return filesStep(`exporters of ${instance.name}`, {
    files: specs,
    onChange: [restart],
    always: [
      `systemctl enable -q ${services}`,
      `systemctl -q is-active ${services} || ${restart}`,
      ...resetBlock(instance, "monitor", [restart]),
    ],
  });
}
