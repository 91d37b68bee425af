// The cluster's L2 VIP on one member (vip_mode l2): keepalived's config, its restart drop-in, the callback's sudoers rule.
import type { ClusterModel, InstanceModel } from "../config/model";
import { renderKeepalivedConf, renderKeepalivedDropIn, renderVipSudoers, vipCidr } from "../render/keepalived";
import { KEEPALIVED_CONF, KEEPALIVED_DROP_IN, VIP_SCRIPT_USER, VIP_SUDOERS } from "../render/paths";
import { stopService } from "./services";
import { quote } from "./shell";
import { filesStep, type HostStep } from "./step";
import { fail, sayWords } from "./words";

/** Removes the VIP from the interface where it is still there (a keepalived that was killed leaves it behind). */
export function dropVipLines(cluster: ClusterModel): string[] {
  const vip = cluster.vip!;
  const cidr = vipCidr(vip);
  return [
    `if ip -o -4 addr show dev ${quote(vip.interface)} 2>/dev/null | grep -qF ${quote(` inet ${cidr} `)}; then`,
    `  ip addr del ${quote(cidr)} dev ${quote(vip.interface)}`,
    `  ${sayWords(`removed the VIP ${cidr} from ${vip.interface}`)}`,
    "fi",
  ];
}

/**
 * keepalived comes from Debian (installed by the prepare step when the cluster has a VIP); a changed config is
 * reloaded (SIGHUP: the VRRP state and the VIP stay where they are), a stopped keepalived started. Removal (vip_mode
 * back to none, or the member removed) stops keepalived, which drops the VIP, and drops it by hand if still there.
 */
export function vipStep(cluster: ClusterModel, instance: InstanceModel): HostStep {
  const vip = cluster.vip;
  if (!vip) throw new Error(`cluster ${cluster.name} has no VIP (vip_mode l2): make its vip step only with one`);
  const before = [
    `ip link show dev ${quote(vip.interface)} >/dev/null 2>&1 || ${fail(`error: ${instance.name} has no interface ${vip.interface} for the VIP ${vipCidr(vip)}. Set vip_interface to the members' interface (ip -br link shows them), then run pulumi up again.`)}`,
    // keepalived runs the check as this user (enable_script_security): it can read the CA, and nothing else of ours.
    `id -u ${VIP_SCRIPT_USER} >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ${VIP_SCRIPT_USER}`,
  ];
  return filesStep(`VIP of ${instance.name}`, {
    before,
    files: [
      { path: KEEPALIVED_CONF, content: renderKeepalivedConf(cluster, instance) },
      { path: KEEPALIVED_DROP_IN, content: renderKeepalivedDropIn() },
      { path: VIP_SUDOERS, content: renderVipSudoers(cluster), mode: "0440", check: "visudo -cq -f" },
    ],
    onChange: [
      "systemctl daemon-reload",
      "if systemctl -q is-active keepalived; then",
      `  systemctl reload keepalived && ${sayWords("keepalived reloaded")}`,
      "else",
      "  systemctl restart keepalived",
      "fi",
    ],
    always: ["systemctl enable -q keepalived", "systemctl -q is-active keepalived || systemctl start keepalived"],
    removal: [
      ...stopService("keepalived"),
      ...dropVipLines(cluster),
      `rm -f ${[KEEPALIVED_CONF, KEEPALIVED_DROP_IN, VIP_SUDOERS].map(quote).join(" ")}`,
      "systemctl daemon-reload",
    ],
  });
}
