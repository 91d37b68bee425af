// HAProxy of one instance: the services' config, a reload that must prove it loaded.
import type { ClusterModel, InstanceModel, Model } from "../config/model";
import { instanceFiles } from "../render/files";
import * as paths from "../render/paths";
import { resetBlock } from "./reset";
import { filesStep, type HostStep } from "./step";
import { fail, sayWords } from "./words";
import { keepAside, stopService, waitListening } from "./services";

/**
 * Reloads HAProxy and proves it took the new config (the step library's reload_haproxy). When it did not, the old
 * file goes back, so the host stays as the engine's state records it, and the step fails, HAProxy still serving the
 * old config; the step's pending record retries the reload.
 */
function reloadHaproxy(instance: InstanceModel, restore: string[]): string[] {
  return [
    "if ! reload_haproxy; then",
    "  journalctl -u haproxy -n 15 --no-pager || true",
    ...restore.map((l) => `  ${l}`),
    `  ${fail(`error: HAProxy on ${instance.name} did not load its new config, so it still serves the old one (a port in use by another program?). See journalctl -u haproxy there, fix the cause, then run pulumi up again.`)}`,
    "fi",
    sayWords("HAProxy reloaded"),
  ];
}

export function haproxyStep(model: Model, cluster: ClusterModel, instance: InstanceModel): HostStep {
  const content = instanceFiles(model, cluster, instance)[paths.HAPROXY_CFG];
  const cfg = keepAside([paths.HAPROXY_CFG]);
  return filesStep(`HAProxy of ${instance.name}`, {
    before: cfg.before,
    files: [{ path: paths.HAPROXY_CFG, content, mode: "0640", owner: "root:haproxy", check: "haproxy -c -q -f" }],
    onChange: [
      "if systemctl -q is-active haproxy; then",
      ...reloadHaproxy(instance, cfg.restore).map((l) => `  ${l}`),
      "else",
      "  systemctl restart haproxy",
      "fi",
    ],
    always: [
      "systemctl enable -q haproxy",
      "systemctl -q is-active haproxy || systemctl start haproxy",
      ...resetBlock(instance, "haproxy", ["systemctl restart haproxy"]),
      // A reload that fails to load keeps the old process running, so only open ports prove success.
      waitListening([...cluster.services.map((s) => s.port), cluster.ports.haproxyAdmin], "haproxy"),
    ],
    removal: stopService("haproxy"),
  });
}
