// SOP S11: a per-component reset counter. Raising it re-runs the component's step, which then redeploys it once.
// The in-place restore's counter (pg_pitr.restore) likewise re-runs the cluster steps that follow a restore.
import { RESET_RISK, type ClusterModel, type InstanceModel, type ResetComponent } from "../config/model";
import { RESET_DIR } from "../render/paths";
import { quote } from "./shell";
import { sayWords } from "./words";


/**
 * Lines that perform `actions` once per raised counter: the host records the last number it
 * applied, so re-runs for other reasons do not reset again. Nothing is added when the counter is
 * unset, so configs without resets render exactly as before. The comment line puts the risk in
 * the preview's diff of the step.
 */
export function resetBlock(instance: InstanceModel, component: ResetComponent, actions: string[]): string[] {
  const n = instance.reset[component];
  if (n === undefined) return [];
  const record = quote(`${RESET_DIR}/${instance.name}.${component}`);
  const count = quote(String(n));
  return [
    `# reset ${component} of ${instance.name}, number ${n} (${RESET_RISK[component]})`,
    `if [ "$(cat ${record} 2>/dev/null || echo 0)" -lt ${count} ]; then`,
    `  ${sayWords(`reset ${n} of ${component} on ${instance.name}`)}`,
    ...actions.map((l) => `  ${l}`),
    `  install -d ${quote(RESET_DIR)} && echo ${count} >${record}`,
    "fi",
  ];
}

/**
 * A comment for the steps that must run again after an in-place restore (roles, databases, dynamic config): the
 * restored data holds the roles and databases of its target, and the DCS starts from patroni.yml's bootstrap config.
 */
export function afterRestoreNote(cluster: ClusterModel): string[] {
  const r = cluster.pitr?.inPlace;
  return r ? [`# runs again after in-place restore ${r.number} of ${cluster.name} (the restored data and DCS state are as of its target)`] : [];
}
