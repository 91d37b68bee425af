// The arguments of `npm run up -- [pulumi up args]` as pulumi's own parser reads them: each option with its value, so
// that scripts/upPhases.ts can give each phase the options that apply to it, unchanged.

/** One option as given (`--stack dev`, `-s=dev`, `--yes`) or a positional word (name ""). */
export interface UpOption {
  /** The long name without dashes (`stack` for `-s`), or "" for a positional word. */
  name: string;
  value?: string;
  /** The words as the user typed them, passed on unchanged. */
  words: string[];
}

/** Options of `pulumi up` and its global flags that take the next word as their value. */
const TAKES_VALUE = new Set([
  "stack", "cwd", "config", "config-file", "target", "target-replace", "replace", "exclude", "parallel", "policy-pack",
  "policy-pack-config", "message", "color", "secrets-provider", "override-env", "tracing", "profiling", "otel-traces",
  "verbose", "memprofilerate", "plan", "exec-kind", "exec-agent",
]);
/** Short forms; `-r` (refresh) takes a value only as `-r=...`, like `--refresh`. */
const SHORT: Record<string, string> = {
  s: "stack", C: "cwd", c: "config", t: "target", p: "parallel", m: "message", v: "verbose", y: "yes", f: "skip-preview",
  d: "debug", j: "json", e: "emoji", Q: "fully-qualify-stack-names", r: "refresh", h: "help",
};

/** Splits `args` into options; a value-taking option at the end without its value is an error, as in pulumi. */
export function parseUpArgs(args: string[]): UpOption[] {
  const out: UpOption[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    if (word === "--") {
      out.push(...args.slice(i + 1).map((w) => ({ name: "", value: w, words: [w] })));
      break;
    }
    const long = /^--([^=]+)(?:=(.*))?$/s.exec(word);
    const short = /^-([A-Za-z])(=?)(.*)$/s.exec(word);
    let name: string;
    let inline: string | undefined;
    if (long) [name, inline] = [long[1], long[2]];
    else if (short && SHORT[short[1]]) {
      name = SHORT[short[1]];
      // `-sdev` and `-s=dev` carry their value; `-yf` is two flags in one word, passed on as `-y -f`.
      if (short[3] !== "" || short[2] === "=") {
        if (TAKES_VALUE.has(name) || short[2] === "=") inline = short[3];
        else if ([...short[3]].every((c) => SHORT[c] && !TAKES_VALUE.has(SHORT[c]))) {
          out.push(...[short[1], ...short[3]].map((c) => ({ name: SHORT[c], words: [`-${c}`] })));
          continue;
        } else throw new Error(`${word}: cannot tell its flags apart; give them one by one`);
      }
    } else {
      out.push({ name: "", value: word, words: [word] });
      continue;
    }
    if (inline !== undefined) out.push({ name, value: inline, words: [word] });
    else if (TAKES_VALUE.has(name)) {
      if (i + 1 >= args.length) throw new Error(`${word} needs a value`);
      out.push({ name, value: args[i + 1], words: [word, args[i + 1]] });
      i++;
    } else out.push({ name, words: [word] });
  }
  return out;
}

/** The words of `options`, in order. */
export const wordsOf = (options: UpOption[]) => options.flatMap((o) => o.words);

/** The values given for option `name`. */
export const valuesOf = (options: UpOption[], name: string) => options.filter((o) => o.name === name).map((o) => o.value as string);

/** True when a boolean option is set (`--yes`, `--refresh`, `--refresh=true`). */
export const isSet = (options: UpOption[], name: string) => options.some((o) => o.name === name && o.value !== "false");
