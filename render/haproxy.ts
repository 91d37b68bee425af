// haproxy.cfg for one member: every service of the cluster, health-checked against Patroni's REST API.
import type { ClusterModel, InstanceModel, ServiceModel } from "../config/model";
import { slot } from "../config/secretSlots";
import { placeholder } from "./placeholders";
import { CA_CERT } from "./tls";

function globalAndDefaults(): string[] {
  return [
    "global",
    "    log /dev/log local0",
    // HAProxy needs about 2 fds per connection and refuses to load when the limit is lower
    // (containers often cap it near 20000), so the global cap stays modest.
    "    maxconn 8192",
    "    stats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners",
    "    stats timeout 30s",
    "",
    "defaults",
    "    log global",
    "    mode tcp",
    "    retries 3",
    "    timeout queue 1m",
    "    timeout connect 10s",
    // Long client/server timeouts: pooled database sessions are idle for long stretches.
    "    timeout client 24h",
    "    timeout server 24h",
    "    timeout check 3s",
    "",
  ];
}

/** Stats page and Prometheus /metrics on the admin port; basic auth only when enabled (password via slot). */
function adminSection(cluster: ClusterModel): string[] {
  const lines = [
    "listen admin",
    `    bind *:${cluster.ports.haproxyAdmin}`,
    "    mode http",
    "    http-request use-service prometheus-exporter if { path /metrics }",
    "    stats enable",
    "    stats uri /",
    "    stats refresh 30s",
  ];
  if (cluster.haproxyAdmin.authEnabled) {
    // Single quotes: HAProxy reads nothing inside them (no #, spaces, $ or escapes); the format handles a '.
    lines.push(`    stats auth '${cluster.haproxyAdmin.username}:${placeholder(slot.haproxyAdmin(cluster.name), "haproxy")}'`);
    // Setting servers to MAINT/DRAIN from the page (SOP S7) is allowed only behind auth.
    lines.push("    stats admin if TRUE");
  }
  return [...lines, ""];
}

function serviceSection(cluster: ClusterModel, svc: ServiceModel): string[] {
  const bind = svc.srcIp === "*" ? `*:${svc.port}` : `${svc.srcIp}:${svc.port}`;
  return [
    `# service ${svc.name}: ${svc.checkUrl} on patroni decides who is up`,
    `listen ${cluster.name}-${svc.name}`,
    `    bind ${bind}`,
    "    mode tcp",
    `    maxconn ${svc.maxconn}`,
    `    balance ${svc.balance}`,
    "    option httpchk",
    "    option http-keep-alive",
    `    http-check send meth GET uri ${svc.checkUrl}`,
    `    http-check expect status ${svc.checkCode}`,
    // Patroni's REST API speaks TLS only: checks verify its certificate against the stack's CA. Every server takes
    // these from default-server (the options of pg_services first, so the check settings win where both name one).
    `    default-server ${svc.defaultServerOptions} check port ${svc.checkPort} check-ssl verify required ca-file ${CA_CERT}`,
    ...svc.members.map((m) => `    server ${m.instance} ${m.ip}:${svc.dstPort} weight ${m.weight}${m.backup ? " backup" : ""}`),
    "",
  ];
}

/** The same file on every member (any member's HAProxy routes to the whole cluster); `instance` only names it. */
export function renderHaproxyCfg(cluster: ClusterModel, instance: InstanceModel): string {
  return [
    `# HAProxy of ${instance.name} (cluster ${cluster.name}). Rendered by pigsty-pulumi from pg_services and pg_weight.`,
    ...globalAndDefaults(),
    ...adminSection(cluster),
    ...cluster.services.flatMap((s) => serviceSection(cluster, s)),
  ].join("\n");
}
