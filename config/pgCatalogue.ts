// PostgreSQL 15's settings as its own pg_settings view reports them (config/pgSettingsCatalogue.json, written by
// `npm run pg-settings`), looked up the way Postgres looks names up: case-insensitively.
import data from "./pgSettingsCatalogue.json";

/** One row of pg_settings, in its own column names; numbers stay the text Postgres shows. */
export interface CatalogueSetting {
  name: string;
  vartype: "bool" | "integer" | "real" | "string" | "enum";
  /** B, kB, 8kB, MB (sizes) or ms, s, min (durations); null without a unit. */
  unit: string | null;
  min_val: string | null;
  max_val: string | null;
  enumvals: string[] | null;
  /** When a change takes effect: internal, postmaster, sighup, superuser-backend, backend, superuser, user. */
  context: string;
  /** Spellings Postgres also takes for an enum but does not list in enumvals (e.g. true for synchronous_commit). */
  enum_aliases?: string[];
}

export interface Catalogue {
  /** The major version the rows were read from. */
  major: number;
  /** The extensions preloaded (shared_preload_libraries) when the rows were read: their settings are rows too. */
  extensions: string[];
  settings: CatalogueSetting[];
}

/**
 * The extensions whose settings are checked: the ones Pigsty preloads that ship with postgresql-15. A dotted
 * setting of another prefix is a placeholder to Postgres, which takes any value for it.
 */
export const CHECKED_EXTENSIONS = ["pg_stat_statements", "auto_explain"];

export const CATALOGUE = data as Catalogue;

const byName = new Map(CATALOGUE.settings.map((s) => [s.name.toLowerCase(), s]));

/** The catalogue row of `name` (any letter case), if Postgres 15 or a checked extension knows it. */
export const settingOf = (name: string): CatalogueSetting | undefined => byName.get(name.toLowerCase());

/** The checked extension whose prefix `name` has (`pg_stat_statements.max` → pg_stat_statements), if any. */
export const extensionOf = (name: string): string | undefined => {
  const dot = name.indexOf(".");
  const prefix = dot < 0 ? undefined : name.slice(0, dot).toLowerCase();
  return CATALOGUE.extensions.find((e) => e === prefix);
};
