// The loader refuses values that could run code, inject lines or leak a password, naming the field and the fix.
import { loadInventory, InventoryError } from "../../config/load";
import { formatProblem } from "../../config/problems";
import { loadProblems, pinHostKeys } from "../helpers/inventoryFixtures";

type Edit = (inv: any) => void;

function inventory(edit: Edit): unknown {
  const inv = {
    infra: { ip: "10.10.10.10" },
    dcs: { servers: { "meta-1": "10.10.10.10" } },
    clusters: {
      "pg-test": {
        hosts: { "10.10.10.11": { pg_seq: 1, pg_role: "primary" } },
        vars: { pg_users: [{ name: "dbuser_app" }], pg_databases: [{ name: "app", owner: "dbuser_app" }] } as Record<string, any>,
      },
    },
  };
  edit(inv);
  return pinHostKeys(inv);
}

const vars = (key: string, value: unknown): Edit => (inv) => (inv.clusters["pg-test"].vars[key] = value);

/** The problems loading reports, one `<path>: <message>` line each (empty when it loads). */
const problems = (edit: Edit): string[] => loadProblems(inventory(edit));

const V = "clusters.pg-test.vars";

describe("paths", () => {
  test.each([
    ["/pg/data /", "is not a plain path"],
    ["/pg/*", "is not a plain path"],
    ["/pg/$(reboot)", "is not a plain path"],
    ["/pg/da'ta", "is not a plain path"],
    ["/pg/data\n", "is not a plain path"],
    ["/pg//data", "is not a plain path"],
    ["/pg/data/", "is not a plain path"],
    ["/pg/../etc", "has a . or .. segment"],
    ["pg/data", "is not an absolute path"],
    ["/", "is a system directory"],
    ["/etc", "is a system directory"],
    ["/var", "is a system directory"],
    ["/usr/lib", "is a system directory"],
    ["/home", "is a system directory"],
    ["/pg", "holds files this program renders"],
    ["/pg/conf", "holds files this program renders"],
    ["/etc/pigsty", "holds files this program renders"],
    ["/etc/pigsty/tls", "holds files this program renders"],
    ["/var/lib/pigsty/pending", "holds files this program renders"],
  ])("pg_data %j is refused: %s", (value, why) => {
    const found = problems(vars("pg_data", value));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`${V}.pg_data: ${JSON.stringify(value)} ${why}`);
    expect(found[0]).toMatch(/e\.g\. \/pg\/data\.$/);
  });

  test("prometheus_sd_dir is held to the same rule", () => {
    expect(problems((inv) => (inv.infra.prometheus_sd_dir = "/etc"))).toEqual([
      'infra.prometheus_sd_dir: "/etc" is a system directory, which host scripts would create, chown or remove as root. Use a directory of its own, e.g. /etc/prometheus/targets.',
    ]);
    expect(problems((inv) => (inv.infra.prometheus_sd_dir = "/srv/prom targets"))[0]).toMatch(/^infra\.prometheus_sd_dir: "\/srv\/prom targets" is not a plain path/);
  });

  test("plain directories below system directories load", () => {
    expect(problems(vars("pg_data", "/data/pg-15_main.d"))).toEqual([]);
    expect(problems((inv) => (inv.infra.prometheus_sd_dir = "/etc/prometheus/targets"))).toEqual([]);
  });
});

describe("account and object names", () => {
  test.each(["pg_dbsu", "pg_replication_username", "pg_monitor_username", "pg_admin_username", "patroni_username", "haproxy_admin_username"])(
    "%s must be an identifier",
    (key) => {
      const found = problems(vars(key, "postgres; reboot"));
      expect(found).toContainEqual(expect.stringMatching(new RegExp(`^${V}\\.${key}: "postgres; reboot" is not a valid .* name\\. Use lowercase letters, digits and _`)));
    },
  );

  test.each([
    ["template", "template1'; DROP"],
    ["tablespace", "a b"],
  ])("database %s is an identifier", (key, value) => {
    expect(problems((inv) => (inv.clusters["pg-test"].vars.pg_databases[0][key] = value))[0]).toMatch(new RegExp(`^${V}\\.pg_databases\\[0\\]\\.${key}: .* is not a valid`));
  });

  test("schemas, extensions, encodings, locales, dcs name and ssh user are checked", () => {
    const db = (key: string, value: unknown): Edit => (inv) => (inv.clusters["pg-test"].vars.pg_databases[0][key] = value);
    expect(problems(db("schemas", ["ok", 'x"; y'])).join()).toContain(`${V}.pg_databases[0].schemas[1]:`);
    expect(problems(db("extensions", ["uuid-ossp", "a b"])).join()).toContain(`${V}.pg_databases[0].extensions[1]:`);
    expect(problems(vars("pg_locale", "C; x"))[0]).toContain(`${V}.pg_locale: "C; x" is not a locale name. Use a name such as C, C.UTF-8 or en_US.UTF-8.`);
    expect(problems(vars("pg_encoding", "UTF8\n"))[0]).toContain(`${V}.pg_encoding:`);
    expect(problems((inv) => (inv.dcs.name = "../etc"))).toEqual(['dcs.name: "../etc" is not a DCS name. Use letters, digits, _ and -, e.g. pigsty.']);
    expect(problems((inv) => (inv.ssh = { user: "dba -oProxyCommand=x" }))[0]).toMatch(/^ssh\.user: .* is not a user name/);
    expect(problems(vars("vip_interface", "eth0\nVIP_IP=1.2.3.4"))[0]).toMatch(new RegExp(`^${V}\\.vip_interface: "eth0\\\\nVIP_IP=1.2.3.4" is not an interface name`));
    expect(problems((inv) => (inv.clusters["pg-test"].vars.pg_users[0].expire_at = "2030-01-01'; x"))[0]).toContain(`${V}.pg_users[0].expire_at:`);
  });

  test("HAProxy service strings cannot add configuration lines", () => {
    const svc = (extra: Record<string, unknown>): Edit => vars("pg_services_extra", [{ name: "x", src_port: 5440, ...extra }]);
    expect(problems(svc({ check_url: "/primary\n    external-check command /bin/sh" }))[0]).toContain(`${V}.pg_services_extra[0].check_url:`);
    expect(problems(svc({ src_ip: "* accept-proxy" }))[0]).toContain(`${V}.pg_services_extra[0].src_ip: "* accept-proxy" is not an address HAProxy can bind`);
    expect(problems(svc({ haproxy: { default_server_options: "inter 3s\nexternal-check" } }))[0]).toContain(`${V}.pg_services_extra[0].haproxy.default_server_options:`);
  });
});

describe("setting names (GUCs)", () => {
  test("role parameters: the key must be a setting name", () => {
    const found = problems((inv) => (inv.clusters["pg-test"].vars.pg_users[0].parameters = { "search_path = public; DROP ROLE x; --": "a" }));
    expect(found).toEqual([
      `${V}.pg_users[0].parameters.search_path = public; DROP ROLE x; --: "search_path = public; DROP ROLE x; --" is not a setting name. Use the parameter's name as Postgres spells it, e.g. work_mem or auto_explain.log_min_duration.`,
    ]);
  });

  test("pg_parameters and database parameters too; dotted custom names load", () => {
    expect(problems(vars("pg_parameters", { "work mem": 1 }))[0]).toContain(`${V}.pg_parameters.work mem: "work mem" is not a setting name`);
    expect(problems((inv) => (inv.clusters["pg-test"].vars.pg_databases[0].parameters = { "a.b.c": 1 }))[0]).toContain("is not a setting name");
    expect(problems(vars("pg_parameters", { work_mem: "64MB", "auto_explain.log_min_duration": "1s" }))).toEqual([]);
  });
});

describe("setting values", () => {
  const param = (value: unknown): Edit => vars("pg_parameters", { work_mem: value });
  const ONE_LINE = "has a line break or control character, which a setting's value cannot hold (postgresql.conf has one setting per line). Write the value on one line.";

  test.each([
    ["4MB'\narchive_command = 'sh -c reboot", '"4MB\'\\narchive_command = \'sh -c reboot"'],
    ["4MB\u0000", '"4MB\\u0000"'],
    ["4MB\r", '"4MB\\r"'],
    ["4\tMB", '"4\\tMB"'],
  ])("pg_parameters value %j is refused", (value, shown) => {
    expect(problems(param(value))).toEqual([`${V}.pg_parameters.work_mem: ${shown} ${ONE_LINE}`]);
  });

  test.each([
    [{ a: 1 }, "a mapping"],
    [["64MB"], "a list"],
    [null, "null"],
    [Infinity, "an infinite number"],
  ])("pg_parameters value %j is refused: %s", (value, what) => {
    expect(problems(param(value))).toEqual([`${V}.pg_parameters.work_mem: is ${what}, not a setting value. Give a string, a number or true/false, e.g. work_mem: 64MB.`]);
  });

  test("role and database parameter values are held to the same rule", () => {
    expect(problems((inv) => (inv.clusters["pg-test"].vars.pg_users[0].parameters = { search_path: "public\n" }))).toEqual([`${V}.pg_users[0].parameters.search_path: "public\\n" ${ONE_LINE}`]);
    expect(problems((inv) => (inv.clusters["pg-test"].vars.pg_databases[0].parameters = { work_mem: { x: 1 } }))[0]).toContain(`${V}.pg_databases[0].parameters.work_mem: is a mapping, not a setting value.`);
  });

  test("quotes, backslashes, # and spaces load (Patroni doubles ' and \\ in postgresql.conf)", () => {
    expect(problems(vars("pg_parameters", { "pigsty.probe": "a'b\\c # d", work_mem: 65536, jit: false }))).toEqual([]);
  });
});

describe("HBA", () => {
  const extra = (rule: Record<string, unknown>): Edit => vars("pg_hba_rules_extra", [rule]);
  const R = `${V}.pg_hba_rules_extra[0]`;

  test("a raw line's method must be one Postgres 15 accepts", () => {
    expect(problems(extra({ rules: ["host all all 10.0.0.0/8 scram"] }))).toEqual([
      `${R}.rules[0]: "scram" is not an auth method PostgreSQL 15 accepts. Use one of: trust, reject, scram-sha-256, md5, password, gss, sspi, ident, peer, ldap, radius, cert, pam, bsd.`,
    ]);
  });

  test("pgbouncer raw lines use pgbouncer's methods", () => {
    expect(problems(vars("pgbouncer_hba_rules_extra", [{ rules: ["host all all 10.0.0.0/8 ident"] }]))[0]).toContain("is not an auth method pgbouncer accepts");
  });

  test.each([
    ["two lines in one item", "host all all 10.0.0.0/8 md5\nhost all all 0.0.0.0/0 trust", "holds a line break"],
    ["a comment sign", "host all all 10.0.0.0/8 md5 # x", "has a #"],
    ["quotes in a token", 'host "all" all 10.0.0.0/8 md5', "is not a db name or list"],
    ["an include file", "host @/etc/passwd all 10.0.0.0/8 md5", "is not a db name or list"],
    ["a stray field after the method", "host all all 10.0.0.0/8 md5 trust", "is not an auth option"],
    ["peer on a TCP line", "host all all 10.0.0.0/8 peer", "peer works only on local"],
  ])("a raw line with %s is refused", (_what, line, why) => {
    expect(problems(extra({ rules: [line] }))[0]).toContain(`${R}.rules[0]: `);
    expect(problems(extra({ rules: [line] }))[0]).toContain(why);
  });

  test.each([
    ["user", "dbuser_app\nhost all all 0.0.0.0/0 trust"],
    ["user", "dbuser_app all"],
    ["db", "all\nhost all all 0.0.0.0/0 trust"],
    ["db", "all all"],
  ])("a structured %s with whitespace is refused", (field, value) => {
    const found = problems(extra({ user: "dbuser_app", db: "app", addr: "intra", auth: "pwd", [field]: value }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${R.replace(/[.[\]]/g, "\\$&")}\\.${field}: .* is not a ${field} name or list\\. Write names without spaces`));
  });

  test("a title is one line", () => {
    expect(problems(extra({ title: "x\nhost all all 0.0.0.0/0 trust", user: "all", db: "all", addr: "intra", auth: "pwd" }))[0]).toContain(`${R}.title: `);
  });

  test("ident over TCP loads with a warning; valid raw lines with options load", () => {
    const { warnings } = loadInventory(inventory(extra({ rules: ["host all all 10.0.0.0/8 ident map=omicron", "hostssl app +dbrole_readonly,dbuser_app samenet scram-sha-256"] })));
    expect(warnings.map(formatProblem)).toContainEqual(expect.stringMatching(/^clusters\.pg-test\.vars\.pg_hba_rules_extra\[0\]\.rules\[0\]: ident over TCP/));
  });
});

describe("passwords are never shown", () => {
  test.each([
    ["pg_admin_password", 123456789],
    ["patroni_password", ["s3cret-in-a-list"]],
    ["pg_monitor_password", { value: "s3cret-in-a-map" }],
  ])("%s with a wrong type names the field, not the value", (key, value) => {
    let thrown: unknown;
    try {
      loadInventory(inventory(vars(key, value)));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(InventoryError);
    const message = (thrown as Error).message;
    expect(message).toContain(`${V}.${key}: the given value (hidden, a password) is not a string. Write a string.`);
    expect(message).not.toContain("123456789");
    expect(message).not.toContain("s3cret");
  });

  test("a user's password too", () => {
    const found = problems((inv) => (inv.clusters["pg-test"].vars.pg_users[0].password = 987654321));
    expect(found).toEqual([`${V}.pg_users[0].password: the given value (hidden, a password) is not a string. Write a string.`]);
  });

  test("placeholder syntax is reserved outside password fields", () => {
    const found = problems((inv) => (inv.clusters["pg-test"].vars.pg_users[0].comment = "leak {{secret:pg-test/admin}}"));
    expect(found).toEqual([`${V}.pg_users[0].comment: contains {{secret:...}}, which hosts replace with a password. Remove it; give passwords only in password fields.`]);
    expect(problems(vars("pg_admin_password", "my {{secret:x}} password"))).toEqual([]);
  });
});
