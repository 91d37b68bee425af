// How PostgreSQL 15 reads a setting's text (guc.c parse_bool, parse_int, parse_real and their units), so that a
// value is refused here exactly when the server would refuse it.

/** C's isspace: what Postgres skips around numbers and units. */
const SPACE = "[ \\t\\n\\v\\f\\r]*";

/** Sizes in bytes and durations in microseconds, largest first: a fraction rounds to the next smaller unit. */
const SIZE_UNITS: [string, number][] = [["TB", 2 ** 40], ["GB", 2 ** 30], ["MB", 2 ** 20], ["kB", 2 ** 10], ["B", 1]];
const TIME_UNITS: [string, number][] = [["d", 86_400e6], ["h", 3_600e6], ["min", 60e6], ["s", 1e6], ["ms", 1e3], ["us", 1]];
/** The unit pg_settings shows, as a multiple of its table's smallest unit. */
const BASE_UNITS: Record<string, [table: [string, number][], size: number]> = {
  B: [SIZE_UNITS, 1],
  kB: [SIZE_UNITS, 2 ** 10],
  "8kB": [SIZE_UNITS, 2 ** 13],
  MB: [SIZE_UNITS, 2 ** 20],
  us: [TIME_UNITS, 1],
  ms: [TIME_UNITS, 1e3],
  s: [TIME_UNITS, 1e6],
  min: [TIME_UNITS, 60e6],
};

/** The units a setting with this pg_settings unit accepts after a number (case matters), e.g. B, kB, MB, GB, TB. */
export function acceptedUnits(unit: string): string[] {
  return BASE_UNITS[unit][0].map(([u]) => u);
}

/** parse_bool: on, off, true, false, yes, no, 1, 0 in any case, and unique prefixes of them (t, f, y, n, of). */
export function parseBool(text: string): boolean | undefined {
  const t = text.toLowerCase();
  if (t === "") return undefined;
  if (t === "1" || t === "0") return t === "1";
  if (t.length >= 2 && ("on".startsWith(t) || "off".startsWith(t))) return t.startsWith("on");
  for (const [word, value] of [["true", true], ["false", false], ["yes", true], ["no", false]] as const) if (word.startsWith(t)) return value;
  return undefined;
}

/** strtol(text, 0) then, where it stops at a decimal point or exponent, strtod; the number and what follows it. */
function leadingNumber(text: string, integer: boolean): { value: number; rest: string } | undefined {
  if (integer) {
    const asInt = new RegExp(`^${SPACE}([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)`).exec(text);
    // Where strtol stops (at the start when it read nothing): only a decimal point or exponent sends Postgres on to strtod.
    const rest = text.slice(asInt ? asInt[0].length : 0);
    if (!/^[.eE]/.test(rest)) {
      if (!asInt) return undefined;
      const digits = asInt[2];
      const magnitude = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits[0] === "0" ? parseInt(digits, 8) : Number(digits);
      return { value: asInt[1] === "-" ? -magnitude : magnitude, rest };
    }
  }
  const decimal = new RegExp(`^${SPACE}([+-]?(?:(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan))`, "i").exec(text);
  const hex = new RegExp(`^${SPACE}([+-]?)0[xX]([0-9a-fA-F]*)\\.?([0-9a-fA-F]*)(?:[pP]([+-]?[0-9]+))?`).exec(text);
  if (hex && hex[2] + hex[3] !== "") {
    const value = parseInt(hex[2] + hex[3] || "0", 16) * 2 ** (Number(hex[4] ?? 0) - 4 * hex[3].length);
    return { value: hex[1] === "-" ? -value : value, rest: text.slice(hex[0].length) };
  }
  if (!decimal) return undefined;
  const literal = decimal[1].toLowerCase().replace(/^\+/, "");
  const value = /inf/.test(literal) ? (literal.startsWith("-") ? -Infinity : Infinity) : Number(literal);
  // strtod reports ERANGE for a finite literal that overflows or underflows: Postgres refuses those.
  if (!/inf|nan/.test(literal) && (!Number.isFinite(value) || (value === 0 && /[1-9]/.test(literal.split("e")[0])))) return undefined;
  return { value, rest: text.slice(decimal[0].length) };
}

/** convert_to_base_unit: `rest` (after the number) as one unit of the setting's table, else undefined. */
function inBaseUnit(value: number, rest: string, unit: string | null): number | undefined {
  const m = new RegExp(`^${SPACE}$|^${SPACE}([^ \\t\\n\\v\\f\\r]{1,3})${SPACE}$`).exec(rest);
  if (!m) return undefined;
  if (m[1] === undefined) return value;
  if (unit === null) return undefined;
  const [table, size] = BASE_UNITS[unit];
  const i = table.findIndex(([u]) => u === m[1]);
  if (i < 0) return undefined;
  const converted = (value * table[i][1]) / size;
  const smaller = table[i + 1];
  return smaller ? rint(converted / (smaller[1] / size)) * (smaller[1] / size) : converted;
}

/** C's rint: to the nearest integer, halves to even. */
export function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** parse_int / parse_real: the value in the setting's own unit (an integer beyond a C int: ±Infinity), or undefined when Postgres would not read it as a number. */
export function parseNumber(text: string, vartype: "integer" | "real", unit: string | null): number | undefined {
  const lead = leadingNumber(text, vartype === "integer");
  if (!lead || Number.isNaN(lead.value)) return undefined;
  const value = inBaseUnit(lead.value, lead.rest, unit);
  if (value === undefined || vartype === "real") return value;
  // Beyond a C int Postgres refuses it as out of range: so does any range check of an infinite value.
  const whole = rint(value);
  return whole > 2 ** 31 - 1 ? Infinity : whole < -(2 ** 31) ? -Infinity : whole;
}
