// Every call of a step-library function (render/host/pigsty-step.sh) in every host script passes at least as many
// arguments as the function reads ($1..$N): a call without them fails only on the host, under `set -u`, and only on
// the path that makes it (a reset, a DCS move). The scripts: the inventory with most keys, with every reset raised on
// every member, so the reset paths are in them too.
import { RESETS } from "../../config/stepCatalogue";
import { hostLibrary } from "../../render/hostLibrary";
import { libraryFunctions } from "../../steps/shell";
import { runIsolated, unwrapSecrets } from "./harness";
import { mostKeys } from "./inventories";

type Inventory = { "pigsty:inventory": { clusters: Record<string, { hosts: Record<string, Record<string, unknown>> }> } };

/** The highest positional parameter each library function reads. */
function arity(): Map<string, number> {
  const text = hostLibrary().texts["step.sh"];
  const out = new Map<string, number>();
  for (const name of libraryFunctions()) {
    const at = text.indexOf(`\n${name}() {`);
    const firstLine = text.slice(at + 1, text.indexOf("\n", at + 1));
    const body = firstLine.endsWith("}") ? firstLine : text.slice(at + 1, text.indexOf("\n}\n", at));
    const used = [...body.matchAll(/\$\{?([1-9])\b/g)].map((m) => Number(m[1]));
    out.set(name, Math.max(0, ...used));
  }
  return out;
}

/** The words after each call of `name` in `script`, up to the end of its simple command. */
function calls(script: string, name: string): string[][] {
  const found: string[][] = [];
  const rest = `((?:'[^']*'|"[^"]*"|[^\\n;|&)'"])*)`;
  for (const m of script.matchAll(new RegExp(`(?:^|[\\s;|&({!])${name}(?=[\\s;)|&]|$)${rest}`, "gm"))) {
    const words = m[1].replace(/\s*(<<'[A-Z0-9_]+'|<[^']*|>[^']*)$/, "");
    found.push(words.match(/'[^']*'|"[^"]*"|\S+/g) ?? []);
  }
  return found;
}

test("every library call in every script passes the arguments its function reads", async () => {
  const inventory = mostKeys() as Inventory;
  const resets = Object.fromEntries(RESETS.map((r) => [r.key, 1]));
  for (const cluster of Object.values(inventory["pigsty:inventory"].clusters)) for (const host of Object.values(cluster.hosts)) host.pg_reset = resets;
  const { registered, error } = await runIsolated(inventory);
  if (error) throw error;
  const scripts = registered.filter((r) => r.type === "command:remote:Command").flatMap((r) => {
    const inputs = unwrapSecrets(r.inputs);
    return [inputs.create, inputs.delete].filter((s): s is string => typeof s === "string").map((s) => ({ name: r.name, s }));
  });
  expect(scripts.some(({ s }) => s.includes("reinit"))).toBe(true);
  const needs = arity();
  expect(needs.get("wait_running")).toBe(4);
  const short: string[] = [];
  let checked = 0;
  for (const { name, s } of scripts) {
    for (const [fn, n] of needs) {
      for (const args of calls(s, fn)) {
        checked++;
        if (args.length < n) short.push(`${name}: ${fn} ${args.join(" ")} (needs ${n})`);
      }
    }
  }
  expect(checked).toBeGreaterThan(50);
  expect(short).toEqual([]);
}, 60_000);
