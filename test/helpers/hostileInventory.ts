// An inventory whose every string field holds the nastiest value validation still accepts. Strictly
// validated fields (names, paths) carry the marker "hx" so a test can find them in scripts; free-text
// fields carry shell, SQL and quoting metacharacters around the marker "hx-pwn".

/** Free text on one line: quotes, command substitution, globs, a comment sign, a dollar-quote tag. */
export const FREE = "h'x\"$(touch /tmp/hx-pwn)`id`;rm -rf /* |&<>?[]{}~#\\!$pigsty_pw$ $$ END$$";
/** Free text over lines, for fields that may hold them (comments). */
export const FREE_LINES = `${FREE}\nhx-pwn line two $HOME\n'`;
/** Every password (one line: a line break is refused): must never appear in any script (only placeholders do). */
export const PASSWORD = `hxpw-secret'"$(reboot) $pigsty_pw$ {{secret:x}}`;

/** Values of strictly validated fields, each distinctive and containing "hx". */
export const STRICT = {
  cluster: "hx-c-",
  pgData: "/srv/-hx.data_1",
  sdDir: "/srv/-hx.sd",
  dcsName: "hx-dcs_1",
  dcsMember: "hx-m1",
  dbsu: "hx_dbsu",
  replication: "hx_repl",
  monitor: "hx_mon",
  admin: "hx_adm",
  patroniApi: "hx_api",
  haproxyAdmin: "hx_ha",
  user: "hx_user",
  database: "hx_db",
  schema: "hx_schema",
  extension: "hx-ext",
  service: "hx-svc",
  checkUrl: "/hx?a=1&b=%2A~",
  serverOptions: "inter 3s hx-opt fall 3",
  locale: "hx_HX.UTF-8@hx",
  encoding: "HX-8",
  sshUser: "hx-dba",
};

/** The raw inventory (stack-config form); `flags` picks the cluster's dangerous switches. */
export function hostileInventory(flags: { clean?: boolean; safeguard?: boolean; rmPgdata?: boolean } = {}): Record<string, unknown> {
  const reset = { register: 1, monitor: 2, haproxy: 3, pgbouncer: 4, patroni: 5, postgres: 6 };
  const s = STRICT;
  return {
    infra: { ip: "10.10.10.10", prometheus_sd_dir: s.sdDir },
    dcs: { servers: { [s.dcsMember]: "10.10.10.10", "hx-m2": "10.10.10.14" }, name: s.dcsName },
    // SSH settings stay on the laptop; hostile ones prove they never reach a host script.
    ssh: { user: s.sshUser, key_path: `~/.ssh/hx-${FREE}`, allow_unpinned_host_keys: true, bastion: { host: "10.10.10.1", user: s.sshUser, host_key: `ssh-ed25519 hx-pwn${FREE}` } },
    vars: { pg_admin_password: PASSWORD },
    clusters: {
      [s.cluster]: {
        hosts: {
          "10.10.10.11": { pg_seq: 1, pg_role: "primary", clonefrom: true, pg_reset: reset },
          "10.10.10.12": { pg_seq: 2, pg_role: "replica", nofailover: true, pg_reset: reset },
          "10.10.10.13": { pg_seq: 3, pg_role: "offline", pg_reset: reset },
        },
        vars: {
          pg_cluster: s.cluster,
          pg_data: s.pgData,
          pg_dbsu: s.dbsu,
          pg_dbsu_password: PASSWORD,
          pg_replication_username: s.replication,
          pg_replication_password: PASSWORD,
          pg_monitor_username: s.monitor,
          pg_monitor_password: PASSWORD,
          pg_admin_username: s.admin,
          pg_encoding: s.encoding,
          pg_locale: s.locale,
          patroni_username: s.patroniApi,
          patroni_password: PASSWORD,
          haproxy_admin_auth_enabled: true,
          haproxy_admin_username: s.haproxyAdmin,
          haproxy_admin_password: PASSWORD,
          pg_clean: flags.clean ?? false,
          pg_safeguard: flags.safeguard ?? false,
          rm_pgdata: flags.rmPgdata ?? false,
          rm_pgpkgs: !flags.safeguard,
          pg_maintenance: true,
          pg_users: [
            {
              name: s.user,
              password: PASSWORD,
              pgbouncer: true,
              pool_mode: "session",
              roles: ["dbrole_readwrite", "pg_monitor"],
              expire_at: "2030-12-31",
              parameters: { search_path: FREE, "hx.role_setting": FREE, work_mem: 64 },
              comment: FREE_LINES,
            },
            { name: "hx_gone", state: "absent" },
          ],
          pg_databases: [
            {
              name: s.database,
              owner: s.user,
              template: "hx_template",
              tablespace: "hx_space",
              encoding: s.encoding,
              locale: s.locale,
              schemas: [s.schema],
              extensions: [s.extension, { name: "hx_ext2", schema: s.schema }],
              parameters: { "hx.setting": FREE },
              comment: FREE_LINES,
            },
            { name: "hx_olddb", state: "absent", drop: true },
          ],
          pg_hba_rules_extra: [
            { title: FREE, role: "common", rules: ["host hx_db +hx_user,hx_mon 10.0.0.0/8 scram-sha-256", "local all hx_dbsu peer map=hx_map"] },
            { title: FREE, role: "offline", user: s.user, db: s.database, addr: "cluster", auth: "pwd" },
          ],
          pgbouncer_hba_rules_extra: [{ title: FREE, user: "+dbrole_readonly", db: s.database, addr: "intra", auth: "md5" }],
          pg_services_extra: [
            {
              name: s.service,
              src_ip: "10.10.10.3",
              src_port: 5555,
              dst_port: "postgres",
              check_url: s.checkUrl,
              selector: "[? pg_role == `h'x$(touch /tmp/hx-pwn)` || pg_seq == `1` ]",
              selector_backup: "[? pg_role == `hx-pwn'$(id)` ]",
              haproxy: { default_server_options: s.serverOptions },
            },
          ],
          pg_parameters: { application_name: FREE, "hx.custom": FREE, max_connections: 300 },
          vip_mode: "none",
        },
      },
    },
  };
}
