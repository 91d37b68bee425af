// Hardening on real hosts through the engine: a step that fails half-way finishes on the next `up`, HBA errors
// that only Postgres sees fail the step, secrets stay encrypted in the state, a hostile password works in every
// file it reaches, and the engine or the host refuses removals that would lose the leader or a protected cluster.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { passwords, patroniList, psql, settled, waitMembers } from "../helpers/cluster";
import { E2E_STACK, named, plan, setInventory, tryUp } from "../helpers/engine";
import { pg } from "../helpers/operator";
import { apply, type Deployment, type Inventory } from "../helpers/scenario";
import { REPO_ROOT, sshOk, sshRun } from "../helpers/sandbox";
import { stepName } from "../../../config/stepCatalogue";

const members = ["pg-test-1", "pg-test-2", "pg-test-3"];
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const HOSTILE_PASSWORD = `h"o'st:i\\le @#$%{{x}} /;--密`;

/** The inventory edit these cases need at deployment: a business user whose password holds every quoting hazard. */
export function withHostileUser(inv: Inventory): void {
  const users = inv.clusters["pg-test"].vars.pg_users as Record<string, unknown>[];
  users.push({ name: "dbuser_hostile", password: HOSTILE_PASSWORD, pgbouncer: true, roles: ["dbrole_readwrite"] });
}

/** The hardening cases on `deployment()`: the dev inventory with `withHostileUser`, deployed, pg-test-1 leading. */
export function hardeningCases(deployment: () => Deployment): void {
  let d: Deployment;
  const vars = () => d.inventory.clusters["pg-test"].vars;

  /** Applies `edit` to a copy of the inventory and runs `up`, which must fail; the stack config is left edited. */
  async function failingUp(edit: (inv: Inventory) => void) {
    edit(d.inventory);
    await setInventory(d.stack, d.inventory);
    const run = await tryUp(d.stack);
    expect(run.error).toBeDefined();
    return run;
  }

  const leader = async () => ((await patroniList("pg-test-3")).find((m) => m.Role === "Leader") as { Member: string }).Member;

  beforeAll(async () => {
    d = deployment();
    await waitMembers(settled(members));
  }, 300_000);

  it("keeps the output of every command that reads secrets encrypted in the state", async () => {
    const state = await d.stack.exportStack();
    const commands = state.deployment.resources.filter((r: { type: string }) => r.type === "command:remote:Command");
    const withStdin = commands.filter((r: { inputs: Record<string, unknown> }) => r.inputs.stdin !== undefined);
    expect(withStdin.length).toBeGreaterThan(5);
    for (const r of withStdin) expect(`${r.urn}: ${JSON.stringify(r.outputs.stdout).includes(SECRET_SIG)}`).toBe(`${r.urn}: true`);
    // The checkpoint on disk (the export above shows secrets decrypted): no password, no key in the clear.
    const onDisk = readFileSync(join(REPO_ROOT, ".state", ".pulumi", "stacks", "pigsty", `${E2E_STACK}.json`), "utf8");
    expect(onDisk.includes("st:i")).toBe(false);
    expect(onDisk.includes("PRIVATE KEY-----")).toBe(false);
    expect(onDisk.includes(passwords.dbuser_test)).toBe(false);
  });

  it("lets a user with a hostile password in directly, through pgbouncer and through HAProxy", async () => {
    for (const [host, port] of [["10.10.10.12", 5432], ["10.10.10.12", 6432], ["10.10.10.13", 5433]] as const) {
      const out = await sshOk("pg-test-1", `PGPASSWORD="$(cat)" psql -X -At -h ${host} -p ${port} -U dbuser_hostile -d test -c "select current_user"`, { input: HOSTILE_PASSWORD });
      expect(`${port}: ${out.trim()}`).toBe(`${port}: dbuser_hostile`);
    }
  }, 120_000);

  it("fails the config steps when Postgres rejects an HBA line, keeps the old rules, and passes once it is fixed", async () => {
    const run = await failingUp((inv) => {
      (inv.clusters["pg-test"].vars.pg_hba_rules_extra as unknown[]).push({ title: "an option Postgres does not know", rules: ["host all all 10.30.0.0/16 scram-sha-256 foo=bar"] });
    });
    expect(run.error).toContain("rejects its HBA file /pg/conf/pg_hba.conf");
    expect(run.error).toContain('unrecognized authentication option name: "foo"');
    expect(run.error).toContain("the previous HBA files are back in place");
    // Every member that tried it put its previous HBA files back: no bad line on disk, none loaded.
    for (const n of members) {
      expect(`${n}: ${await sshOk(n, "sudo grep -l 'foo=bar' /pg/conf/pg_hba.conf /pg/conf/hba/*.conf || true")}`).toBe(`${n}: `);
      expect(await sshOk(n, "sudo -iu postgres psql -X -At -c 'select count(*) from pg_hba_file_rules where error is not null'")).toBe("0");
    }
    expect((await psql("10.10.10.12", 5432, "SELECT 1")).trim()).toBe("1");
    // The engine's state never took the bad rule, and the hosts match it: the reverted config has nothing to do.
    const reverted = await apply(d, "hba reverted", (inv) => {
      (inv.clusters["pg-test"].vars.pg_hba_rules_extra as unknown[]).pop();
    });
    expect(reverted.planned).toEqual({});
  }, 600_000);

  it("a HAProxy reload that cannot load fails the step, the old config keeps serving, and the next up finishes the reload", async () => {
    await sshOk("pg-test-2", "sudo systemd-run --quiet --unit=e2e-port-blocker python3 -m http.server 5440 --bind 0.0.0.0");
    try {
      const service = { name: "extra", src_port: 5440, dst_port: "postgres", check_url: "/primary", selector: "[]" };
      const run = await failingUp((inv) => {
        inv.clusters["pg-test"].vars.pg_services_extra = [service];
      });
      expect(run.error).toContain("HAProxy on pg-test-2 did not load its new config, so it still serves the old one");
      expect((await psql("10.10.10.12", 5433, "SELECT 1")).trim()).toBe("1");
      // The old haproxy.cfg is back on disk, as the engine's state records it.
      expect(await sshOk("pg-test-2", "sudo grep -c ':5440' /etc/haproxy/haproxy.cfg || true")).toBe("0");
    } finally {
      await sshRun("pg-test-2", "sudo systemctl stop e2e-port-blocker");
    }
    // The engine retries the step that failed; it installs the new file again and reloads.
    const retried = await apply(d, "haproxy retried", () => undefined);
    expect(named(retried.result.changes, "update")).toEqual([stepName("pg-test-2", "haproxy")]);
    expect(await sshOk("pg-test-2", "sudo ss -Hltnp 'sport = :5440'")).toContain("haproxy");
    expect((await psql("10.10.10.12", 5440, "SELECT 1")).trim()).toBe("1");
    await apply(d, "extra service removed", (inv) => {
      delete inv.clusters["pg-test"].vars.pg_services_extra;
    });
  }, 600_000);

  it("a reload that fails after the files were written runs on the next up, though the files no longer differ", async () => {
    const dropIn = "/etc/systemd/system/pgbouncer.service.d/e2e-failing-reload.conf";
    await sshOk("pg-test-2", `sudo mkdir -p ${dropIn.replace(/\/[^/]+$/, "")} && printf '[Service]\\nExecReload=\\nExecReload=/bin/false\\n' | sudo tee ${dropIn} >/dev/null && sudo systemctl daemon-reload`);
    try {
      const run = await failingUp(() => {
        (vars().pg_users as Record<string, unknown>[]).push({ name: "dbuser_pool", password: "Pool-pass-1", pgbouncer: true, roles: ["dbrole_readwrite"] });
      });
      expect(run.error).toContain("pgbouncer of pg-test-2");
      expect(await sshOk("pg-test-2", "sudo grep -c dbuser_pool /etc/pgbouncer/userlist.txt")).toBe("1");
    } finally {
      await sshRun("pg-test-2", `sudo rm -f ${dropIn} && sudo systemctl daemon-reload`);
    }
    const retried = await apply(d, "pgbouncer retried", () => undefined);
    expect(named(retried.result.changes, "update")).toContain(stepName("pg-test-2", "pgbouncer"));
    // The userlist on pg-test-2 was already written: only the pending record made this up reload pgbouncer.
    const login = await sshOk("pg-test-1", `PGPASSWORD="$(cat)" psql -X -At -h 10.10.10.12 -p 6432 -U dbuser_pool -d test -c "select current_user"`, { input: "Pool-pass-1" });
    expect(login.trim()).toBe("dbuser_pool");
  }, 600_000);

  it("keeps running the databases step with a database that refuses connections", async () => {
    await apply(d, "closed database", () => {
      (vars().pg_databases as unknown[]).push({ name: "archive", allowconn: false });
    });
    await apply(d, "another database", () => {
      (vars().pg_databases as unknown[]).push({ name: "reports", owner: "dbuser_test" });
    });
    expect(await sshOk("pg-test-1", "sudo -iu postgres psql -X -At -c \"select datallowconn from pg_database where datname = 'archive'\"")).toBe("f");
  }, 600_000);

  it("refuses to remove the host of the member that leads while others run", async () => {
    const r = await pg("switchover", "pg-test", "--candidate", "pg-test-2", "--yes");
    expect(r.code).toBe(0);
    await waitMembers((ms) => settled(members)(ms) && ms.some((m) => m.Member === "pg-test-2" && m.Role === "Leader"), 120, "pg-test-3");
    const host = d.inventory.clusters["pg-test"].hosts["10.10.10.12"];
    const run = await failingUp((inv) => {
      delete inv.clusters["pg-test"].hosts["10.10.10.12"];
    });
    expect(run.error).toContain("pg-test-2 leads pg-test while");
    expect(run.error).toContain("Switch over first");
    expect(await leader()).toBe("pg-test-2");
    // Patroni and Postgres keep leading there (its pooler and proxy, removed before Patroni, come back below).
    expect((await sshOk("pg-test-2", "systemctl is-active patroni")).trim()).toBe("active");
    // Put the host back (what its removal stopped comes back), then lead with the configured primary again.
    await apply(d, "host back", (inv) => {
      inv.clusters["pg-test"].hosts["10.10.10.12"] = host;
    });
    expect((await pg("switchover", "pg-test", "--candidate", "pg-test-1", "--yes")).code).toBe(0);
    await waitMembers((ms) => settled(members)(ms) && ms.some((m) => m.Member === "pg-test-1" && m.Role === "Leader"), 120, "pg-test-3");
  }, 900_000);

  it("stops a preview that renames the running DCS, before anything runs", async () => {
    const edited = JSON.parse(JSON.stringify(d.inventory)) as Inventory & { dcs: { name?: string } };
    edited.dcs.name = "renamed";
    await setInventory(d.stack, edited);
    try {
      await expect(plan(d.stack)).rejects.toThrow("dcs.name: changed from pigsty to renamed while 10.10.10.10 stays a server");
    } finally {
      await setInventory(d.stack, d.inventory);
    }
  }, 300_000);

  it("with pg_safeguard the engine refuses to remove any member, until it is turned off", async () => {
    await apply(d, "safeguard on", () => {
      vars().pg_safeguard = true;
    });
    const host = d.inventory.clusters["pg-test"].hosts["10.10.10.13"];
    const run = await failingUp((inv) => {
      delete inv.clusters["pg-test"].hosts["10.10.10.13"];
    });
    // The engine announces each delete, then refuses it: nothing of pg-test-3 is removed or stopped.
    expect(run.error).toMatch(/pg-test-3-[a-z]+" cannot be deleted\s+because it is protected/);
    for (const unit of ["patroni", "pgbouncer", "haproxy"]) expect(`${unit}: ${(await sshOk("pg-test-3", `systemctl is-active ${unit}`)).trim()}`).toBe(`${unit}: active`);
    d.inventory.clusters["pg-test"].hosts["10.10.10.13"] = host;
    await apply(d, "safeguard off", () => {
      vars().pg_safeguard = false;
    });
  }, 600_000);
}
