// The dashboards the infra node's nginx serves: the page files (render/host/dashboard/) and uPlot's, read as they are,
// with their hash and manifest; and fleet.json, rendered from the model, which names every cluster and member.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Model } from "../config/model";
import { fileBundle, type FileBundle } from "./fileBundle";

/** nginx's document root on Debian, where the front page lives. */
export const WEB_ROOT = "/var/www/html";
/** The dashboards' directory under the web root, and so their URL path. */
export const DASHBOARD_DIR = `${WEB_ROOT}/dashboard`;
export const DASHBOARD_PATH = "/dashboard/";
/** How often the pages ask Prometheus and Alertmanager again. */
export const DASHBOARD_REFRESH_SECONDS = 5;

/** The same-origin paths the pages query (nginx proxies each to its service: render/nginx.ts). */
export const PROMETHEUS_API_PATH = "/prometheus/api/v1/";
export const ALERTMANAGER_API_PATH = "/alertmanager/api/v2/";

/** The pages, written here. */
const PAGE_FILES = ["index.html", "cluster.html", "dashboard.js", "dashboard.css"];
/** uPlot's browser build and stylesheet, from its npm package's dist folder. */
const UPLOT_FILES = ["uPlot.iife.min.js", "uPlot.min.css"];

/** The pages and uPlot; the hash is 16 hex digits. */
export type DashboardBundle = FileBundle;

let cached: DashboardBundle | undefined;

/** The files the dashboard step installs, read once per program run. */
export function dashboardBundle(): DashboardBundle {
  if (cached) return cached;
  const uplotDist = dirname(require.resolve("uplot"));
  const sources = [...PAGE_FILES.map((n) => [n, join(__dirname, "host", "dashboard", n)]), ...UPLOT_FILES.map((n) => [n, join(uplotDist, n)])];
  cached = fileBundle(sources.map(([name, path]) => [name, readFileSync(path)]), 16);
  return cached;
}

/** fleet.json: what the pages show rows for (every cluster and member of the inventory, up or not) and where they ask. */
export function renderFleetJson(model: Model): string {
  const fleet = {
    refreshSeconds: DASHBOARD_REFRESH_SECONDS,
    prometheusApi: PROMETHEUS_API_PATH,
    alertmanagerApi: ALERTMANAGER_API_PATH,
    clusters: model.clusters.map((c) => ({ name: c.name, members: c.instances.map((i) => ({ name: i.name, ip: i.ip })) })),
  };
  return JSON.stringify(fleet, null, 2) + "\n";
}
