// The Patroni REST client of the drift check and the operator: TLS verified against the stack's CA, GET without auth, changes with basic auth.
import * as http from "node:http";
import * as https from "node:https";
import { isLeaderRole } from "./roles";

export interface Credentials {
  user: string;
  password: string;
}

export interface HttpResult {
  status: number;
  body: string;
  /** The server's Date header: its clock, to the second. */
  date?: string;
}

/** A member as GET /cluster lists it (the fields callers read; Patroni sends more). */
export interface Member {
  name: string;
  role: string;
  state: string;
  host: string;
  api_url: string;
  timeline?: number;
  lag?: number;
  pending_restart?: boolean;
  tags?: Record<string, unknown>;
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
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, date: res.headers.date }));
    };
    const req = url.startsWith("https:") ? https.request(url, { ...options, ca: opts.ca }, onResponse) : http.request(url, options, onResponse);
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} within ${(opts.timeoutMs ?? 5000) / 1000}s`)));
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export interface PatroniOptions {
  /** Needed only for changes (POST/PATCH/...); Patroni's GET endpoints are open. */
  auth?: Credentials;
  /** The stack's CA certificate (PEM). */
  ca: string;
  /** Per read; default 5 s. */
  timeoutMs?: number;
}

/** One cluster's members' REST APIs, asked in the order given. */
export class Patroni {
  constructor(
    private readonly apis: { name: string; url: string }[],
    private readonly opts: PatroniOptions,
  ) {}

  /** The first member that answers; says which did not, so an unreachable member is explained. */
  async get(path: string): Promise<any> {
    const failures: string[] = [];
    for (const a of this.apis) {
      try {
        return await this.getFrom(a, path);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
    throw new Error(`no member's Patroni answered ${path} (${failures.join("; ")})`);
  }

  private async getFrom(a: { name: string; url: string }, path: string): Promise<any> {
    return (await this.getWithDate(a, path)).body;
  }

  private async getWithDate(a: { name: string; url: string }, path: string): Promise<{ body: any; date?: Date }> {
    const r = await request(a.url + path, { ca: this.opts.ca, timeoutMs: this.opts.timeoutMs }).catch((e: Error) => {
      throw new Error(`${a.name}: ${e.message}`);
    });
    if (r.status !== 200) throw new Error(`${a.name}: HTTP ${r.status}`);
    return { body: JSON.parse(r.body), date: r.date === undefined ? undefined : new Date(r.date) };
  }

  /** One member's answer to GET `path`, with the time by that member's clock (for ages of its timestamps). */
  async memberGet(member: string, path: string): Promise<{ body: any; date?: Date }> {
    const a = this.apis.find((x) => x.name === member);
    if (!a) throw new Error(`${member} is not a member of this cluster`);
    return this.getWithDate(a, path);
  }

  /** A change through one member's API (or the first that answers); throws with Patroni's own message. */
  async change(method: string, path: string, body: unknown, member?: string): Promise<string> {
    const targets = member ? this.apis.filter((a) => a.name === member) : this.apis;
    if (targets.length === 0) throw new Error(`${member} is not a member of this cluster`);
    let last = "";
    for (const a of targets) {
      try {
        const r = await request(a.url + path, { method, body, auth: this.opts.auth, timeoutMs: 60_000, ca: this.opts.ca });
        if (r.status >= 200 && r.status < 300) return r.body;
        throw new Error(`${a.name} answered ${r.status}: ${r.body.trim()}`);
      } catch (e) {
        last = (e as Error).message;
        if (member || /answered 4\d\d/.test(last)) break;
      }
    }
    throw new Error(last);
  }

  async members(): Promise<Member[]> {
    return (await this.get("/cluster")).members;
  }

  /**
   * The leading member's name, from the first member whose GET /cluster names one (a member that is
   * down or has lost the DCS may name none: the next is asked); undefined when none does. Throws only
   * when no member answers at all.
   */
  async leader(): Promise<string | undefined> {
    return (await this.leaderView()).leader;
  }

  /** As leader(), with the member list of the member that named it (the last answer's when none did). */
  async leaderView(): Promise<{ leader?: string; members: Member[] }> {
    const failures: string[] = [];
    let answered: Member[] | undefined;
    for (const a of this.apis) {
      try {
        const members: Member[] = (await this.getFrom(a, "/cluster")).members;
        answered = members;
        const leader = members.find((m) => isLeaderRole(m.role));
        if (leader) return { leader: leader.name, members };
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
    if (!answered) throw new Error(`no member's Patroni answered /cluster (${failures.join("; ")})`);
    return { members: answered };
  }
}
