// Alertmanager's receivers and timing (infra.alertmanager_*): who is told, and how soon. URLs and passwords are secrets.
import { z } from "zod";
import { passwordText } from "./safeValues";
import { strictObject } from "./schemaKit";

/** What a message shows instead of a receiver's URL (it may carry a token): never the value. */
const HIDDEN = "the given value (hidden, a secret)";
const SET_SECRET = "Set the receiver's full URL as a secret: `pulumi config set --secret --path 'pigsty:inventory.infra.alertmanager_webhook_url' https://hooks.example.org/alerts`.";

/** A Prometheus duration such as 30s, 5m, 1h30m (Alertmanager's own format), above zero. */
const duration = (example: string) =>
  z.string().refine((d) => /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/.test(d) && /[1-9]/.test(d), {
    error: (i) => `${JSON.stringify(i.input)} is not a duration above zero. Write a number with a unit (ms, s, m, h, d, w, y), e.g. ${example}.`,
  });

/** Why `text` cannot be a webhook URL (without showing it), or undefined. */
export function webhookUrlProblem(text: string): string | undefined {
  if (/[\s\x00-\x1f\x7f]/.test(text)) return `${HIDDEN} has blanks or control characters. ${SET_SECRET}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${HIDDEN} is not a URL. ${SET_SECRET}`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `${HIDDEN} is not an http:// or https:// URL (Alertmanager posts JSON to it). ${SET_SECRET}`;
  if (url.hostname === "") return `${HIDDEN} has no host. ${SET_SECRET}`;
  return undefined;
}

const webhookUrl = z.string().superRefine((v, ctx) => {
  const problem = webhookUrlProblem(v);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** host:port of an SMTP server. */
const smarthost = z.string().refine((s) => /^[A-Za-z0-9.-]+:\d{1,5}$/.test(s) && Number(s.split(":")[1]) <= 65535, {
  error: (i) => `${JSON.stringify(i.input)} is not host:port. Write the SMTP server as host:port, e.g. smtp.example.org:587.`,
});

const ADDRESS = /^[^\s@,<>"]+@[A-Za-z0-9.-]+$/;
/** One address, or several separated by commas (Alertmanager's `to`). */
const addresses = (one: boolean) =>
  z.string().refine((s) => (one ? [s] : s.split(",").map((a) => a.trim())).every((a) => ADDRESS.test(a)), {
    error: (i) => `${JSON.stringify(i.input)} is not ${one ? "an e-mail address" : "a list of e-mail addresses"}. Write ${one ? "one address" : "addresses separated by commas"}, e.g. dba@example.org.`,
  });

/** Mail through an SMTP server. */
export const EmailReceiverSchema = strictObject({
  /** The SMTP server, host:port. */
  smarthost,
  /** The sender address. */
  from: addresses(true),
  /** The recipients, comma-separated. */
  to: addresses(false),
  /** SMTP AUTH user; without it no authentication. */
  auth_username: z.string().min(1).optional(),
  /** SMTP AUTH password: a secret (`pulumi config set --secret --path ...`). */
  auth_password: passwordText.optional(),
  /** Refuse to send without STARTTLS. Default true. */
  require_tls: z.boolean().default(true),
}).superRefine((e, ctx) => {
  if (e.auth_password !== undefined && e.auth_username === undefined) {
    ctx.addIssue({ code: "custom", path: ["auth_username"], message: "is required with auth_password (SMTP AUTH needs both). Add the SMTP user, or remove auth_password." });
  }
});

/** The infra keys of Alertmanager (InfraSchema spreads them). */
export const ALERTMANAGER_KEYS = {
  /** How long a new group (a cluster's alert) waits for more alerts before its first notification. Default 30s. */
  alertmanager_group_wait: duration("30s").default("30s"),
  /** How long a group waits before it tells of alerts added to it (or resolved). Default 5m. */
  alertmanager_group_interval: duration("5m").default("5m"),
  /** How often a group that still fires is told again. Default 4h. */
  alertmanager_repeat_interval: duration("4h").default("4h"),
  /** A webhook receiver's URL (Alertmanager's JSON POST), a secret. Default: none. */
  alertmanager_webhook_url: webhookUrl.optional(),
  /** Mail receiver. Default: none. */
  alertmanager_email: EmailReceiverSchema.optional(),
};
