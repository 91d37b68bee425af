// Debian's EnvironmentFiles for the packaged units (etcd, the exporters, Alertmanager): a comment line, then one
// double-quoted `KEY="value"` line per variable, in the order given.

/** The file: `# <header>`, then the variables. Values go in as they are (systemd reads them; no quoting inside). */
export function environmentFile(header: string, variables: Record<string, string | number>): string {
  const lines = Object.entries(variables).map(([key, value]) => `${key}="${value}"`);
  return [`# ${header}`, ...lines, ""].join("\n");
}
