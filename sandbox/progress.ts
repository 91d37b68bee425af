// Progress lines: every command prints what it does, stamped with the seconds since it started.
export type Progress = (msg: string) => void;

export function makeProgress(out: (line: string) => void = (l) => console.log(l)): Progress {
  const t0 = Date.now();
  return (msg) => out(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);
}
