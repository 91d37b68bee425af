// Keeps README.md and docs/*.md true to the repository: every repository path they name (in code or a link) exists,
// every `npm run` script is in package.json, every jest project named is in jest.config.js.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");

/** The pages a newcomer reads: the README and every page under docs/. */
function docPages(): string[] {
  const docs = fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md"));
  return ["README.md", ...docs.map((f) => `docs/${f}`)];
}

/** The text of every fenced block and inline code span of a markdown page. */
export function codeTexts(md: string): string[] {
  const texts: string[] = [];
  const prose = md.replace(/^[ \t]*```[^\n]*\n([\s\S]*?)^[ \t]*```[ \t]*$/gm, (_all, body: string) => {
    texts.push(body);
    return "";
  });
  for (const m of prose.matchAll(/(`+)([^`]+?)\1/g)) texts.push(m[2]);
  return texts;
}

/** Targets of markdown links and images that point into the repository (no URL, no bare anchor), anchor removed. */
export function linkTargets(md: string): string[] {
  return [...md.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1])
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith("#"))
    .map((t) => t.replace(/#.*$/, ""));
}

/**
 * The words of a code text that name a repository path. A word counts when it has a slash and either starts at a
 * top-level entry of the repository, ends in a file extension, or ends in a slash. Host paths (absolute), home and
 * variable paths, URLs, paths outside the clone (`../`), placeholders (`<ip>`), key paths (`pigsty:inventory...`),
 * settings (`a=b`), jest's path patterns and alternatives without an extension (`on/off`, `up/down`) do not count.
 */
export function repoPathsIn(text: string, topLevel: ReadonlySet<string>): string[] {
  const found: string[] = [];
  let previous = "";
  for (const raw of text.split(/[\s,;()'"[\]]+/)) {
    const word = raw.replace(/^[({]+/, "").replace(/[.,:;)}]+$/, "");
    const pattern = /^--testPathPatterns?$/.test(previous);
    previous = word;
    if (pattern || !word.includes("/") || /^[/~$-]/.test(word) || word.startsWith("../")) continue;
    if (word.includes("://") || /[<>{}|=?@:]/.test(word)) continue;
    const first = word.split("/")[0];
    const extension = /\.[A-Za-z][A-Za-z0-9]{0,4}$/.test(word);
    if (topLevel.has(first) || extension || word.endsWith("/")) found.push(word);
  }
  return found;
}

/** Whether a path named by a page is true: it exists, or git ignores it (made by the toolchain, the sandbox, a test). */
export function pathHolds(repoRoot: string, named: string): boolean {
  const globAt = named.split("/").findIndex((segment) => segment.includes("*"));
  const concrete = globAt < 0 ? named : named.split("/").slice(0, globAt).join("/");
  if (fs.existsSync(path.join(repoRoot, concrete))) return true;
  try {
    execFileSync("git", ["check-ignore", "-q", "--no-index", concrete], { cwd: repoRoot, stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Every file under a folder of the repository, as a path from the repository's root. */
function filesUnder(repoRoot: string, folder: string): string[] {
  return fs
    .readdirSync(path.join(repoRoot, folder), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(repoRoot, path.join(e.parentPath, e.name)));
}

/** Problems of the jest path patterns a page gives: jest 29 takes `--testPathPattern`, and the pattern must match a test. */
export function testPathPatternProblems(repoRoot: string, md: string): string[] {
  const tests = filesUnder(repoRoot, "test");
  const problems: string[] = [];
  for (const m of md.matchAll(/(--testPathPatterns?)\s+([^\s`]+)/g)) {
    if (m[1] !== "--testPathPattern") problems.push(`${m[1]} is not a flag of jest 29: write --testPathPattern`);
    if (!tests.some((t) => new RegExp(m[2]).test(t))) problems.push(`--testPathPattern ${m[2]} matches no file under test/`);
  }
  return problems;
}

/** The npm scripts a page runs: `npm run <script>` (with or without `--silent`) and `npm test`. */
export function npmScriptsIn(md: string): string[] {
  const scripts = [...md.matchAll(/\bnpm run(?:\s+--silent)?\s+([A-Za-z0-9:_-]+)/g)].map((m) => m[1]);
  if (/\bnpm test\b/.test(md)) scripts.push("test");
  return scripts;
}

/** Every broken reference of one page: paths that do not hold, scripts package.json lacks, unknown jest projects. */
export function brokenReferences(
  repoRoot: string,
  page: string,
  md: string,
  scripts: ReadonlySet<string>,
  projects: ReadonlySet<string>,
): string[] {
  const topLevel = new Set(fs.readdirSync(repoRoot).filter((f) => f !== "node_modules"));
  const problems: string[] = [];
  for (const named of new Set(codeTexts(md).flatMap((t) => repoPathsIn(t, topLevel)))) {
    if (!pathHolds(repoRoot, named)) problems.push(`${page}: \`${named}\` does not exist`);
  }
  for (const target of new Set(linkTargets(md))) {
    const resolved = path.relative(repoRoot, path.resolve(repoRoot, path.dirname(page), target));
    if (!pathHolds(repoRoot, resolved)) problems.push(`${page}: link ${target} leads nowhere (${resolved})`);
  }
  for (const script of new Set(npmScriptsIn(md))) {
    if (!scripts.has(script)) problems.push(`${page}: npm script "${script}" is not in package.json`);
  }
  problems.push(...testPathPatternProblems(repoRoot, md).map((p) => `${page}: ${p}`));
  for (const m of md.matchAll(/--selectProjects\s+([A-Za-z0-9_-]+)/g)) {
    if (!projects.has(m[1])) problems.push(`${page}: jest project "${m[1]}" is not in jest.config.js`);
  }
  return problems;
}

const packageScripts = new Set(
  Object.keys((JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: object }).scripts),
);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jestConfig = require(path.join(root, "jest.config.js")) as { projects: { displayName: string }[] };
const jestProjects = new Set(jestConfig.projects.map((p) => p.displayName));

describe("README.md and docs/*.md name only what exists", () => {
  it.each(docPages())("%s", (page) => {
    const md = fs.readFileSync(path.join(root, page), "utf8");
    expect(brokenReferences(root, page, md, packageScripts, jestProjects)).toEqual([]);
  });

  it("the README stays an on-ramp: under 150 lines", () => {
    expect(fs.readFileSync(path.join(root, "README.md"), "utf8").trimEnd().split("\n").length).toBeLessThan(150);
  });

  it("each docs page starts with the question it answers", () => {
    for (const page of docPages().filter((p) => p.startsWith("docs/") && p !== "docs/sop.md")) {
      const lines = fs.readFileSync(path.join(root, page), "utf8").split("\n");
      expect([page, lines[0].startsWith("# "), /^\*.+\?\*$/.test(lines[2])]).toEqual([page, true, true]);
    }
  });
});

describe("the checks themselves", () => {
  const topLevel = new Set(["config", "docs", "render", "test", ".ci"]);

  it("takes repository paths and leaves host paths, URLs, placeholders and alternatives alone", () => {
    const text =
      "config/standby.ts `/etc/pigsty/tls/ca.crt` /pg/bin/patroni-launch ~/.pulumi/plugins $PULUMI_HOME/logs " +
      "../shared/pulumi-src s3://my-bucket/pigsty on/off up/down/status/reset vip_address/vip_cidrmask " +
      "{pigsty_yml: <path/to/pigsty.yml>} config/<stack>.json 127.0.0.0/8 sslrootcert=pigsty-ca.crt " +
      "render/host/ test/**/*.real.test.ts confg/typo.ts .toolchain/bin/pulumi .state/x.json docs/x.md, " +
      "(render/host/a.py) --testPathPattern test/program/stepScripts `.pulumi/backups`";
    expect(repoPathsIn(text, topLevel)).toEqual([
      "config/standby.ts",
      "render/host/",
      "test/**/*.real.test.ts",
      "confg/typo.ts",
      ".state/x.json",
      "docs/x.md",
      "render/host/a.py",
    ]);
  });

  it("finds code in fenced blocks (indented too) and spans, and links into the repository", () => {
    const md = "a `x/y.ts` b\n  ```sh\n  npm run demo\n  ```\n[p](docs/a.md#s) [u](https://e.org/a) [h](#top)";
    expect(codeTexts(md)).toEqual(["  npm run demo\n", "x/y.ts"]);
    expect(linkTargets(md)).toEqual(["docs/a.md"]);
    expect(npmScriptsIn("npm run --silent pg -- list; npm run <script>; npm ci && npm test")).toEqual(["pg", "test"]);
  });

  it("reports a path, a link, a script and a jest project that are not there", () => {
    const md =
      "See `config/stepCatalogue.ts`, `config/noSuchFile.ts`, `.state/` and [t](testing.md), [n](nowhere.md).\n" +
      "```sh\nnpm run demo && npm run no-such-script\nnpx jest --selectProjects unit --selectProjects unti\n" +
      "npx jest --testPathPattern test/docs/readme --testPathPatterns test/policies --testPathPattern test/nothing\n```\n";
    expect(brokenReferences(root, "docs/page.md", md, packageScripts, jestProjects)).toEqual([
      "docs/page.md: `config/noSuchFile.ts` does not exist",
      "docs/page.md: link nowhere.md leads nowhere (docs/nowhere.md)",
      'docs/page.md: npm script "no-such-script" is not in package.json',
      "docs/page.md: --testPathPatterns is not a flag of jest 29: write --testPathPattern",
      "docs/page.md: --testPathPattern test/nothing matches no file under test/",
      'docs/page.md: jest project "unti" is not in jest.config.js',
    ]);
  });
});
