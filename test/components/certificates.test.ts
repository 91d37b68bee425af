// The stack's CA and server certificates: the real openssl scripts, run here, chain and name the host.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { caScript, postgresServer, serverScript, splitPem } from "../../components/certificates";
import { loadInventory } from "../../config/load";
import { rawFixture } from "../helpers/inventoryFixtures";

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

  describe("a member's Postgres certificate", () => {
    const raw = rawFixture("pg-test.stack.yaml") as { clusters: Record<string, { vars: Record<string, unknown> }> };
    Object.assign(raw.clusters["pg-test"].vars, { vip_mode: "l2", vip_address: "10.10.10.99", cert_validity: "30d" });
    const cluster = loadInventory(raw).model.clusters[0];
    const pg2 = postgresServer(cluster, cluster.instances[1]);
    const now = new Date("2026-12-02T10:00:00Z");
    const pem = splitPem(trimmed(run(serverScript(pg2, now), ca.key + ca.cert)));
    writeFileSync(join(dir, "postgres.crt"), pem.cert);
    const text = run(`openssl x509 -in ${dir}/postgres.crt -noout -text -dates`);

    it("chains to the CA and names the member, the VIP, the other members (HAProxy passes TLS through) and the cluster's names", () => {
      expect(run(`openssl verify -CAfile ${dir}/ca.crt ${dir}/postgres.crt`).trim()).toBe(`${dir}/postgres.crt: OK`);
      expect(text).toContain(
        "IP Address:10.10.10.12, IP Address:127.0.0.1, IP Address:10.10.10.99, IP Address:10.10.10.11, IP Address:10.10.10.13, " +
          "DNS:pg-test-2, DNS:localhost, DNS:pg-test, DNS:pg-test-primary, DNS:pg-test-replica, DNS:pg-test-default, DNS:pg-test-offline",
      );
      expect(text).toContain("Subject: CN = pg-test-2");
    });

    it("lives cert_validity days", () => {
      const [from, to] = [/notBefore=(.*)/, /notAfter=(.*)/].map((re) => Date.parse(re.exec(text)![1]));
      expect(Math.round((to - from) / 86_400_000)).toBe(30);
    });

    it("is issued again in the next renewal period (half its lifetime), not before", () => {
      const script = (iso: string) => serverScript(pg2, new Date(iso));
      // 30d: periods of 15 days since 1970; 2026-12-02 (day 20789) is in period 1385 (days 20775-20789).
      expect(script("2026-12-02T10:00:00Z")).toContain("# renewal period 1385: issued again every 15 days, valid 30 days");
      expect(script("2026-11-18T00:00:00Z")).toBe(script("2026-12-02T23:59:59Z"));
      expect(script("2026-12-03T00:00:00Z")).not.toBe(script("2026-12-02T23:59:59Z"));
      expect(script("2026-12-03T00:00:00Z")).toContain("# renewal period 1386:");
    });

    it("leaves the other services' certificates as they were: ten years, no renewal line", () => {
      expect(serverScript(server, now)).toBe(serverScript(server, new Date("2040-01-01T00:00:00Z")));
      expect(serverScript(server)).toContain("-days 3650 ");
      expect(serverScript(server)).not.toContain("renewal");
    });

    it("names no removed member: every member's certificate changes with the membership", () => {
      const fewer = JSON.parse(JSON.stringify(raw));
      delete fewer.clusters["pg-test"].hosts["10.10.10.13"];
      const after = loadInventory(fewer).model.clusters[0];
      const script = serverScript(postgresServer(after, after.instances[1]), now);
      expect(script).not.toContain("10.10.10.13");
      expect(script).toContain("IP:10.10.10.11");
    });
  });
});
