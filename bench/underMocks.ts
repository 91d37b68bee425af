// Child process of `npm run bench` (started by bench/mocks.ts): runs index.ts under Pulumi's mocks, as a preview
// (unknown outputs stay unknown), with no engine and no provider, and writes what it took to BENCH_MOCKS_OUT.
import * as pulumi from "@pulumi/pulumi";
import { readFileSync, writeFileSync } from "node:fs";
import { mockPem } from "../test/program/harness";

interface Input {
  stack: string;
  /** Stack config, `pigsty:<key>` -> value (a string, or JSON for an object). */
  config: Record<string, string>;
}

/** A secret input reaches the mocks wrapped in an object that carries its plain value under `value`. */
const plain = (x: unknown): unknown => (x && typeof x === "object" && "value" in x ? (x as { value: unknown }).value : x);

async function main() {
  const input = JSON.parse(readFileSync(process.env.BENCH_MOCKS_IN as string, "utf8")) as Input;
  let resources = 0;
  const hosts: Record<string, string> = {};
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources++;
        if (args.type === "command:remote:Command") {
          const host = (plain(args.inputs.connection) as { host?: string } | undefined)?.host;
          if (host) hosts[args.name] = host;
        }
        // The certificates' openssl commands print a key and a certificate that the program splits.
        const state = args.type === "command:local:Command" ? { ...args.inputs, stdout: mockPem(args.name) } : args.inputs;
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "pigsty",
    input.stack,
    true,
  );
  pulumi.runtime.setAllConfig(input.config);
  const started = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require("../index");
  const loaded = performance.now();
  // Every registration (including those made inside applies) has reached the mocks.
  await pulumi.runtime.disconnect();
  const settled = performance.now();
  writeFileSync(
    process.env.BENCH_MOCKS_OUT as string,
    JSON.stringify({
      resources,
      hosts,
      loadSeconds: (loaded - started) / 1000,
      settleSeconds: (settled - loaded) / 1000,
      peakMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
