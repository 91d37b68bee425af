// Against a throw-away PostgreSQL 15 (real-tools tier; a missing postgres fails, never skips): the committed settings
// catalogue is what the server reports, and the checks built on it refuse exactly the values the server refuses.
import { readFileSync } from "node:fs";
import { CATALOGUE, type CatalogueSetting } from "../../config/pgCatalogue";
import { settingProblem, type SettingScope } from "../../config/pgSettings";
import { parseNumber } from "../../config/pgValueParse";
import { CATALOGUE_FILE, catalogueText, readCatalogue, startCataloguePostgres } from "../../scripts/pgSettingsCatalogue";
import type { TempPostgres } from "../../scripts/tempPostgres";

/** Values to try for one setting: its bounds and just past them, each unit, the spellings of its type, some junk. */
function samplesOf(s: CatalogueSetting): string[] {
  const junk = ["", " ", "bogus", "1x", "0x"];
  switch (s.vartype) {
    case "bool":
      return [...junk, "on", "OFF", "t", "tr", "f", "y", "n", "o", "of", "yes", "No", "1", "0", "2", "true ", "+1"];
    case "enum":
      return [...junk, ...s.enumvals!.map((v) => v.toUpperCase()), ...(s.enum_aliases ?? []), "true", "on", "2"];
    case "string":
      return [];
    default: {
      const [min, max] = [Number(s.min_val), Number(s.max_val)];
      const units = s.unit === null ? [] : ["B", "kB", "MB", "GB", "TB", "us", "ms", "s", "min", "h", "d", "mb", "sec"].map((u) => `1${u}`);
      const near = [s.min_val!, s.max_val!, String(min - 1), String(max + 1), String(min + 0.5), `${min}.4`, `${max}.5`];
      return [...junk, ...near, ...units, "0x10", "010", "08", " 12 ", "1e3", ".5", " .5", "1.5e", "inf", "nan", "-0", "1 kB", "1kB x", "1e400", "1e-400"];
    }
  }
}

/** Runs `statement(name, value)` for each sample; true where the server took it. */
function serverVerdicts(pg: TempPostgres, samples: [string, string][], statement: (name: string, value: string) => string): boolean[] {
  const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;
  const script = samples.map(([n, v], i) => `${statement(`"${n}"`, quote(v))};\n\\echo ${i} :ERROR`).join("\n");
  const failed = new Map(pg.psql(`${script}\nALTER SYSTEM RESET ALL;`, { stopOnError: false }).trim().split("\n").map((l) => l.split(" ") as [string, string]));
  return samples.map((_, i) => failed.get(String(i)) === "false");
}

/** Samples where our verdict differs from the server's, as `name = 'value': ours/server's`. */
function disagreements(pg: TempPostgres, samples: [string, string][], scope: SettingScope, statement: (name: string, value: string) => string): string[] {
  const server = serverVerdicts(pg, samples, statement);
  return samples.flatMap(([n, v], i) => {
    const ours = settingProblem(n, v, scope) === undefined;
    return ours === server[i] ? [] : [`${n} = '${v}': ours ${ours ? "accepts" : "refuses"}, PostgreSQL ${server[i] ? "accepts" : "refuses"}`];
  });
}

/**
 * Settings whose check hooks refuse what the catalogue allows, for reasons validation cannot see: the build (bonjour),
 * the machine's stack limit (max_stack_depth), the session's transaction (transaction_*: ALTER SYSTEM and ALTER ROLE
 * refuse them inside one, postgresql.conf takes them). The server has the last word on these.
 */
const HOOKED = new Set(["bonjour", "max_stack_depth", "transaction_deferrable", "transaction_isolation", "transaction_read_only"]);

/** Each of these at its maximum, with the others at their defaults, exceeds the server's backend limit (their sum). */
const SUM_LIMITED = ["autovacuum_max_workers", "max_connections", "max_wal_senders", "max_worker_processes"].map((n) => `${n} = '262143': ours accepts, PostgreSQL refuses`);

/** A value the cluster-wide check takes for `s` (strings have none: their values are free text); undefined for strings. */
function validValueOf(s: CatalogueSetting): string | undefined {
  if (s.vartype === "bool") return "on";
  if (s.vartype === "enum") return s.enumvals![0];
  return s.vartype === "string" ? undefined : s.min_val!;
}

describe("PostgreSQL 15's settings catalogue", () => {
  let pg: TempPostgres;
  beforeAll(() => {
    pg = startCataloguePostgres();
    pg.psql("CREATE ROLE probe;");
  });
  afterAll(() => pg?.stop());

  test("the committed data file is what the server reports, byte for byte", () => {
    const fresh = readCatalogue(pg);
    expect(fresh).toEqual(CATALOGUE);
    expect(catalogueText(fresh)).toBe(readFileSync(CATALOGUE_FILE, "utf8"));
  });

  test("a value is refused for the whole cluster exactly when ALTER SYSTEM refuses it", () => {
    const names: [string, string][] = [["wrk_mem", "64MB"], ["Work_Mem", "64MB"], ["TIMEZONE", "UTC"], ["pg_stat_statements.maxx", "1000"], ["AUTO_EXPLAIN.LOG_MIN_DURATION", "5s"]];
    const samples = [...names, ...CATALOGUE.settings.filter((s) => !HOOKED.has(s.name)).flatMap((s) => samplesOf(s).map((v) => [s.name, v] as [string, string]))];
    expect(samples.length).toBeGreaterThan(3000);
    expect(disagreements(pg, samples, "cluster", (n, v) => `ALTER SYSTEM SET ${n} = ${v}`)).toEqual(SUM_LIMITED);
  });

  test("a value converts to the setting's own unit as the server converts it", () => {
    // lock_timeout rather than statement_timeout: a tiny statement_timeout would cancel the very SELECT that reads it back.
    const samples = ["work_mem", "temp_buffers", "lock_timeout", "vacuum_cost_delay"].flatMap((n) =>
      ["1.001GB", "1536B", "2560B", "64kB", "2MB", "3.5", "0.25", "100", "0x40", "5min", "1500us", "2.5ms", "0.5s", "30s", "1h"].map((v) => [n, v] as [string, string]),
    );
    const taken = samples.filter(([n, v]) => settingProblem(n, v, "cluster") === undefined);
    expect(taken.length).toBeGreaterThan(20); // the others are out of range for the setting
    const script = taken.map(([n, v]) => `SET "${n}" = '${v}'; SELECT setting FROM pg_settings WHERE name = '${n}';`).join("\n");
    const server = pg.psql(script).trim().split("\n").map(Number);
    const setting = (n: string) => CATALOGUE.settings.find((s) => s.name === n)!;
    expect(taken.map(([n, v]) => `${n}=${v}: ${parseNumber(v, setting(n).vartype as "integer" | "real", setting(n).unit)}`)).toEqual(taken.map(([n, v], i) => `${n}=${v}: ${server[i]}`));
  });

  test.each(["role", "database"] as const)("a setting is refused per %s exactly when ALTER ... SET refuses it", (scope) => {
    const target = scope === "role" ? "ROLE probe" : "DATABASE postgres";
    const samples = CATALOGUE.settings.flatMap((s) => (validValueOf(s) === undefined || HOOKED.has(s.name) ? [] : [[s.name, validValueOf(s)!] as [string, string]]));
    samples.push(["pigsty.note", "free text"], ["pg_stat_statements.track", "all"]);
    expect(disagreements(pg, samples, scope, (n, v) => `ALTER ${target} SET ${n} = ${v}`)).toEqual([]);
  });
});
