// Where a stack's state bytes go: each resource of a local-backend state file split into the parts that make it
// big (a remote command's script in its inputs, the provider's echo of it in its outputs, the connection with its
// encrypted key, ...), summed per step kind. `npx tsx bench/stateBytes.ts FILE` prints the table for any state file.
import { readFileSync, statSync } from "node:fs";
import { CLUSTER_STEPS, INFRA_STEPS, INSTANCE_STEPS } from "../config/stepCatalogue";

export const PARTS = ["script", "echo", "connection", "stdout", "secretInput", "trace", "other"] as const;
export type Part = (typeof PARTS)[number];

const PART_TITLES: Record<Part, string> = {
  script: "script in inputs (create, delete)",
  echo: "outputs echo of the inputs (create, delete)",
  connection: "connection with encrypted key (inputs + outputs)",
  stdout: "stdout, stderr",
  secretInput: "stdin and other secret inputs, generated values",
  trace: "source position, stack trace",
  other: "other (URN, id, parent, dependencies, flags, JSON punctuation)",
};

interface StateResource {
  urn: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface KindBytes {
  kind: string;
  count: number;
  /** Compact JSON bytes of these resources, all parts. */
  bytes: number;
  parts: Record<Part, number>;
}

export interface StateBreakdown {
  /** The file's size on disk. */
  fileBytes: number;
  resources: number;
  kinds: KindBytes[];
  total: Record<Part, number>;
}

const SUFFIXES = [INSTANCE_STEPS, CLUSTER_STEPS, INFRA_STEPS]
  .flatMap((t) => Object.values(t).map((s) => s.suffix))
  .sort((a, b) => b.length - a.length);

/** A resource's kind: a remote command's step suffix (`-haproxy`), else its type. */
export function kindOf(r: StateResource): string {
  const name = r.urn.split("::").pop() as string;
  if (r.type === "command:remote:Command") return SUFFIXES.find((s) => name.endsWith(s)) ?? "remote command (other)";
  if (r.type === "command:local:Command") return "local command (certificates)";
  return r.type;
}

const size = (v: unknown) => (v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v)));
/** Bytes of `key` and its value as they appear inside an object: `"key":value,`. */
const field = (o: Record<string, unknown> | undefined, key: string) => (o && key in o ? size(key) + 2 + size(o[key]) : 0);
const fields = (o: Record<string, unknown> | undefined, keys: string[]) => keys.reduce((s, k) => s + field(o, k), 0);

const SCRIPT_KEYS = ["create", "update", "delete"];
const OUTPUT_KEYS = ["stdout", "stderr"];

/** Splits one resource's compact JSON into parts; `other` is what is left. */
export function partsOf(r: StateResource): Record<Part, number> {
  const remote = r.type.startsWith("command:");
  const parts: Record<Part, number> = {
    script: remote ? fields(r.inputs, SCRIPT_KEYS) : 0,
    echo: remote ? fields(r.outputs, SCRIPT_KEYS) : 0,
    connection: field(r.inputs, "connection") + field(r.outputs, "connection"),
    stdout: fields(r.outputs, OUTPUT_KEYS),
    secretInput: field(r.inputs, "stdin") + field(r.outputs, "stdin") + (r.type === "random:index/randomPassword:RandomPassword" ? size(r.outputs) + size(r.inputs) : 0),
    trace: field(r as Record<string, unknown>, "sourcePosition") + field(r as Record<string, unknown>, "stackTrace"),
    other: 0,
  };
  parts.other = size(r) - PARTS.reduce((s, p) => s + parts[p], 0);
  return parts;
}

const zero = (): Record<Part, number> => Object.fromEntries(PARTS.map((p) => [p, 0])) as Record<Part, number>;

export function breakdown(state: { checkpoint: { latest?: { resources?: StateResource[] } } }, fileBytes: number): StateBreakdown {
  const resources = state.checkpoint.latest?.resources ?? [];
  const byKind = new Map<string, KindBytes>();
  const total = zero();
  for (const r of resources) {
    const kind = kindOf(r);
    const k = byKind.get(kind) ?? { kind, count: 0, bytes: 0, parts: zero() };
    const parts = partsOf(r);
    k.count += 1;
    k.bytes += size(r);
    for (const p of PARTS) {
      k.parts[p] += parts[p];
      total[p] += parts[p];
    }
    byKind.set(kind, k);
  }
  return { fileBytes, resources: resources.length, kinds: [...byKind.values()].sort((a, b) => b.bytes - a.bytes), total };
}

export function breakdownOfFile(file: string): StateBreakdown {
  return breakdown(JSON.parse(readFileSync(file, "utf8")), statSync(file).size);
}

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

/** The breakdown as table lines: totals per part, then the kinds that hold the most. */
export function breakdownLines(b: StateBreakdown, top = 12): string[] {
  const sum = PARTS.reduce((s, p) => s + b.total[p], 0);
  const share = (n: number) => `${((100 * n) / sum).toFixed(0)}%`;
  return [
    `state ${kb(b.fileBytes)} on disk, ${b.resources} resources`,
    ...PARTS.map((p) => `  ${PART_TITLES[p].padEnd(64)} ${kb(b.total[p]).padStart(9)} ${share(b.total[p]).padStart(4)}`),
    `  by kind (count, bytes; script / echo / connection / other parts):`,
    ...b.kinds
      .slice(0, top)
      .map(
        (k) =>
          `  ${k.kind.padEnd(40)} ${String(k.count).padStart(5)} ${kb(k.bytes).padStart(9)} ${share(k.bytes).padStart(4)}  ` +
          `${kb(k.parts.script)} / ${kb(k.parts.echo)} / ${kb(k.parts.connection)} / ${kb(k.bytes - k.parts.script - k.parts.echo - k.parts.connection)}`,
      ),
  ];
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: npx tsx bench/stateBytes.ts STATE_FILE (e.g. .state/.pulumi/stacks/pigsty/dev.json)");
    process.exit(2);
  }
  breakdownLines(breakdownOfFile(file), 100).forEach((l) => console.log(l));
}
