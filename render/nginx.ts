// nginx on the infra node: its site (the web root, and read-only ways to Prometheus' and Alertmanager's APIs on the
// same origin, for the dashboards) and the front page: links to the dashboards, Prometheus, Alertmanager and every
// member's HAProxy admin page.
import type { Model } from "../config/model";
import { ALERTMANAGER_API_PATH, DASHBOARD_PATH, PROMETHEUS_API_PATH, WEB_ROOT } from "./dashboard";

/** nginx's site of the infra node; Debian's own default site is disabled by the monitoring step. */
export const NGINX_SITE = "/etc/nginx/sites-enabled/pigsty.conf";

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A same-origin path nginx passes to a service on the infra node. */
export interface ApiProxy {
  path: string;
  service: "prometheus" | "alertmanager";
  /** The service's own path. */
  upstreamPath: string;
}

/** Only what the pages ask (GET, these exact paths): no admin or write endpoint of either service is reachable here. */
export const API_PROXIES: readonly ApiProxy[] = [
  { path: `${PROMETHEUS_API_PATH}query`, service: "prometheus", upstreamPath: "/api/v1/query" },
  { path: `${PROMETHEUS_API_PATH}query_range`, service: "prometheus", upstreamPath: "/api/v1/query_range" },
  { path: `${ALERTMANAGER_API_PATH}alerts`, service: "alertmanager", upstreamPath: "/api/v2/alerts" },
];

export function renderNginxSite(model: Model): string {
  const port = { prometheus: model.infra.prometheusPort, alertmanager: model.infra.alertmanagerPort };
  const proxies = API_PROXIES.flatMap((p) => [
    `  location = ${p.path} {`,
    "    limit_except GET { deny all; }",
    `    proxy_pass http://127.0.0.1:${port[p.service]}${p.upstreamPath};`,
    "  }",
  ]);
  return [
    "# nginx site of the infra node: the front page, the dashboards and the APIs they read. Rendered by pigsty-pulumi.",
    "server {",
    `  listen ${model.infra.nginxPort} default_server;`,
    "  server_name _;",
    `  root ${WEB_ROOT};`,
    "  index index.html;",
    "  location / {",
    "    try_files $uri $uri/ =404;",
    "  }",
    ...proxies,
    "}",
    "",
  ].join("\n");
}

export function renderFrontPage(model: Model): string {
  const link = (href: string, text: string) => `<li><a href="${escape(href)}">${escape(text)}</a></li>`;
  const infra = model.infra;
  const lines = [
    "<!doctype html>",
    '<html><head><meta charset="utf-8"><title>pigsty-pulumi</title></head><body>',
    "<h1>pigsty-pulumi</h1>",
    "<h2>Dashboards</h2><ul>",
    link(DASHBOARD_PATH, "Fleet overview"),
    ...model.clusters.map((c) => link(`${DASHBOARD_PATH}cluster.html?cls=${encodeURIComponent(c.name)}`, `Cluster ${c.name}`)),
    "</ul>",
    "<h2>Monitoring</h2><ul>",
    link(`http://${infra.ip}:${infra.prometheusPort}/`, "Prometheus"),
    link(`http://${infra.ip}:${infra.alertmanagerPort}/`, "Alertmanager"),
    "</ul>",
  ];
  for (const c of model.clusters) {
    lines.push(`<h2>${escape(c.name)}: HAProxy admin pages</h2><ul>`);
    for (const i of c.instances) lines.push(link(`http://${i.ip}:${c.ports.haproxyAdmin}/`, `${i.name} (${i.ip})`));
    lines.push("</ul>");
  }
  lines.push("</body></html>", "");
  return lines.join("\n");
}
