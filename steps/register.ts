// The instance scope's step on the infra node: the instance's Prometheus registration (SOP S9).
import type { Model, ScrapeTarget } from "../config/model";
import { targetFiles } from "../render/files";
import { quote } from "./shell";
import { filesStep, type HostStep } from "./step";

/**
 * SOP S9: one target file per instance and job, created with it and removed with it. `resetLines` (S11,
 * steps/reset.ts) run before the files are written; a reset removes them, so they are written afresh.
 */
export function registerStep(model: Model, target: ScrapeTarget, reset: (actions: string[]) => string[] = () => []): HostStep {
  const files = Object.entries(targetFiles(model, target)).map(([p, content]) => ({ path: p, content }));
  const remove = `rm -f ${files.map((f) => quote(f.path)).join(" ")}`;
  return filesStep(`Prometheus registration of ${target.instance}`, { before: reset([remove]), files, removal: [remove] });
}
