// The instance scope's step on the infra node: the instance's Prometheus registration (SOP S9).
import type { Model, ScrapeTarget } from "../config/model";
import { targetFiles } from "../render/files";
import { fileSdPath } from "../render/prometheus";
import { quote } from "./shell";
import { filesStep, type HostStep } from "./step";

/**
 * SOP S9: one target file per instance, created with it and removed with it. `resetLines` (S11,
 * steps/reset.ts) run before the file is written; a reset removes it, so it is written afresh.
 */
export function registerStep(model: Model, target: ScrapeTarget, reset: (actions: string[]) => string[] = () => []): HostStep {
  const path = fileSdPath(model, target);
  const files = Object.entries(targetFiles(model, target)).map(([p, content]) => ({ path: p, content }));
  const remove = `rm -f ${quote(path)}`;
  return filesStep(`Prometheus registration of ${target.instance}`, { before: reset([remove]), files, removal: [remove] });
}
