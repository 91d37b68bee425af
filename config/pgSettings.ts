// A Postgres setting's name and value checked against PostgreSQL 15's catalogue (config/pgCatalogue.ts): what Patroni
// would otherwise drop or clamp with only a log line, or ALTER ROLE/DATABASE ... SET would refuse on the host.
import { CATALOGUE, extensionOf, settingOf, type CatalogueSetting } from "./pgCatalogue";
import { acceptedUnits, parseBool, parseNumber } from "./pgValueParse";
import { closest } from "./didYouMean";

/** Where a setting is set: the whole cluster (pg_parameters), a role's or a database's parameters. */
export type SettingScope = "cluster" | "role" | "database";

/** Patroni's own settings that users put among Postgres parameters by mistake (SOP S3). */
const PATRONI_ONLY = ["synchronous_mode", "synchronous_mode_strict"];

/** Why a setting of this context cannot be set per role or database (measured: ALTER ROLE ... SET refuses them). */
const NOT_PER_SESSION: Record<string, string> = {
  postmaster: "it takes effect only when the server starts",
  sighup: "it is read from the server's configuration only",
  backend: "it is fixed when a session starts",
  "superuser-backend": "it is fixed when a session starts",
};

const UNIT_WORDS: Record<string, string> = { B: "bytes", kB: "kB", "8kB": "8kB blocks", MB: "MB", ms: "milliseconds", s: "seconds", min: "minutes" };

/** The text Patroni writes into postgresql.conf (Python's str: True/False) and the SQL steps quote. */
const asText = (value: string | number | boolean) => (typeof value === "boolean" ? (value ? "true" : "false") : String(value));
const shown = (value: string | number | boolean) => (typeof value === "string" ? JSON.stringify(value) : String(value));

/** Why PostgreSQL 15 would not take `value` for `name` where `scope` sets it (what is wrong, then what it takes); undefined when it would. */
export function settingProblem(name: string, value: string | number | boolean, scope: SettingScope): string | undefined {
  const setting = settingOf(name);
  if (!setting) return unknownName(name);
  if (setting.context === "internal") {
    return `${setting.name} is read-only: PostgreSQL fixes it when it is built or the cluster is initialised. Remove it.`;
  }
  const why = NOT_PER_SESSION[setting.context];
  if (scope !== "cluster" && why) {
    const sql = scope === "role" ? "ALTER ROLE" : "ALTER DATABASE";
    return `${setting.name} cannot be set per ${scope}: ${why}, so ${sql} ... SET refuses it. Set it for the whole cluster in pg_parameters, or remove it.`;
  }
  return valueProblem(setting, value);
}

/** A name PostgreSQL 15 does not know: a typo, a Patroni setting, or a setting a checked extension does not have. */
function unknownName(name: string): string | undefined {
  const extension = extensionOf(name);
  if (PATRONI_ONLY.includes(name.toLowerCase())) {
    return `${name} is Patroni's setting, not a Postgres parameter (Patroni drops it from the parameters). Move it to the cluster's Patroni settings: patroni.${name.toLowerCase()}.`;
  }
  if (extension) {
    const own = CATALOGUE.settings.filter((s) => s.name.startsWith(`${extension}.`)).map((s) => s.name);
    const guess = closest(name, own);
    return `${name} is not a setting of ${extension}: once the extension is loaded, PostgreSQL refuses the names under its prefix that it does not define. ${guess ? `Did you mean ${guess}?` : `Its settings: ${own.join(", ")}.`}`;
  }
  // Any other dotted name is a placeholder (an extension's setting, or one of your own): Postgres takes any value for it.
  if (name.includes(".")) return undefined;
  const guess = closest(name, CATALOGUE.settings.map((s) => s.name));
  const hint = guess ? `Did you mean ${guess}?` : "Check the name in PostgreSQL 15's documentation (an extension's setting is written extension.name, e.g. pg_stat_statements.max).";
  return `${name} is not a PostgreSQL ${CATALOGUE.major} setting. ${hint}`;
}

function valueProblem(s: CatalogueSetting, value: string | number | boolean): string | undefined {
  const text = asText(value);
  switch (s.vartype) {
    case "string":
      return undefined;
    case "bool":
      return parseBool(text) === undefined ? `${shown(value)} is not a boolean. Use on or off (PostgreSQL also takes true/false, yes/no, 1/0).` : undefined;
    case "enum": {
      const accepted = [...s.enumvals!, ...(s.enum_aliases ?? [])];
      if (accepted.some((v) => v.toLowerCase() === text.toLowerCase())) return undefined;
      return `${shown(value)} is not a value of ${s.name}. Use one of: ${s.enumvals!.map((v) => (v === "" ? '""' : v)).join(", ")}.`;
    }
    case "integer":
    case "real":
      return numberProblem(s, value, parseNumber(text, s.vartype, s.unit));
  }
}

function numberProblem(s: CatalogueSetting, value: string | number | boolean, parsed: number | undefined): string | undefined {
  const unit = s.unit === null ? "" : ` ${UNIT_WORDS[s.unit]}`;
  const range = `${s.min_val} to ${s.max_val}${unit}`;
  if (parsed === undefined) {
    const kind = s.unit === null ? (s.vartype === "integer" ? "a whole number" : "a number") : acceptedUnits(s.unit).includes("min") ? "a duration" : "a size";
    if (s.unit === null) return `${shown(value)} is not ${kind}. ${s.name} takes ${kind} from ${range}.`;
    const units = acceptedUnits(s.unit);
    return `${shown(value)} is not ${kind}. ${s.name} takes a plain number of${unit} (${range}), or a number with one of the units ${units.join(", ")} (case matters), e.g. ${units.includes("min") ? "5min" : "1GB"}.`;
  }
  if (parsed >= Number(s.min_val) && parsed <= Number(s.max_val)) return undefined;
  const converted = typeof value === "string" && Number.isFinite(parsed) && String(parsed) !== value.trim() ? ` (${parsed}${unit})` : "";
  return `${shown(value)}${converted} is out of range for ${s.name}. Use ${range}.`;
}
