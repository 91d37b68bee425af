// A stand-in Patroni REST API over HTTPS on 127.0.0.1 (a self-signed certificate made by openssl), for the helper and the TS client.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Call {
  method: string;
  url: string;
  body: string;
  authorization?: string;
}

/** What one request gets: a JSON body (status 200), or a status with a body. */
export type Answer = unknown | { status: number; body: unknown };
/** `base`: the stand-in's own URL, for answers that name member APIs. */
export type Routes = (method: string, url: string, body: string, base: string) => Answer;

export const answer = (status: number, body: unknown = {}) => ({ status, body });

/** A certificate for 127.0.0.1 that is its own CA; `ca` is its file, `pem` its text. */
export function selfSignedCert(): { ca: string; key: string; pem: string } {
  const dir = mkdtempSync(join(tmpdir(), "fake-patroni-"));
  const [ca, key] = [join(dir, "ca.crt"), join(dir, "key.pem")];
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", ca], { stdio: "ignore" });
  return { ca, key, pem: readFileSync(ca, "utf8") };
}

export interface FakePatroni {
  port: number;
  url: string;
  calls: Call[];
  close: () => Promise<void>;
}

export function fakePatroni(cert: { ca: string; key: string }, routes: Routes): Promise<FakePatroni> {
  const calls: Call[] = [];
  const server: Server = createServer({ cert: readFileSync(cert.ca), key: readFileSync(cert.key) }, (req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      calls.push({ method: req.method ?? "", url: req.url ?? "", body, authorization: req.headers.authorization });
      const a = routes(req.method ?? "", req.url ?? "", body, `https://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const { status, body: out } = a !== null && typeof a === "object" && "status" in a && "body" in a ? (a as { status: number; body: unknown }) : { status: 200, body: a };
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(typeof out === "string" ? out : JSON.stringify(out ?? {}));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port;
      resolve({ port, url: `https://127.0.0.1:${port}`, calls, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

/**
 * Stand-in Patronis for the calling test file or describe block: one self-signed certificate made before its tests,
 * and every stand-in `start` opened closed after each test.
 */
export function standInPatronis(): { start: (routes: Routes) => Promise<FakePatroni>; ca: () => string } {
  let cert: ReturnType<typeof selfSignedCert>;
  const open: FakePatroni[] = [];
  beforeAll(() => {
    cert = selfSignedCert();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((f) => f.close()));
  });
  const start = async (routes: Routes) => {
    const f = await fakePatroni(cert, routes);
    open.push(f);
    return f;
  };
  return { start, ca: () => cert.pem };
}
