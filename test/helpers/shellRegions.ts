// Tells, for every character of a bash script, how bash reads it: inside single quotes, a quoted
// here-document, a comment, double quotes or bare code. Enough of bash for the scripts we generate
// (quotes, $( ), $(( )), here-documents, comments); anything it does not model counts as bare, so a
// mistake here makes the hostile-value test stricter, never looser.

export type Region = "bare" | "single" | "double" | "heredoc" | "expandingHeredoc" | "comment";

/** Regions where no character of a value can change what bash runs (a comment only without a newline). */
export const INERT: ReadonlySet<Region> = new Set<Region>(["single", "heredoc", "comment"]);

interface Context {
  kind: "code" | "subst" | "double";
  depth: number;
}

interface Pending {
  tag: string;
  quoted: boolean;
  stripTabs: boolean;
}

export function shellRegions(text: string): Region[] {
  const out: Region[] = new Array<Region>(text.length).fill("bare");
  const mark = (from: number, to: number, r: Region) => out.fill(r, from, Math.min(to, text.length));
  const stack: Context[] = [{ kind: "code", depth: 0 }];
  let pending: Pending[] = [];
  let wordStart = true;
  let i = 0;
  while (i < text.length) {
    const ctx = stack[stack.length - 1];
    const c = text[i];
    if (ctx.kind === "double") {
      if (c === "\\") {
        mark(i, i + 2, "double");
        i += 2;
      } else if (c === '"') {
        mark(i, i + 1, "double");
        stack.pop();
        i += 1;
      } else if (c === "$" && text[i + 1] === "(") {
        stack.push({ kind: "subst", depth: 0 });
        i += 2;
        wordStart = true;
      } else {
        mark(i, i + 1, "double");
        i += 1;
      }
      continue;
    }
    if (c === "\n") {
      i += 1;
      for (const h of pending) i = readHeredoc(text, i, h, mark);
      pending = [];
      wordStart = true;
      continue;
    }
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      const stop = end < 0 ? text.length : end + 1;
      mark(i, stop, "single");
      i = stop;
      wordStart = false;
      continue;
    }
    if (c === '"') {
      mark(i, i + 1, "double");
      stack.push({ kind: "double", depth: 0 });
      i += 1;
      wordStart = false;
      continue;
    }
    if (c === "\\") {
      i += 2;
      wordStart = false;
      continue;
    }
    if (c === "#" && wordStart) {
      const end = text.indexOf("\n", i);
      const stop = end < 0 ? text.length : end;
      mark(i, stop, "comment");
      i = stop;
      continue;
    }
    if (c === "$" && text[i + 1] === "(") {
      stack.push({ kind: "subst", depth: 0 });
      i += 2;
      wordStart = true;
      continue;
    }
    if (c === "<" && text[i + 1] === "<" && text[i + 2] !== "<") {
      const m = /^<<(-?)\s*(?:'([^']+)'|"([^"]+)"|([A-Za-z0-9_]+))/.exec(text.slice(i));
      if (m) {
        pending.push({ tag: m[2] ?? m[3] ?? m[4], quoted: m[4] === undefined, stripTabs: m[1] === "-" });
        i += m[0].length;
        wordStart = false;
        continue;
      }
    }
    if (c === "(") ctx.depth += 1;
    if (c === ")") {
      if (ctx.depth > 0) ctx.depth -= 1;
      else if (ctx.kind === "subst") stack.pop();
    }
    wordStart = /[\s;&|()]/.test(c);
    i += 1;
  }
  return out;
}

/** Marks a here-document body starting at `from`; returns the index after its terminator line. */
function readHeredoc(text: string, from: number, h: Pending, mark: (a: number, b: number, r: Region) => void): number {
  let i = from;
  while (i < text.length) {
    const end = text.indexOf("\n", i);
    const stop = end < 0 ? text.length : end;
    const line = text.slice(i, stop);
    if ((h.stripTabs ? line.replace(/^\t+/, "") : line) === h.tag) return Math.min(stop + 1, text.length);
    mark(i, stop + 1, h.quoted ? "heredoc" : "expandingHeredoc");
    i = stop + 1;
  }
  return i;
}

/** Every place `needle` occurs in `text` where some character of it is not in an inert region, with context. */
export function exposedOccurrences(text: string, needle: string, regions: Region[] = shellRegions(text)): string[] {
  const hits: string[] = [];
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    const seen = regions.slice(at, at + needle.length);
    const inComment = seen.every((r) => r === "comment");
    const inert = seen.every((r) => INERT.has(r)) && !(inComment && needle.includes("\n"));
    // A value must sit inside one region: 'a'"$x"'b' around it would be fine, 'a''b' split by code is not.
    if (!inert || new Set(seen).size > 1) {
      const lineStart = text.lastIndexOf("\n", at) + 1;
      const lineEnd = text.indexOf("\n", at);
      hits.push(`${seen[0]}: ${text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd)}`);
    }
  }
  return hits;
}

/** The script inside steps/shell.ts `script()`'s wrapper (sudo bash -c "$(cat <<'TAG' ... TAG)"). */
export function unwrapScript(wrapper: string): string {
  const m = /^# step [^\n]*\nsudo -n \/bin\/bash -c "\$\(cat <<'(PIGSTY_[0-9A-F]+)'\n([\s\S]*\n)\1\n\)"\n$/.exec(wrapper);
  if (!m) throw new Error(`not a script() wrapper:\n${wrapper.slice(0, 200)}`);
  return m[2];
}
