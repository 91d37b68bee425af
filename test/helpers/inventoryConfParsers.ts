// Minimal readers for rendered haproxy.cfg, hba files and ini files, so tests assert meaning, not text.

export interface HaproxyServer {
  name: string;
  addr: string;
  weight: number;
  backup: boolean;
  checkPort?: number;
}

export interface HaproxySection {
  kind: string;
  name: string;
  lines: string[];
  servers: HaproxyServer[];
}

export function parseHaproxy(text: string): Record<string, HaproxySection> {
  const sections: Record<string, HaproxySection> = {};
  let current: HaproxySection | undefined;
  // The section's default-server options: a server's own options override them (its last word for a key wins).
  let defaults: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trimEnd();
    if (line.trim() === "") continue;
    if (!/^\s/.test(line)) {
      const [kind, name = kind] = line.trim().split(/\s+/);
      current = { kind, name, lines: [], servers: [] };
      defaults = [];
      sections[name] = current;
      continue;
    }
    const l = line.trim();
    current!.lines.push(l);
    const f = l.split(/\s+/);
    if (f[0] === "default-server") defaults = f.slice(1);
    if (f[0] === "server") {
      const effective = [...defaults, ...f.slice(3)];
      const opt = (k: string) => (effective.lastIndexOf(k) >= 0 ? effective[effective.lastIndexOf(k) + 1] : undefined);
      current!.servers.push({
        name: f[1],
        addr: f[2],
        weight: Number(opt("weight") ?? 100),
        backup: f.includes("backup"),
        ...(opt("port") !== undefined && { checkPort: Number(opt("port")) }),
      });
    }
  }
  return sections;
}

export interface HbaLine {
  type: string;
  db: string;
  user: string;
  addr?: string;
  method: string;
}

export function parseHba(text: string): HbaLine[] {
  return text
    .split("\n")
    .map((l) => l.replace(/#.*$/, "").trim())
    .filter((l) => l !== "")
    .map((l) => {
      const f = l.split(/\s+/);
      return f[0] === "local" ? { type: f[0], db: f[1], user: f[2], method: f[3] } : { type: f[0], db: f[1], user: f[2], addr: f[3], method: f[4] };
    });
}

export function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.replace(/^\s*;.*$/, "").trim();
    if (line === "") continue;
    const m = /^\[(.+)\]$/.exec(line);
    if (m) {
      section = m[1];
      out[section] = {};
      continue;
    }
    const eq = line.indexOf("=");
    out[section][line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** KEY="value" lines of an EnvironmentFile. */
export function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z_]+)="?(.*?)"?$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}
