// Single-quoting for POSIX sh, shared by rendered command lines (systemd units, Patroni's callbacks) and host scripts (steps/).

/** Single-quotes a word for POSIX sh. */
export function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
