// Passwords for tests of escaping: valid inventory values that break a file when written unescaped.

/** Passwords an attacker or a careless user could write: every one must survive every format. */
export const HOSTILE_PASSWORDS = [
  `double"quote`,
  "single'quote",
  "back\\slash\\",
  "co:lon::",
  "at@sign/slash%25percent#hash",
  "$dollar ${HOME} $(id) `id`",
  "  leading and trailing spaces  ",
  "{{secret:pg-test/monitor|yaml}} }} {{",
  "unicode é ü 密码 😀",
  "yaml: - [a, b] {c: d} & * ! | > ? %",
  "url?query=1&x=y+z",
  "x".repeat(1000),
  "😀".repeat(256),
];
