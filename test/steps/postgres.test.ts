// After HBA is written and reloaded, errors that only Postgres finds (pg_hba_file_rules) fail the step.
import { spawnSync } from "node:child_process";
import { configStep, hbaCheck, patroniStep, waitSslOn } from "../../steps/postgres";
import { pgTest } from "../helpers/inventoryFixtures";

const { model } = pgTest();
const cluster = model.clusters[0];
const member = cluster.instances[1];

/** Runs the check with `runuser` standing in for the postgres query, printing `rows`. */
function check(rows: string): { status: number | null; stderr: string } {
  const stub = `runuser() { printf '%s' "$ROWS"; }`;
  const r = spawnSync("/bin/bash", ["-c", [stub, ...hbaCheck(cluster, member), "echo passed"].join("\n")], { encoding: "utf8", env: { ...process.env, ROWS: rows } });
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

test("the check runs after every HBA reload and after Patroni starts Postgres", () => {
  const config = configStep(model, cluster, member).create;
  expect(config.indexOf("from pg_hba_file_rules")).toBeGreaterThan(config.indexOf("on_role_change"));
  const patroni = patroniStep(cluster, member, 60).create;
  expect(patroni.indexOf("from pg_hba_file_rules")).toBeGreaterThan(patroni.lastIndexOf("wait_running\n"));
});

test("a member still building after the wait says what to do: wait again, where to look, how to rebuild a replica", () => {
  const script = patroniStep(cluster, member, 0).create;
  const wait = script.slice(script.indexOf("wait_running() {"), script.indexOf("\n}\n", script.indexOf("wait_running() {")) + 3);
  // pigsty-patroni stands in as a function answering like a replica that is still being built.
  const stubs = ["pigsty_patroni() { echo 'replica creating replica'; }", "say() { :; }"];
  const r = spawnSync("/bin/bash", ["-c", [...stubs, wait.replace("'/usr/local/bin/pigsty-patroni' 'status'", "pigsty_patroni"), "wait_running"].join("\n")], { encoding: "utf8" });
  expect(r.status).toBe(1);
  expect(r.stderr.trim()).toBe(
    `error: ${member.name} is not running after 0s (now: replica creating replica). Patroni keeps building it in the background; run pulumi up again to keep waiting (it will not clone again). ` +
      `To see why: journalctl -u patroni on ${member.ip}, the step log /var/log/pigsty/Patroni-service-of-${member.name}.log, and npm run pg -- list ${cluster.name}. ` +
      `A replica that stays stuck is rebuilt from the leader by npm run pg -- reinit ${cluster.name} ${member.name}.`,
  );
});

test("the config step puts the previous HBA files back and re-activates them before it fails", () => {
  const script = configStep(model, cluster, member).create;
  const keep = script.indexOf(`cp -p "$f" "$work/kept$f"`);
  const restore = script.indexOf(`cp -p "$work/kept$f" "$f"`);
  const error = script.indexOf("the previous HBA files are back in place");
  expect(keep).toBeGreaterThan(0);
  expect(keep).toBeLessThan(script.indexOf("install_file '/pg/conf/hba/"));
  expect(restore).toBeGreaterThan(script.indexOf("from pg_hba_file_rules"));
  expect(script.slice(restore, error)).toContain("on_role_change");
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
    const r = spawnSync("/bin/bash", ["-c", [...stub, waitSslOn(cluster), 'cat "$n"; rm -f "$n"'].join("\n")], { encoding: "utf8", env: { ...process.env, ANSWERS: answers.join("\n") } });
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

  test("after Patroni's reload, before the check", () => {
    const script = configStep(model, cluster, member).create;
    expect(script.indexOf("-c 'show ssl'")).toBeGreaterThan(script.indexOf("systemctl reload patroni"));
    expect(script.indexOf("-c 'show ssl'")).toBeLessThan(script.indexOf("from pg_hba_file_rules"));
  });
});
