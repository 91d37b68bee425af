// Host programs kept as real files under render/host/, read once; some get a settings line written at render time.
import { readFileSync } from "node:fs";
import { join } from "node:path";

const SETTINGS_LINE = "SETTINGS = {}  # written at render time";
const sources = new Map<string, string>();

/** The text of render/host/<file>, as it is. */
export function hostProgram(file: string): string {
  const source = sources.get(file) ?? readFileSync(join(__dirname, "host", file), "utf8");
  sources.set(file, source);
  return source;
}

/** The text of render/host/<file> with `SETTINGS = {...}` (JSON of plain values is a python literal too). */
export function renderHostProgram(file: string, settings: Record<string, unknown>): string {
  const lines = hostProgram(file).split("\n");
  const at = lines.indexOf(SETTINGS_LINE);
  if (at < 0) throw new Error(`render/host/${file} has no line "${SETTINGS_LINE}" to write its settings into`);
  lines[at] = `SETTINGS = ${JSON.stringify(settings)}`;
  return lines.join("\n");
}
