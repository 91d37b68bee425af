// The infra node's front page: links to Prometheus, Alertmanager and every member's HAProxy admin page.
import type { Model } from "../config/model";

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function renderFrontPage(model: Model): string {
  const link = (href: string, text: string) => `<li><a href="${escape(href)}">${escape(text)}</a></li>`;
  const infra = model.infra;
  const lines = [
    "<!doctype html>",
    '<html><head><meta charset="utf-8"><title>pigsty-pulumi</title></head><body>',
    "<h1>pigsty-pulumi</h1>",
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
