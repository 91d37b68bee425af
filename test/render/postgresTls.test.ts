// Postgres' and pgbouncer's TLS as rendered: Patroni's local ssl settings and TLS connections between members,
// pgbouncer's TLS on both sides, hostssl HBA lines (auth: ssl, pg_hba_require_ssl), cert_validity.
import { parse } from "yaml";
import { loadInventory } from "../../config/load";
import { renewalEvery, renewalPeriod } from "../../config/tlsSchema";
import { patroniDcsConfig, renderPatroniYml } from "../../render/patroni";
import { renderPgHba } from "../../render/pgHba";
import { renderPgbouncerHba, renderPgbouncerIni } from "../../render/pgbouncer";
import { parseHba, parseIni } from "../helpers/inventoryConfParsers";
import { pgTest, rawFixture } from "../helpers/inventoryFixtures";

type Raw = { vars?: Record<string, unknown>; clusters: Record<string, { vars: Record<string, unknown> }> };
/** pg-test with `vars` merged into its cluster vars. */
function withVars(vars: Record<string, unknown>) {
  const raw = rawFixture("pg-test.stack.yaml") as Raw;
  Object.assign(raw.clusters["pg-test"].vars, vars);
  return loadInventory(raw).model;
}
const problemsOf = (edit: (raw: Raw) => void): string[] => {
  const raw = rawFixture("pg-test.stack.yaml") as Raw;
  edit(raw);
  try {
    loadInventory(raw);
    return [];
  } catch (e) {
    return String((e as Error).message).split("\n");
  }
};

const { model } = pgTest();
const cluster = model.clusters[0];
const yml = parse(renderPatroniYml(model, cluster, cluster.instances[1]));

describe("Postgres", () => {
  test("turns ssl on in the member's own patroni.yml with its certificate, the CA and TLS 1.2 at least", () => {
    expect(yml.postgresql.parameters).toMatchObject({
      ssl: "on",
      ssl_cert_file: "/etc/pigsty/tls/postgres.crt",
      ssl_key_file: "/etc/pigsty/tls/postgres.key",
      ssl_ca_file: "/etc/pigsty/tls/ca.crt",
      ssl_min_protocol_version: "TLSv1.2",
    });
    // Not cluster-wide in the DCS: a member turns it on only with its own certificate in place.
    expect(Object.keys(patroniDcsConfig(cluster).postgresql as object)).not.toContain("ssl");
    expect(Object.keys((patroniDcsConfig(cluster).postgresql as { parameters: object }).parameters).filter((k) => k.startsWith("ssl"))).toEqual([]);
  });

  test("Patroni's connections to other members use TLS verified by the CA and the member's address", () => {
    for (const who of ["superuser", "replication", "rewind"]) {
      expect(yml.postgresql.authentication[who]).toMatchObject({ sslmode: "verify-full", sslrootcert: "/etc/pigsty/tls/ca.crt" });
    }
    // Members connect by address: the address each certificate names first.
    expect(yml.postgresql.connect_address).toBe("10.10.10.12:5432");
  });

  test("a minimum protocol from pg_parameters is left to the DCS (a local one would override it)", () => {
    const m = withVars({ pg_parameters: { ssl_min_protocol_version: "TLSv1.3" } });
    const local = parse(renderPatroniYml(m, m.clusters[0], m.clusters[0].instances[0])).postgresql.parameters;
    expect(local.ssl_min_protocol_version).toBeUndefined();
    expect(local.ssl).toBe("on");
    expect((patroniDcsConfig(m.clusters[0]).postgresql as { parameters: Record<string, unknown> }).parameters.ssl_min_protocol_version).toBe("TLSv1.3");
  });

  test("ssl and its files in pg_parameters are refused, naming the key", () => {
    for (const key of ["ssl", "ssl_cert_file", "ssl_key_file", "ssl_ca_file"]) {
      const problems = problemsOf((raw) => Object.assign(raw.clusters["pg-test"].vars, { pg_parameters: { [key]: "off" } }));
      expect(problems.some((p) => p.startsWith(`clusters.pg-test.vars.pg_parameters.${key}: is set by the stack on every member`))).toBe(true);
    }
  });
});

describe("pgbouncer", () => {
  const ini = parseIni(renderPgbouncerIni(cluster, cluster.instances[0])).pgbouncer;

  test("offers TLS to clients with the member's Postgres certificate, TLS 1.2 at least", () => {
    expect(ini).toMatchObject({
      client_tls_sslmode: "prefer",
      client_tls_cert_file: "/etc/pigsty/tls/postgres.crt",
      client_tls_key_file: "/etc/pigsty/tls/postgres.key",
      client_tls_ca_file: "/etc/pigsty/tls/ca.crt",
      client_tls_protocols: "tlsv1.2,tlsv1.3",
    });
  });

  test("verifies Postgres by the CA and by name", () => {
    expect(ini).toMatchObject({ server_tls_sslmode: "verify-full", server_tls_ca_file: "/etc/pigsty/tls/ca.crt", server_tls_protocols: "tlsv1.2,tlsv1.3" });
  });
});

describe("HBA", () => {
  const rule = (auth: string, addr = "intra") => ({ user: "dbuser_test", db: "test", addr, auth, title: `over ${auth}` });
  const linesOf = (rules: object[], vars: Record<string, unknown> = {}) => {
    const m = withVars({ pg_hba_rules_extra: rules, pgbouncer_hba_rules_extra: rules, ...vars }).clusters[0];
    const pick = (text: string) => parseHba(text).filter((l) => l.user === "dbuser_test" && l.db === "test");
    return { pg: pick(renderPgHba(m, "primary", false)), pgbouncer: pick(renderPgbouncerHba(m, "primary", false)) };
  };

  test("auth ssl (Pigsty's) is a hostssl line with scram-sha-256, in Postgres' HBA and pgbouncer's", () => {
    const { pg, pgbouncer } = linesOf([rule("ssl")]);
    for (const lines of [pg, pgbouncer]) {
      expect(lines).toContainEqual({ type: "hostssl", db: "test", user: "dbuser_test", addr: "10.0.0.0/8", method: "scram-sha-256" });
      expect(lines.filter((l) => l.type === "host")).toEqual([]);
    }
  });

  test("ssl-sha, ssl-md5 and cert are hostssl too; on the unix socket the line stays local", () => {
    expect(linesOf([rule("ssl-sha", "10.20.0.0/16")]).pg).toEqual([{ type: "hostssl", db: "test", user: "dbuser_test", addr: "10.20.0.0/16", method: "scram-sha-256" }]);
    expect(linesOf([rule("ssl-md5", "10.20.0.0/16")]).pg).toEqual([{ type: "hostssl", db: "test", user: "dbuser_test", addr: "10.20.0.0/16", method: "md5" }]);
    expect(linesOf([rule("cert", "10.20.0.0/16")]).pg).toEqual([{ type: "hostssl", db: "test", user: "dbuser_test", addr: "10.20.0.0/16", method: "cert" }]);
    expect(linesOf([rule("ssl", "local")]).pg).toEqual([{ type: "local", db: "test", user: "dbuser_test", method: "scram-sha-256" }]);
  });

  test("an unknown auth is refused, naming the key and the accepted ones", () => {
    const problems = problemsOf((raw) => (raw.clusters["pg-test"].vars.pg_hba_rules_extra = [rule("tls")]));
    expect(problems).toContain(
      'clusters.pg-test.vars.pg_hba_rules_extra[0].auth: "tls" is not an auth method. Use one of: trust, deny, reject, pwd, scram, sha, md5, ident, peer, ssl, ssl-sha, ssl-md5, cert.',
    );
  });

  test("pg_hba_require_ssl makes every remote line hostssl, in both files; the socket, loopback and hostnossl stay", () => {
    const raw = { title: "raw lines", rules: ["host test dbuser_test 10.30.0.0/16 scram-sha-256", "hostnossl test dbuser_test 10.40.0.0/16 reject", "host test dbuser_test 127.0.0.1/32 scram-sha-256"] };
    const { pg, pgbouncer } = linesOf([rule("pwd"), rule("pwd", "local"), raw], { pg_hba_require_ssl: true });
    for (const lines of [pg, pgbouncer]) {
      expect(lines.filter((l) => l.addr?.startsWith("10.0.") || l.addr === "10.30.0.0/16").map((l) => l.type)).toEqual(["hostssl", "hostssl"]);
      expect(lines).toContainEqual({ type: "local", db: "test", user: "dbuser_test", method: "scram-sha-256" });
      expect(lines).toContainEqual({ type: "hostnossl", db: "test", user: "dbuser_test", addr: "10.40.0.0/16", method: "reject" });
      expect(lines).toContainEqual({ type: "host", db: "test", user: "dbuser_test", addr: "127.0.0.1/32", method: "scram-sha-256" });
    }
    // The defaults follow: the replicator and business users from the intranet, the monitor from the infra node.
    const m = withVars({ pg_hba_require_ssl: true }).clusters[0];
    const all = parseHba(renderPgHba(m, "primary", false));
    expect(all.filter((l) => l.type === "host" && !l.addr!.startsWith("127.")).map((l) => `${l.user} ${l.addr}`)).toEqual([]);
    expect(all).toContainEqual({ type: "hostssl", db: "replication", user: "replicator", addr: "10.0.0.0/8", method: "scram-sha-256" });
    expect(all).toContainEqual({ type: "host", db: "all", user: "dbuser_monitor", addr: "127.0.0.1/32", method: "scram-sha-256" });
    expect(m.hbaRules.flatMap((r) => r.entries).filter((e) => e.type === "hostssl").length).toBeGreaterThan(5);
  });

  test("without pg_hba_require_ssl (the default) remote lines stay host, so clients without TLS keep working", () => {
    expect(cluster.tls.requireSsl).toBe(false);
    expect(parseHba(renderPgHba(cluster, "primary", false)).filter((l) => l.type === "hostssl")).toEqual([]);
    expect(problemsOf((raw) => (raw.clusters["pg-test"].vars.pg_hba_require_ssl = "yes")).some((p) => p.startsWith("clusters.pg-test.vars.pg_hba_require_ssl: "))).toBe(true);
  });
});

describe("cert_validity", () => {
  test("Pigsty's form in days, 7300d by default, inherited from the top-level vars", () => {
    expect(cluster.tls.certValidityDays).toBe(7300);
    expect(withVars({ cert_validity: "365d" }).clusters[0].tls.certValidityDays).toBe(365);
    const raw = rawFixture("pg-test.stack.yaml") as Raw;
    raw.vars = { ...raw.vars, cert_validity: "90d" };
    expect(loadInventory(raw).model.clusters[0].tls.certValidityDays).toBe(90);
  });

  test("a lifetime of another type or unit is refused with the form to use", () => {
    const message = "is not a certificate lifetime. Write it as a number of days followed by d, as Pigsty does, between 2d and 36500d, e.g. 365d (default 7300d).";
    for (const [value, shown] of [[365, "365 (a number)"], [true, "true (a boolean)"], ["1y", '"1y"'], ["365", '"365"'], ["1d", '"1d"'], ["36501d", '"36501d"']] as const) {
      expect(problemsOf((raw) => (raw.clusters["pg-test"].vars.cert_validity = value))).toContain(`clusters.pg-test.vars.cert_validity: ${shown} ${message}`);
    }
  });

  test("renewal periods are half the lifetime long, counted in whole days since 1970 (UTC)", () => {
    expect(renewalEvery(7300)).toBe(3650);
    expect(renewalEvery(365)).toBe(182);
    expect(renewalEvery(2)).toBe(1);
    const day = (iso: string) => new Date(iso);
    // 2026-12-02 is day 20789, in period 114 of 182 days (days 20748-20929); 2027-04-22 is day 20930.
    expect(renewalPeriod(day("2026-12-02T10:00:00Z"), 365)).toBe(114);
    expect(renewalPeriod(day("2027-04-21T23:59:59Z"), 365)).toBe(114);
    expect(renewalPeriod(day("2027-04-22T00:00:00Z"), 365)).toBe(115);
  });
});
