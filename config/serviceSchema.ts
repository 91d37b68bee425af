// Schema of one HAProxy service (Pigsty v1 `pg_services` entry) and the four default services.
import { z } from "zod";
import { matching } from "./safeValues";
import { isIpv4, port, strictObject } from "./schemaKit";

/** HAProxy tuning for one service. */
const HaproxyOptionsSchema = strictObject({
  /** maxconn of the listen section. Default 3000. */
  maxconn: z.number().int().positive().default(3000),
  /** Balance algorithm. Default roundrobin. */
  balance: z.enum(["roundrobin", "leastconn", "first", "source"]).default("roundrobin"),
  /** `default-server` options. Default Pigsty's health-check timings. */
  default_server_options: matching(/^[A-Za-z0-9_.:-]+( [A-Za-z0-9_.:-]+)*$/, "a list of default-server options", "Write HAProxy keywords and values separated by single spaces on one line, e.g. inter 3s fall 3")
    .default("inter 2s fastinter 1s downinter 1s rise 2 fall 3 on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100"),
});

/**
 * One service exposed by HAProxy on every member. Selectors use the JMESPath subset Pigsty ships:
 * "[]" (all members) or "[? <cond> ]" where cond combines `pg_role == \`x\``, `pg_role != \`x\``,
 * `pg_offline_query`, `!pg_offline_query`, `pg_seq == \`n\`` with && and ||.
 */
export const ServiceSchema = strictObject({
  /** Service name, suffix of the HAProxy section `<cluster>-<name>`. */
  name: z.string().regex(/^[a-z][a-z0-9_-]*$/, "must be lowercase letters, digits, - or _"),
  /** Address HAProxy binds. Default "*". */
  src_ip: z.string().refine((v) => v === "*" || isIpv4(v), { error: (i) => `${JSON.stringify(i.input)} is not an address HAProxy can bind. Use * (every address) or an IPv4 address, e.g. 10.10.10.3.` }).default("*"),
  /** Port HAProxy listens on, on every member. */
  src_port: port,
  /** Backend port: "postgres" (pg_port), "pgbouncer" (pgbouncer_port) or a number. Default pgbouncer. */
  dst_port: z.union([z.enum(["postgres", "pgbouncer"]), port]).default("pgbouncer"),
  /** Health check method; Patroni's REST API answers http. Default http. */
  check_method: z.literal("http").default("http"),
  /** Health check port: "patroni" (patroni_port) or a number. Default patroni. */
  check_port: z.union([z.literal("patroni"), port]).default("patroni"),
  /** Patroni endpoint that must answer check_code, e.g. /primary, /read-only, /replica. */
  check_url: matching(/^\/[A-Za-z0-9._~\/?=&%+-]*$/, "a Patroni endpoint", "Write a path such as /primary, /replica or /read-only (no spaces or quotes)").default("/"),
  /** Expected HTTP status. Default 200. */
  check_code: z.number().int().min(100).max(599).default(200),
  /** Members that serve this service. Default "[]" (all). */
  selector: z.string().default("[]"),
  /** Members used only when every selected member is down (HAProxy `backup`). */
  selector_backup: z.string().optional(),
  /** HAProxy tuning. */
  haproxy: HaproxyOptionsSchema.prefault({}),
});

export type ServiceInput = z.infer<typeof ServiceSchema>;

/** Pigsty's four default services, in raw (pre-default) form. */
export const DEFAULT_SERVICES = [
  { name: "primary", src_port: 5433, dst_port: "pgbouncer", check_url: "/primary", selector: "[]" },
  {
    name: "replica",
    src_port: 5434,
    dst_port: "pgbouncer",
    check_url: "/read-only",
    selector: "[]",
    selector_backup: "[? pg_role == `primary`]",
  },
  { name: "default", src_port: 5436, dst_port: "postgres", check_url: "/primary", selector: "[]" },
  {
    name: "offline",
    src_port: 5438,
    dst_port: "postgres",
    check_url: "/replica",
    selector: "[? pg_role == `offline` || pg_offline_query ]",
    selector_backup: "[? pg_role == `replica` && !pg_offline_query]",
  },
] as const;
