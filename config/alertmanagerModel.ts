// Alertmanager's part of the model (no secrets) and its secret slots, from the parsed infra keys.
import type { AlertmanagerModel } from "./model";
import type { Inventory } from "./schema";
import { slot, type SecretSlots } from "./secretSlots";

export function alertmanagerModel(infra: Inventory["infra"]): AlertmanagerModel {
  const e = infra.alertmanager_email;
  return {
    groupWait: infra.alertmanager_group_wait,
    groupInterval: infra.alertmanager_group_interval,
    repeatInterval: infra.alertmanager_repeat_interval,
    webhook: infra.alertmanager_webhook_url !== undefined,
    ...(e && {
      email: { smarthost: e.smarthost, from: e.from, to: e.to, ...(e.auth_username && { authUsername: e.auth_username }), auth: e.auth_password !== undefined, requireTls: e.require_tls },
    }),
  };
}

/** The receivers' secrets by slot: only those the inventory gives (nothing is generated for them). */
export function alertmanagerSecrets(infra: Inventory["infra"]): SecretSlots {
  const out: SecretSlots = {};
  if (infra.alertmanager_webhook_url !== undefined) out[slot.alertmanagerWebhookUrl()] = infra.alertmanager_webhook_url;
  if (infra.alertmanager_email?.auth_password !== undefined) out[slot.alertmanagerSmtpPassword()] = infra.alertmanager_email.auth_password;
  return out;
}
