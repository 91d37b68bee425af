// The checker behind test/steps/hostileValues.test.ts: it must see an unquoted value, or that test proves nothing.
import { exposedOccurrences, shellRegions } from "./shellRegions";

test.each([
  ["bare argument", "rm -rf /srv/hx\n"],
  ["double quotes", 'echo "error: hx is bad"\n'],
  ["command substitution inside double quotes", 'echo "$(cat /hx)"\n'],
  ["unquoted here-document", "cat <<EOF\nhx\nEOF\n"],
  ["after a closed single quote", "echo 'a'hx\n"],
  ["comment then a new line", "# hx\nrm hx\n"],
  ["arithmetic", "x=$((hx + 1))\n"],
  ["split between two quoted words", "echo 'h'x\n"],
])("%s is exposed", (_what, script) => {
  expect(exposedOccurrences(script, script.includes("'h'x") ? "h'x" : "hx").length).toBeGreaterThan(0);
});

test.each([
  ["single quotes", "rm -rf -- '/srv/hx'\n"],
  ["single quotes next to an expansion", `cp '/pg/hx/'"$as"'.conf' x\n`],
  ["quoted here-document", "cat <<'TAG'\n$(hx) \"hx\" 'hx\nTAG\necho ok\n"],
  ["quoted here-document inside a command substitution", "x=$(cat <<'T'\nhx)\nT\n)\n"],
  ["comment", "echo ok # hx\n"],
  ["single quotes inside $( ) inside double quotes", `[ "$(cat 'hx' 2>/dev/null)" = x ]\n`],
])("%s is inert", (_what, script) => {
  expect(exposedOccurrences(script, "hx")).toEqual([]);
});

test("a # inside ${#x[@]} is not a comment", () => {
  const text = 'if [ ${#found[@]} -gt 0 ]; then rm hx; fi\n';
  expect(shellRegions(text)[text.indexOf("#")]).toBe("bare");
  expect(exposedOccurrences(text, "hx").length).toBe(1);
});

test("the line after a quoted here-document is code again", () => {
  const text = "cat <<'T'\nhx\nT\nrm hx\n";
  expect(exposedOccurrences(text, "hx")).toEqual(["bare: rm hx"]);
});
