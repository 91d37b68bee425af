// vip-manager config (Debian's /etc/default/vip-manager): binds the L2 VIP on whichever member leads.
import type { ClusterModel, InstanceModel, Model } from "../config/model";
import { PATRONI_NAMESPACE } from "./patroni";

/**
 * Returns undefined when the cluster has no VIP. Caveat (checked on Debian 12): the packaged
 * vip-manager 1.0.2 reads etcd through the v2 API, while Patroni's etcd3 writes v3 keys, so the
 * deploy needs vip-manager >= 2 (v3 API) for the trigger key to be seen.
 */
export function renderVipManagerEnv(model: Model, cluster: ClusterModel, instance: InstanceModel): string | undefined {
  if (!cluster.vip) return undefined;
  const endpoints = model.dcs.endpoints.map((e) => `http://${e}`).join(",");
  const key = `${PATRONI_NAMESPACE}${cluster.name}/leader`;
  return [
    `# vip-manager of ${instance.name}: holds ${cluster.vip.address} while ${instance.name} is the leader. Rendered by pigsty-pulumi.`,
    `VIP_IP="${cluster.vip.address}"`,
    `VIP_MASK="${cluster.vip.cidrmask}"`,
    `VIP_NETMASK="${cluster.vip.cidrmask}"`,
    `VIP_IFACE="${cluster.vip.interface}"`,
    `VIP_KEY="${key}"`,
    `VIP_TRIGGER_KEY="${key}"`,
    `VIP_HOST="${instance.name}"`,
    `VIP_TRIGGER_VALUE="${instance.name}"`,
    'VIP_TYPE="etcd"',
    `VIP_ENDPOINT="${endpoints}"`,
    `VIP_DCS_ENDPOINTS="${endpoints}"`,
    "",
  ].join("\n");
}
