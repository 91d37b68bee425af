// The stack's CA and server certificates: the real openssl scripts, run here, chain and name the host.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { caScript, serverScript, splitPem } from "../../components/certificates";

const run = (script: string, input?: string) => execFileSync("/bin/bash", ["-c", script], { input, encoding: "utf8" });
// The command provider hands stdout over without its last newline.
const trimmed = (s: string) => s.replace(/\n$/, "");

describe("certificates", () => {
  const ca = splitPem(trimmed(run(caScript("dev"))));
  const server = { service: "etcd" as const, name: "meta-1", ip: "10.10.10.10" };
  const issued = splitPem(trimmed(run(serverScript(server), ca.key + ca.cert)));
  const dir = mkdtempSync(join(tmpdir(), "pki-"));
  writeFileSync(join(dir, "ca.crt"), ca.cert);
  writeFileSync(join(dir, "server.crt"), issued.cert);

  it("splits key and certificate, each ending with a newline", () => {
    expect(ca.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/);
    expect(issued.cert).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
  });

  it("issues a server certificate that chains to the CA and names the host's IP, loopback and name", () => {
    expect(run(`openssl verify -CAfile ${dir}/ca.crt ${dir}/server.crt`).trim()).toBe(`${dir}/server.crt: OK`);
    const text = run(`openssl x509 -in ${dir}/server.crt -noout -text`);
    expect(text).toContain("IP Address:10.10.10.10, IP Address:127.0.0.1, DNS:meta-1, DNS:localhost");
    expect(text).toContain("TLS Web Server Authentication, TLS Web Client Authentication");
  });

  it("keeps keys off the command line: the CA key reaches the signing script on stdin only", () => {
    expect(serverScript(server)).not.toContain("PRIVATE KEY");
    expect(serverScript(server)).toContain('cat >"$d/ca.pem"');
  });

  it("refuses output without a key and a certificate, pointing at openssl", () => {
    expect(() => splitPem("")).toThrow("openssl printed no key and certificate");
  });
});
