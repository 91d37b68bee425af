// How PostgreSQL 15 reads a setting's text: booleans, integers and reals with their units, rounding as the server does.
// test/scripts/pgSettingsCatalogue.real.test.ts compares these readings with a real server's (real-tools tier).
import { acceptedUnits, parseBool, parseNumber, rint } from "../../config/pgValueParse";

test.each([
  ["on", true], ["OFF", false], ["true", true], ["False", false], ["yes", true], ["no", false], ["1", true], ["0", false],
  ["t", true], ["tr", true], ["f", false], ["y", true], ["n", false], ["of", false],
])("boolean %j reads as %s", (text, value) => {
  expect(parseBool(text)).toBe(value);
});

test.each(["", "o", "2", "10", "ye s", " on", "on ", "onn", "truth", "disabled"])("boolean %j is refused", (text) => {
  expect(parseBool(text)).toBeUndefined();
});

test.each([
  ["64", "kB", 64],
  ["64MB", "kB", 65536],
  ["1GB", "kB", 1048576],
  ["1.5GB", "kB", 1572864],
  ["1.001GB", "kB", 1049600], // a fraction rounds to the next smaller unit (MB) first
  ["1024B", "kB", 1],
  ["1536B", "kB", 2], // 1.5 kB rounds half to even
  ["2560B", "kB", 2],
  ["1GB", "8kB", 131072],
  ["64kB", "8kB", 8],
  ["1GB", "MB", 1024],
  ["5min", "ms", 300000],
  ["5min", "s", 300],
  ["1h", "min", 60],
  ["1d", "s", 86400],
  ["1500us", "ms", 2],
  ["0x10", null, 16],
  ["010", null, 8],
  ["-0x10", null, -16],
  [" 12 ", null, 12],
  ["12 kB", "kB", 12],
  ["1e3", null, 1000],
  [".5", null, 0],
  ["2.5", null, 2],
  ["3.5", null, 4],
])("integer %j in %s reads as %d", (text, unit, value) => {
  expect(parseNumber(text, "integer", unit)).toBe(value);
});

test.each([
  ["64mb", "kB"], // units are case-sensitive
  ["64 M B", "kB"],
  ["1minute", "s"],
  ["1GB", "s"], // a size for a duration
  ["1s", "kB"],
  ["100kB", null], // a unit on a setting without one
  ["08", null], // octal has no 8
  [" .5", null], // strtol reads nothing, and stops at a space, not a decimal point
  ["1.5e", null],
  ["inf", null],
  ["nan", null],
  ["", null],
  ["0x", null],
])("integer %j in %s is refused", (text, unit) => {
  expect(parseNumber(text, "integer", unit)).toBeUndefined();
});

test("an integer beyond a C int reads as infinite, so every range refuses it", () => {
  expect(parseNumber("2TB", "integer", "kB")).toBe(Infinity);
  expect(parseNumber("-3000000000", "integer", null)).toBe(-Infinity);
});

test.each([
  ["0.5", null, 0.5],
  ["2.5ms", "ms", 2.5],
  ["100us", "ms", 0.1],
  ["0.5s", "ms", 500],
  ["1e-3", null, 0.001],
  ["0x1.8p1", null, 3],
  [" inf", null, Infinity],
])("real %j in %s reads as %d", (text, unit, value) => {
  expect(parseNumber(text, "real", unit)).toBe(value);
});

test.each(["1e400", "1e-400", "nan", "x", "1 x"])("real %j is refused", (text) => {
  expect(parseNumber(text, "real", null)).toBeUndefined();
});

test("units accepted by sizes and by durations, as Postgres lists them", () => {
  expect(acceptedUnits("8kB")).toEqual(["TB", "GB", "MB", "kB", "B"]);
  expect(acceptedUnits("s")).toEqual(["d", "h", "min", "s", "ms", "us"]);
});

test("rint rounds halves to even, as C does", () => {
  expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(rint)).toEqual([0, 2, 2, -0, -2, -2, 2, -3]);
});
