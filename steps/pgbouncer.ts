// pgbouncer of one instance: config, users, HBA variants; restart or reload as the change needs.
import type { ClusterModel, InstanceModel, Model } from "../config/model";
import { instanceFiles } from "../render/files";
import * as paths from "../render/paths";
import { resetBlock } from "./reset";
import { quote } from "./shell";
import { filesStep, type HostStep } from "./step";
import { activateActualRole, seedActive, stopService, waitListening } from "./services";

/** pgbouncer's config, users and HBA variants; its active HBA file follows the actual role like Postgres'. */
export function pgbouncerStep(model: Model, cluster: ClusterModel, instance: InstanceModel): HostStep {
  const files = instanceFiles(model, cluster, instance);
  const dir = paths.PGBOUNCER_DIR;
  const own = [`${dir}/pgbouncer.ini`, `${dir}/userlist.txt`, paths.pgbouncerHbaForRole("primary"), paths.pgbouncerHbaForRole(paths.notLeaderHba(instance))];
  const specs = own.map((p) => ({ path: p, content: files[p], owner: "postgres:postgres", mode: "0640" }));
  const seed = seedActive(paths.PGBOUNCER_HBA_ACTIVE, paths.pgbouncerHbaForRole("primary"), "0640");
  // Where pgbouncer listens needs a restart (a brief interruption); everything else, TLS included, only a reload.
  const listening = `grep -E '^(listen_addr|listen_port|unix_socket_dir|pidfile) ' ${quote(`${dir}/pgbouncer.ini`)} 2>/dev/null || true`;
  return filesStep(`pgbouncer of ${instance.name}`, {
    before: [`listening_before=$(${listening})`],
    files: specs,
    onChange: [
      seed,
      `if [ "$(${listening})" != "$listening_before" ] || ! systemctl -q is-active pgbouncer; then systemctl restart pgbouncer; else systemctl reload pgbouncer; fi`,
    ],
    always: [
      seed,
      ...activateActualRole(cluster),
      "systemctl enable -q pgbouncer",
      // Debian starts pgbouncer with its own config at install; one not on our address gets a restart.
      `[ -n "$(ss -Hltn ${quote(`src 0.0.0.0 and sport = :${cluster.ports.pgbouncer}`)})" ] || systemctl restart pgbouncer`,
      ...resetBlock(instance, "pgbouncer", ["systemctl restart pgbouncer"]),
      waitListening([cluster.ports.pgbouncer], "pgbouncer"),
    ],
    removal: stopService("pgbouncer"),
  });
}
