// After HBA is written and reloaded, errors that only Postgres finds (pg_hba_file_rules) fail the step; the config
// and Patroni steps run against a scratch root (test/helpers/fakeHost.ts), with Patroni's helper and Postgres standing in.
import { spawnSync } from "node:child_process";
import { PATRONI_HELPER } from "../../render/paths";
import { configStep, hbaCheck, patroniStep, waitSslOn } from "../../steps/postgres";
import type { HostStep } from "../../steps/step";
import { fakeHost } from "../helpers/fakeHost";
import { libraryFunctionText } from "../helpers/stepLibrary";
import { pgTest } from "../helpers/inventoryFixtures";

const { model } = pgTest();
const cluster = model.clusters[0];
const member = cluster.instances[1];
const host = fakeHost();

const PSQL = "runuser -u postgres -- /usr/lib/postgresql/15/bin/psql -X -h /var/run/postgresql -p 5432 -d postgres -Atq -c";
const SHOW_SSL = `${PSQL} show ssl`;
const HBA_QUERY = `${PSQL} select 'line ' || line_number || ': ' || error from pg_hba_file_rules where error is not null`;
const ROLE_CHANGE = "runuser -u postgres -- /pg/bin/pg-role-change on_role_change replica pg-test";

/** Runs `step` where Patroni's helper says `helper` to each command, Postgres has ssl on and reports `hbaErrors`. */
function runWithPostgres(step: HostStep, helper: string, hbaErrors: string) {
  const h = host();
  h.stub(PATRONI_HELPER, helper);
  h.stub("runuser", 'case "$*" in *"show ssl"*) echo on;; *pg_hba_file_rules*) printf "%s" "$HBA_ERRORS";; esac');
  const secrets = JSON.stringify(Object.fromEntries(step.secrets.map((s) => [s, "pw"])));
  return h.run(step.create, { stdin: secrets, env: { HBA_ERRORS: hbaErrors } });
}

/** Runs the check with `runuser` standing in for the postgres query, printing `rows`. */
function check(rows: string): { status: number | null; stderr: string } {
  const stub = `runuser() { printf '%s' "$ROWS"; }`;
  const r = spawnSync("/bin/bash", ["-c", [stub, libraryFunctionText("local_sql", "hba_errors"), ...hbaCheck(cluster, member), "echo passed"].join("\n")], { encoding: "utf8", env: { ...process.env, ROWS: rows } });
  return { status: r.status, stderr: r.stderr };
}

test("an HBA error reported by Postgres fails the step, naming the line, the error and the field to fix", () => {
  const r = check("line 12: unrecognized authentication option name: \"foo\"\nline 13: hostssl record cannot match because SSL is disabled\n");
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("rejects its HBA file /pg/conf/pg_hba.conf");
  expect(r.stderr).toContain('line 12: unrecognized authentication option name: "foo";line 13: hostssl record');
  expect(r.stderr).toContain("clusters.pg-test.vars.pg_hba_rules");
});

test("no error rows (or no running Postgres) passes", () => {
  expect(check("").status).toBe(0);
});

describe("the config step on a member whose Patroni runs", () => {
  /** The step over the previous HBA files; Patroni runs, its helper says the member is a replica. */
  function deploy(hbaErrors: string) {
    host().stub("systemctl");
    for (const f of ["primary", "replica"]) host().write(`/pg/conf/hba/${f}.conf`, `previous ${f}\n`, 0o600);
    host().write("/pg/conf/pg_hba.conf", "previous replica\n", 0o600);
    return runWithPostgres(configStep(model, cluster, member), 'if [ "$1" = role ]; then echo replica; fi', hbaErrors);
  }

  test("installs the helper (root's, executable) before it asks it; reloads Patroni, waits for ssl, then checks HBA", () => {
    const r = deploy("");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => !c.startsWith("own "))).toEqual([
      `kept 0755 root:root ${PATRONI_HELPER}`,
      "systemctl -q is-active patroni",
      `${PATRONI_HELPER} role`,
      ROLE_CHANGE,
      "systemctl reload patroni",
      SHOW_SSL,
      HBA_QUERY,
    ]);
    expect(host().read("/pg/conf/hba/replica.conf")).not.toContain("previous");
    expect(host().mode("/pg/conf/hba/replica.conf")).toBe("0600");
    expect(host().owners(r.calls)["/pg/conf/hba/replica.conf"]).toBe("postgres:postgres");
  });

  test("HBA that Postgres rejects: the previous files are put back and activated again before the step fails", () => {
    const r = deploy("line 3: bad");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: Postgres on pg-test-2 rejects its HBA file /pg/conf/pg_hba.conf (line 3: bad), so the previous HBA files are back in place.");
    for (const f of ["primary", "replica"]) expect(host().read(`/pg/conf/hba/${f}.conf`)).toBe(`previous ${f}\n`);
    expect(r.calls.slice(r.calls.indexOf(HBA_QUERY))).toEqual([HBA_QUERY, `${PATRONI_HELPER} role`, ROLE_CHANGE]);
  });
});

test("the Patroni step checks HBA once Patroni started Postgres, and fails on an error Postgres reports", () => {
  host().stub("systemctl", '[ "$*" != "-q is-active patroni" ]');
  const r = runWithPostgres(patroniStep(cluster, member, 60), 'if [ "$1" = status ]; then echo "replica running"; fi', "line 12: bad");
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("error: Postgres on pg-test-2 rejects its HBA file /pg/conf/pg_hba.conf (line 12: bad), so it keeps the rules it had.");
  const order = ["systemctl start patroni", `${PATRONI_HELPER} status`, HBA_QUERY].map((c) => r.calls.indexOf(c));
  expect(order.every((i) => i >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
});

test("a member still building after the wait says what to do: wait again, where to look, how to rebuild a replica", () => {
  host().stub("systemctl");
  // The helper answers like a replica that is still being built; the step waits 0 s.
  const r = runWithPostgres(patroniStep(cluster, member, 0), "echo 'replica creating replica'", "");
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(
    `\nerror: ${member.name} is not running after 0s (now: replica creating replica). Patroni keeps building it in the background; run pulumi up again to keep waiting (it will not clone again). ` +
      `To see why: journalctl -u patroni on ${member.ip}, the step log /var/log/pigsty/Patroni-service-of-${member.name}.log, and npm run pg -- list ${cluster.name}. ` +
      `A replica that stays stuck is rebuilt from the leader by npm run pg -- reinit ${cluster.name} ${member.name}.\n`,
  );
  expect(r.calls).not.toContain(HBA_QUERY);
});

describe("before the check, the config step waits for Patroni to turn ssl on (hostssl lines are errors until then)", () => {
  /** Runs the wait with `runuser` answering `answers` in turn (a missing answer: Postgres does not answer); returns how often it asked. */
  function wait(answers: string[]): number {
    const stub = [
      // Each call runs in a command substitution (a subshell): the count lives in a file.
      'n=$(mktemp); echo 0 >"$n"',
      'runuser() { local k; k=$(($(cat "$n") + 1)); echo "$k" >"$n"; local a; a=$(sed -n "${k}p" <<<"$ANSWERS"); [ -n "$a" ] || return 2; printf "%s" "$a"; }',
      "sleep() { :; }",
    ];
    const r = spawnSync("/bin/bash", ["-c", [...stub, libraryFunctionText("local_sql", "wait_ssl_on"), waitSslOn(cluster), 'cat "$n"; rm -f "$n"'].join("\n")], { encoding: "utf8", env: { ...process.env, ANSWERS: answers.join("\n") } });
    return Number(r.stdout.trim());
  }

  test("until Postgres says on", () => {
    expect(wait(["off", "off", "on", "on"])).toBe(3);
    expect(wait(["on"])).toBe(1);
  });

  test("not while Postgres does not answer, and at most 30 times", () => {
    expect(wait([])).toBe(1);
    expect(wait(Array(40).fill("off"))).toBe(30);
  });
});
