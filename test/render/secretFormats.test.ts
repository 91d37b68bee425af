// Each secret format carries any valid password into its file, and the host's python filler agrees with ours.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { isPlaceholder, placeholder, placeholdersIn, SECRET_FORMATS, type SecretFormat } from "../../render/placeholders";
import { fillPlaceholders } from "../helpers/fillPlaceholders";
import { writeLibrary } from "../helpers/stepLibrary";
import { HOSTILE_PASSWORDS } from "../helpers/hostilePasswords";

const FORMATS: readonly SecretFormat[] = SECRET_FORMATS;

test("a placeholder names its slot and format; placeholdersIn finds the slot with or without a format", () => {
  expect(placeholder("pg-test/monitor", "yaml")).toBe("{{secret:pg-test/monitor|yaml}}");
  const text = `a ${placeholder("pg-test/monitor", "url")} b ${placeholder("pg-test/user/x")} c ${placeholder("pg-test/monitor", "env")}`;
  expect(placeholdersIn(text)).toEqual(["pg-test/monitor", "pg-test/user/x"]);
});

test("isPlaceholder accepts a whole placeholder with a known format, quoted or not", () => {
  expect(isPlaceholder('"{{secret:pg-test/x|yaml}}"')).toBe(true);
  expect(isPlaceholder("{{secret:pg-test/x|pgpass}}")).toBe(true);
  expect(isPlaceholder("{{secret:pg-test/x|scram}}")).toBe(true);
  expect(isPlaceholder("{{secret:pg-test/x}}")).toBe(true);
  expect(isPlaceholder("{{secret:pg-test/x|nosuch}}")).toBe(false);
  expect(isPlaceholder("{{secret:pg-test/x|yaml}}hunter2")).toBe(false);
});

test("each format escapes the characters its file treats specially", () => {
  const fill = (format: SecretFormat, value: string) => fillPlaceholders(placeholder("s", format), { s: value });
  expect(fill("yaml", `a"b\\c é😀`)).toBe(`a\\"b\\\\c \\u00e9\\U0001f600`);
  expect(fill("userlist", `a"b"`)).toBe(`a""b""`);
  expect(fill("haproxy", "it's")).toBe("it'\\''s");
  expect(fill("env", 'a"b\\c$d`e')).toBe('a\\"b\\\\c\\$d\\`e');
  expect(fill("pgpass", "a:b\\c")).toBe("a\\:b\\\\c");
  expect(fill("url", "a b:c@d/e%f'()*!~é")).toBe("a%20b%3Ac%40d%2Fe%25f%27%28%29%2A%21~%C3%A9");
});

test("fillPlaceholders refuses a placeholder without a format or with an unknown one", () => {
  expect(() => fillPlaceholders("x {{secret:s}}", { s: "v" })).toThrow("Secret slot s has no format");
  expect(() => fillPlaceholders("x {{secret:s|nosuch}}", { s: "v" })).toThrow("Secret slot s has an unknown format nosuch");
  expect(() => fillPlaceholders("x {{secret:s|scram}}", { s: "v" })).toThrow("Secret slot s has an unknown format scram");
});

test("filled values decode to the exact password in every format (YAML, userlist, pgpass, URL)", () => {
  for (const pw of HOSTILE_PASSWORDS) {
    const fill = (format: SecretFormat) => fillPlaceholders(placeholder("s", format), { s: pw });
    expect(parse(`k: "${fill("yaml")}"`)).toEqual({ k: pw });
    expect(fill("userlist").replace(/""/g, '"')).toBe(pw);
    expect(fill("pgpass").replace(/\\(.)/g, "$1")).toBe(pw);
    expect(decodeURIComponent(fill("url"))).toBe(pw);
    expect(fill("url")).toMatch(/^[A-Za-z0-9_.~%-]*$/);
  }
});

describe("on the host", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pigsty-fill-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the host's filler (the step library's fill-placeholders.py, which fill_secrets runs) over `text` with `secrets` on disk. */
  function hostFill(text: string, secrets: Record<string, string>) {
    writeFileSync(join(dir, "secrets.json"), JSON.stringify(secrets));
    writeFileSync(join(dir, "raw"), text);
    return spawnSync("python3", [join(writeLibrary(dir), "fill-placeholders.py"), join(dir, "secrets.json"), join(dir, "raw")], { encoding: "utf8" });
  }

  test("the python filler gives exactly what fillPlaceholders gives, for every format and hostile password", () => {
    const slots = Object.fromEntries(HOSTILE_PASSWORDS.map((pw, i) => [`pg-test/user/u${i}`, pw]));
    const text = Object.keys(slots)
      .flatMap((s) => FORMATS.map((f) => `${f}: <${placeholder(s, f)}>`))
      .join("\n");
    const r = hostFill(text, slots);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(fillPlaceholders(text, slots));
  });

  test("the python filler refuses a placeholder without a known format, naming the slot only", () => {
    for (const bad of ["{{secret:s}}", "{{secret:s|scram}}", "{{secret:s|nosuch}}"]) {
      const r = hostFill(`x ${bad}`, { s: "hunter2" });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/error: secret slot s has (no|an unknown) format/);
      expect(`${r.stdout}${r.stderr}`).not.toContain("hunter2");
    }
  });

  test("a value in env format reads back exactly through a shell's double quotes (EnvironmentFile rules)", () => {
    for (const pw of HOSTILE_PASSWORDS) {
      const file = join(dir, "env");
      writeFileSync(file, `PASS="${fillPlaceholders(placeholder("s", "env"), { s: pw })}"\n`);
      const r = spawnSync("bash", ["-c", `set -a; . ${file}; printf %s "$PASS"`], { encoding: "utf8" });
      expect(r.stdout).toBe(pw);
    }
  });
});
