// `npm run up`'s reading of pulumi up's arguments (scripts/upArgs.ts): each option with its value, words kept as typed.
import { isSet, parseUpArgs, valuesOf, wordsOf } from "../../scripts/upArgs";

test("long and short options, with the value in the next word or after =, keep their words", () => {
  const args = ["--stack", "prod", "-y", "--target=urn:a", "-t", "urn:b", "-sdev", "--policy-pack", "policies", "--skip-preview", "-p", "4"];
  const options = parseUpArgs(args);
  expect(options.map((o) => o.name)).toEqual(["stack", "yes", "target", "target", "stack", "policy-pack", "skip-preview", "parallel"]);
  expect(valuesOf(options, "target")).toEqual(["urn:a", "urn:b"]);
  expect(valuesOf(options, "stack")).toEqual(["prod", "dev"]);
  expect(wordsOf(options)).toEqual(args);
});

test("flags joined in one word are passed on one by one; --refresh takes a value only after =", () => {
  const options = parseUpArgs(["-yf", "--refresh", "--stack", "dev"]);
  expect(options.map((o) => [o.name, o.value])).toEqual([["yes", undefined], ["skip-preview", undefined], ["refresh", undefined], ["stack", "dev"]]);
  expect(wordsOf(options)).toEqual(["-y", "-f", "--refresh", "--stack", "dev"]);
  expect(isSet(parseUpArgs(["--refresh=false"]), "refresh")).toBe(false);
  expect(isSet(parseUpArgs(["-h"]), "help")).toBe(true);
});

test("a value-taking option without its value, or flags it cannot tell apart, are refused", () => {
  expect(() => parseUpArgs(["--yes", "--stack"])).toThrow("--stack needs a value");
  expect(() => parseUpArgs(["-yz"])).toThrow("cannot tell its flags apart");
});

test("words after -- are positional", () => {
  expect(parseUpArgs(["--", "--yes"]).map((o) => [o.name, o.value])).toEqual([["", "--yes"]]);
});
