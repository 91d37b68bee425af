// A small Patroni REST client (TLS verified against the stack's CA; GET without auth, changes with basic auth) and HAProxy's stats as CSV.
import * as http from "node:http";
import * as https from "node:https";

export interface Credentials {
  user: string;
  password: string;
}

export interface HttpResult {
  status: number;
  body: string;
}

/** `ca`: the certificate that an https URL's server certificate must chain to. */
export function request(url: string, opts: { method?: string; body?: unknown; auth?: Credentials; timeoutMs?: number; ca?: string } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    // Patroni's API refuses chunked bodies (411): send the length.
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (payload !== undefined) headers["Content-Length"] = String(Buffer.byteLength(payload));
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`).toString("base64")}`;
    const options = { method: opts.method ?? "GET", headers, timeout: opts.timeoutMs ?? 5000 };
    const onResponse = (res: http.IncomingMessage) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    };
    const req = url.startsWith("https:") ? https.request(url, { ...options, ca: opts.ca }, onResponse) : http.request(url, options, onResponse);
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} within ${(opts.timeoutMs ?? 5000) / 1000}s`)));
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export class Patroni {
  constructor(
    private readonly apis: { name: string; url: string }[],
    private readonly auth: Credentials,
    private readonly ca: string,
  ) {}

  /** The first member that answers; says which did not, so an unreachable member is explained. */
  async get(path: string): Promise<any> {
    const failures: string[] = [];
    for (const a of this.apis) {
      try {
        const r = await request(a.url + path, { ca: this.ca });
        if (r.status === 200) return JSON.parse(r.body);
        failures.push(`${a.name}: HTTP ${r.status}`);
      } catch (e) {
        failures.push(`${a.name}: ${(e as Error).message}`);
      }
    }
    throw new Error(`no member's Patroni answered ${path} (${failures.join("; ")})`);
  }

  /** A change through one member's API (or the first that answers); throws with Patroni's own message. */
  async change(method: string, path: string, body: unknown, member?: string): Promise<string> {
    const targets = member ? this.apis.filter((a) => a.name === member) : this.apis;
    if (targets.length === 0) throw new Error(`${member} is not a member of this cluster`);
    let last = "";
    for (const a of targets) {
      try {
        const r = await request(a.url + path, { method, body, auth: this.auth, timeoutMs: 60_000, ca: this.ca });
        if (r.status >= 200 && r.status < 300) return r.body;
        throw new Error(`${a.name} answered ${r.status}: ${r.body.trim()}`);
      } catch (e) {
        last = (e as Error).message;
        if (member || /answered 4\d\d/.test(last)) break;
      }
    }
    throw new Error(last);
  }

  async members(): Promise<any[]> {
    return (await this.get("/cluster")).members;
  }

  async leader(): Promise<string | undefined> {
    return (await this.members()).find((m) => m.role === "leader" || m.role === "standby_leader")?.name;
  }
}

/** HAProxy's view: each backend server's status per service, from the stats CSV of one member. */
export async function haproxyView(url: string, auth?: Credentials): Promise<{ service: string; server: string; status: string; weight: string }[]> {
  const r = await request(`${url};csv`, { auth });
  if (r.status !== 200) throw new Error(`HAProxy stats answered ${r.status}`);
  const [header, ...lines] = r.body.trim().split("\n");
  const cols = header.replace(/^# /, "").split(",");
  const at = (row: string[], name: string) => row[cols.indexOf(name)];
  return lines
    .map((l) => l.split(","))
    .filter((row) => !["FRONTEND", "BACKEND"].includes(at(row, "svname")) && at(row, "pxname") !== "stats")
    .map((row) => ({ service: at(row, "pxname"), server: at(row, "svname"), status: at(row, "status"), weight: at(row, "weight") }));
}
