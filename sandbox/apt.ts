// Pure: read the host's apt sources (text in, entries out) so the sandbox uses the same Debian
// mirror as the host. Mirror host names are never written into the repository: they are read
// at runtime from /etc/apt/sources.list.d/*.sources and /etc/apt/sources.list.

export interface AptEntry {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  signedBy?: string;
}

export const DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";
export const RELEASE = "bookworm";

/** Parse deb822 `.sources` text. Comments and disabled stanzas are ignored. */
export function parseDeb822(text: string): AptEntry[] {
  const entries: AptEntry[] = [];
  const stanzas = text.split(/\n\s*\n/);
  for (const stanza of stanzas) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const raw of stanza.split("\n")) {
      if (raw.startsWith("#")) continue;
      if (/^\s/.test(raw) && last) {
        fields.set(last, `${fields.get(last)} ${raw.trim()}`);
        continue;
      }
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(raw);
      if (m) {
        last = m[1].toLowerCase();
        fields.set(last, m[2].trim());
      }
    }
    if (!fields.has("uris") || !fields.has("suites")) continue;
    if ((fields.get("enabled") ?? "yes").toLowerCase() === "no") continue;
    const words = (k: string) => (fields.get(k) ?? "").split(/\s+/).filter(Boolean);
    entries.push({
      types: words("types"),
      uris: words("uris"),
      suites: words("suites"),
      components: words("components"),
      signedBy: fields.get("signed-by") || undefined,
    });
  }
  return entries;
}

/** Parse one-line `sources.list` text. */
export function parseOneLine(text: string): AptEntry[] {
  const entries: AptEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (!line) continue;
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const opts = m[2] ?? "";
    const signed = /signed-by=(\S+)/.exec(opts);
    entries.push({
      types: [m[1]],
      uris: [m[3]],
      suites: [m[4]],
      components: m[5].split(/\s+/).filter(Boolean),
      signedBy: signed ? signed[1] : undefined,
    });
  }
  return entries;
}

/** Keep the binary Debian bookworm entries that the stock Debian keyring can verify. */
export function debianEntries(entries: AptEntry[]): AptEntry[] {
  return entries
    .filter((e) => e.types.includes("deb"))
    .filter((e) => e.signedBy === undefined || e.signedBy === DEBIAN_KEYRING)
    .map((e) => ({ ...e, types: ["deb"], suites: e.suites.filter((s) => s === RELEASE || s.startsWith(`${RELEASE}-`) || s.startsWith(`${RELEASE}/`)) }))
    .filter((e) => e.suites.length > 0 && e.uris.length > 0);
}

/** The mirror debootstrap should use: the first URI serving the plain release suite. */
export function debootstrapMirror(entries: AptEntry[]): string {
  const e = debianEntries(entries).find((x) => x.suites.includes(RELEASE));
  if (!e) {
    throw new Error(`no Debian "${RELEASE}" entry in the host's apt sources (/etc/apt/sources.list.d/*.sources, /etc/apt/sources.list)`);
  }
  return e.uris[0];
}

/** deb822 sources for the nodes: same mirrors and suites as the host. */
export function renderNodeSources(entries: AptEntry[]): string {
  const kept = debianEntries(entries);
  if (kept.length === 0) throw new Error("no usable Debian entries in the host's apt sources");
  return (
    "# Written by the pigsty sandbox: the same Debian mirror as the sandbox host.\n\n" +
    kept
      .map((e) =>
        [
          "Types: deb",
          `URIs: ${e.uris.join(" ")}`,
          `Suites: ${e.suites.join(" ")}`,
          `Components: ${(e.components.length ? e.components : ["main"]).join(" ")}`,
          `Signed-By: ${DEBIAN_KEYRING}`,
        ].join("\n"),
      )
      .join("\n\n") +
    "\n"
  );
}

/** Host names of the mirrors (for the proxy's allow-list). */
export function mirrorHosts(entries: AptEntry[]): string[] {
  const hosts = new Set<string>();
  for (const e of debianEntries(entries)) {
    for (const u of e.uris) {
      try {
        hosts.add(new URL(u).hostname);
      } catch {
        /* not a URL (e.g. cdrom:) */
      }
    }
  }
  return [...hosts];
}
