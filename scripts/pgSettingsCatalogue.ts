// Regenerates config/pgSettingsCatalogue.json from a throw-away PostgreSQL 15 (`npm run pg-settings`): pg_settings
// with the checked extensions preloaded, plus the enum spellings Postgres takes without listing them.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CHECKED_EXTENSIONS, type Catalogue, type CatalogueSetting } from "../config/pgCatalogue";
import { startTempPostgres, type TempPostgres } from "./tempPostgres";

export const CATALOGUE_FILE = join(__dirname, "..", "config", "pgSettingsCatalogue.json");

/**
 * Unlisted enum spellings to try: the boolean ones (synchronous_commit, huge_pages, archive_mode ... take them) and
 * the old names PostgreSQL's source keeps hidden (wal_level archive/hot_standby, the message levels' debug).
 */
const ALIAS_CANDIDATES = ["on", "off", "true", "false", "yes", "no", "1", "0", "archive", "hot_standby", "debug"];

const COLUMNS = "name, vartype, unit, min_val, max_val, enumvals, context";

/** Reads the catalogue from a running PostgreSQL 15 started with CHECKED_EXTENSIONS preloaded. */
export function readCatalogue(pg: TempPostgres): Catalogue {
  const major = Number(pg.psql("SHOW server_version_num;").trim()) / 10000;
  const rows = JSON.parse(pg.psql(`SELECT json_agg(s) FROM (SELECT ${COLUMNS} FROM pg_settings) s;`)) as CatalogueSetting[];
  const settings = rows.sort((a, b) => (a.name < b.name ? -1 : 1));
  const aliases = enumAliases(pg, settings.filter((s) => s.vartype === "enum"));
  return {
    major: Math.floor(major),
    extensions: CHECKED_EXTENSIONS,
    settings: settings.map((s) => (aliases.has(s.name) ? { ...s, enum_aliases: aliases.get(s.name) } : s)),
  };
}

/** Each candidate spelling ALTER SYSTEM accepts for an enum without it being in enumvals (ALTER SYSTEM validates any context). */
function enumAliases(pg: TempPostgres, enums: CatalogueSetting[]): Map<string, string[]> {
  const probes = enums.flatMap((s) =>
    ALIAS_CANDIDATES.filter((c) => !s.enumvals!.some((v) => v.toLowerCase() === c)).map((c) => `ALTER SYSTEM SET "${s.name}" = '${c}';\n\\echo ${s.name} ${c} :ERROR`),
  );
  const out = pg.psql([...probes, "ALTER SYSTEM RESET ALL;"].join("\n"), { stopOnError: false });
  const found = new Map<string, string[]>();
  for (const line of out.split("\n")) {
    const [name, spelling, failed] = line.split(" ");
    if (failed === "false") found.set(name, [...(found.get(name) ?? []), spelling]);
  }
  return found;
}

/** The JSON text: one setting per line, so a change between minor versions reads as a small diff. */
export function catalogueText(c: Catalogue): string {
  const lines = c.settings.map((s) => `    ${JSON.stringify(s)}`);
  return `{\n  "major": ${c.major},\n  "extensions": ${JSON.stringify(c.extensions)},\n  "settings": [\n${lines.join(",\n")}\n  ]\n}\n`;
}

/** A throw-away PostgreSQL 15 with the checked extensions preloaded (fsync off: nothing in it is kept). */
export const startCataloguePostgres = (): TempPostgres => startTempPostgres({ shared_preload_libraries: CHECKED_EXTENSIONS.join(","), fsync: "off" });

if (require.main === module) {
  const pg = startCataloguePostgres();
  try {
    writeFileSync(CATALOGUE_FILE, catalogueText(readCatalogue(pg)));
  } finally {
    pg.stop();
  }
  console.log(`wrote ${CATALOGUE_FILE}`);
}
