// `npm run pg -- backup/backups`, the pure parts: pgBackRest's info as rows and a restore window, the table, and the
// ssh call to the repository host (argv, pinned known_hosts, the jump host's config), on the dev stack's real model.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { loadInventory } from "../../config/load";
import type { ClusterModel, Model } from "../../config/model";
import { rawInventory } from "../../config/stack";
import {
  backupListing, backupRows, backupsTable, formatBytes, formatDuration, helperCommand, hostError, isProgressLine, knownHostsText, listingText,
  noBackupsReason, parseStanzaInfo, restoreWindow, shellWord, sshArgv, sshConfigText, sshTarget, stanzaNotes, stanzaProblem, type SshTarget,
} from "../../operator/backups";

const repo = join(__dirname, "..", "..");

/** The dev stack's model with the sandbox fixture's key path and host keys. */
function devModel(): Model {
  const config = parse(readFileSync(join(repo, "Pulumi.dev.yaml"), "utf8")).config;
  return loadInventory(rawInventory({ inventory: config["pigsty:inventory"], sandbox: "test/fixtures/sandbox/hosts.json", baseDir: repo })).model;
}
const model = devModel();
const pgTest = model.clusters.find((c) => c.name === "pg-test") as ClusterModel & { backup: NonNullable<ClusterModel["backup"]> };

/** pgBackRest 2.45's `info --output=json` for one stanza, as `pigsty-backup info` prints it. */
const SAMPLE =
  '{"archive":[{"database":{"id":1,"repo-key":1},"id":"15-1","max":"000000010000000000000006","min":"000000010000000000000001"}],"backup":[{"archive":{"start":"000000010000000000000006","stop":"000000010000000000000006"},"backrest":{"format":5,"version":"2.45"},"database":{"id":1,"repo-key":1},"error":false,"info":{"delta":30865940,"repository":{"delta":3879000,"size":3879000},"size":30865940},"label":"20261202-040631F","lsn":{"start":"0/6000028","stop":"0/6000100"},"prior":null,"reference":null,"timestamp":{"start":1796184391,"stop":1796184393},"type":"full"}],"cipher":"aes-256-cbc","db":[{"id":1,"repo-key":1,"system-id":7714548697718690531,"version":"15"}],"name":"pg-test","repo":[{"cipher":"aes-256-cbc","key":1,"status":{"code":0,"message":"ok"}}],"status":{"code":0,"lock":{"backup":{"held":false}},"message":"ok"}}';

const sample = () => JSON.parse(SAMPLE);
const backupOf = (label: string, type: string, start: number, stop: number, db = 1, wal = "000000010000000000000008") => ({
  archive: { start: wal, stop: wal },
  database: { id: db, "repo-key": 1 },
  info: { delta: 1000, repository: { delta: 100, size: 2048 }, size: 5 * 1048576 },
  label,
  timestamp: { start, stop },
  type,
});

describe("pgBackRest's info for one stanza", () => {
  test("the sample becomes one row with UTC times, sizes and its WAL range", () => {
    expect(backupRows(parseStanzaInfo(SAMPLE))).toEqual([
      {
        label: "20261202-040631F", type: "full", start: "2026-12-02T04:06:31Z", stop: "2026-12-02T04:06:33Z",
        sizeBytes: 30865940, repoSizeBytes: 3879000, walStart: "000000010000000000000006", walStop: "000000010000000000000006",
      },
    ]);
  });

  test("the restore window runs from the end of the oldest backup to the newest archived WAL", () => {
    expect(restoreWindow(parseStanzaInfo(SAMPLE))).toEqual({ from: "2026-12-02T04:06:33Z", toWal: "000000010000000000000006" });
    const info = sample();
    info.backup.push(backupOf("20261202-050000F_20261202-060000I", "incr", 1796191200, 1796191260));
    info.backup.unshift(backupOf("20261201-040000F", "full", 1796097600, 1796097900));
    info.archive[0].max = "000000020000000000000009";
    const parsed = parseStanzaInfo(JSON.stringify(info));
    expect(backupRows(parsed).map((r) => r.label)).toEqual(["20261201-040000F", "20261202-040631F", "20261202-050000F_20261202-060000I"]);
    expect(restoreWindow(parsed)).toEqual({ from: "2026-12-01T04:05:00Z", toWal: "000000020000000000000009" });
  });

  test("after a major upgrade the window is the current database's: its backups and its WAL", () => {
    const info = sample();
    info.db.push({ id: 2, "repo-key": 1, "system-id": 1, version: "16" });
    info.archive.push({ database: { id: 2, "repo-key": 1 }, id: "16-2", max: "000000010000000000000003", min: "000000010000000000000001" });
    info.backup.push(backupOf("20261203-010000F", "full", 1796259600, 1796259700, 2, "000000010000000000000002"));
    expect(restoreWindow(parseStanzaInfo(JSON.stringify(info)))).toEqual({ from: "2026-12-03T01:01:40Z", toWal: "000000010000000000000003" });
  });

  test("a stanza without backups lists empty, with no window and the command that takes one", () => {
    const info = parseStanzaInfo(JSON.stringify({ ...sample(), backup: [], status: { code: 2, message: "no valid backups" } }));
    expect(stanzaProblem(info, "pg-test", pgTest.backup, "dev")).toBeUndefined();
    expect(stanzaNotes(info)).toEqual([]);
    const listing = backupListing(pgTest, info);
    expect(listing).toEqual({ cluster: "pg-test", stanza: "pg-test", repository: { host: "10.10.10.10", name: "backup-10-10-10-10" }, backups: [], restoreWindow: null });
    expect(listingText(listing).split("\n").at(-1)).toBe("no backup of pg-test yet, so no point-in-time restore: take one with `npm run pg -- backup pg-test`");
  });

  test("a missing stanza is a problem that names the repository and the fix", () => {
    const info = parseStanzaInfo(JSON.stringify({ name: "pg-test", backup: [], status: { code: 1, message: "missing stanza path" } }));
    expect(stanzaProblem(info, "pg-test", pgTest.backup, "dev")).toBe(
      "the repository on backup-10-10-10-10 (10.10.10.10) has no stanza pg-test (pgBackRest: missing stanza path). The cluster's backup step creates it: " +
        "`pulumi up --stack dev` on a new cluster; if that step ran and the repository was emptied since, replace its resource pg-test-backup " +
        "(`pulumi up --stack dev --replace <its URN from pulumi stack --show-urns>`)",
    );
  });

  test("a running backup and other statuses are noted", () => {
    const info = sample();
    info.status = { code: 99, message: "other", lock: { backup: { held: true } } };
    expect(stanzaNotes(parseStanzaInfo(JSON.stringify(info)))).toEqual(["a backup of stanza pg-test is running now", "pgBackRest reports on stanza pg-test: other (status 99)"]);
  });

  test("an answer that is not one stanza's info is refused with what came", () => {
    expect(() => parseStanzaInfo("sudo: a password is required")).toThrow("the repository host's answer is not JSON: sudo: a password is required");
    expect(() => parseStanzaInfo(`[${SAMPLE}]`)).toThrow(/^the repository host's answer is not pgBackRest's info for one stanza: \[\{"archive"/);
    expect(() => parseStanzaInfo('{"name":"pg-test","status":{"code":0},"backup":[{"label":"x"}]}')).toThrow(/not pgBackRest's info/);
  });
});

describe("the listing", () => {
  test("a table row per backup, then the window", () => {
    expect(listingText(backupListing(pgTest, parseStanzaInfo(SAMPLE))).split("\n")).toEqual([
      "backups of pg-test (stanza pg-test) on backup-10-10-10-10 (10.10.10.10)",
      "+------------------+------+----------------------+----------------------+----------+---------+-----------+----------------------------------------------------+",
      "| Label            | Type | Start (UTC)          | Stop (UTC)           | Duration | DB size | Repo size | WAL start..stop                                    |",
      "+------------------+------+----------------------+----------------------+----------+---------+-----------+----------------------------------------------------+",
      "| 20261202-040631F | full | 2026-12-02T04:06:31Z | 2026-12-02T04:06:33Z | 2s       | 29.4MB  | 3.7MB     | 000000010000000000000006..000000010000000000000006 |",
      "+------------------+------+----------------------+----------------------+----------+---------+-----------+----------------------------------------------------+",
      "point-in-time restore window: from 2026-12-02T04:06:33Z up to the latest archived WAL (000000010000000000000006; now, while archiving works)",
    ]);
  });

  test("the JSON form has the backups with bytes and the window", () => {
    expect(JSON.parse(JSON.stringify(backupListing(pgTest, parseStanzaInfo(SAMPLE))))).toEqual({
      cluster: "pg-test",
      stanza: "pg-test",
      repository: { host: "10.10.10.10", name: "backup-10-10-10-10" },
      backups: [
        {
          label: "20261202-040631F", type: "full", start: "2026-12-02T04:06:31Z", stop: "2026-12-02T04:06:33Z",
          sizeBytes: 30865940, repoSizeBytes: 3879000, walStart: "000000010000000000000006", walStop: "000000010000000000000006",
        },
      ],
      restoreWindow: { from: "2026-12-02T04:06:33Z", toWal: "000000010000000000000006" },
    });
  });

  test("a window without archived WAL says so", () => {
    const info = sample();
    info.archive = [];
    expect(listingText(backupListing(pgTest, parseStanzaInfo(JSON.stringify(info)))).split("\n").at(-1)).toBe(
      "point-in-time restore window: the end of the oldest backup, 2026-12-02T04:06:33Z; no archived WAL is listed, so no later",
    );
  });

  test("sizes are 1024-based like pgBackRest's, durations short", () => {
    expect([0, 1023, 1024, 30865940, 5 * 1024 ** 4].map(formatBytes)).toEqual(["0B", "1023B", "1.0KB", "29.4MB", "5.0TB"]);
    expect([0, 2, 59.6, 61, 3599, 3600, 7384].map(formatDuration)).toEqual(["0s", "2s", "1m00s", "1m01s", "59m59s", "1h00m", "2h03m"]);
  });

  test("an empty table still has its header", () => {
    expect(backupsTable([]).split("\n")).toHaveLength(4);
  });
});

describe("a cluster without backups", () => {
  test("pgbackrest_enabled: false is named with the key that turns it on", () => {
    const raw = parse(readFileSync(join(repo, "Pulumi.dev.yaml"), "utf8")).config["pigsty:inventory"];
    raw.clusters["pg-test"].vars.pgbackrest_enabled = false;
    const m = loadInventory(rawInventory({ inventory: raw, sandbox: "test/fixtures/sandbox/hosts.json", baseDir: repo })).model;
    const c = m.clusters[0];
    expect(c.backup).toBeUndefined();
    expect(noBackupsReason(c, m.infra.ip, "dev")).toBe(
      "pg-test has no backups: pgbackrest_enabled is false. Set clusters.pg-test.vars.pgbackrest_enabled: true in the stack's pigsty:inventory (or drop a fleet-wide vars.pgbackrest_enabled: false), then `pulumi up --stack dev` creates the stanza and takes a first full backup",
    );
  });

  test("a member on the infra node is named with pgbackrest_repo.host", () => {
    const c = { ...pgTest, backup: undefined, instances: [{ ...pgTest.instances[0], name: "pg-test-1", ip: "10.10.10.10" }] } as ClusterModel;
    expect(noBackupsReason(c, "10.10.10.10", "prod")).toBe(
      "pg-test has no backups: pg-test-1 runs on the infra node 10.10.10.10, where backups go by default, and no pgbackrest_repo.host is set. Set clusters.pg-test.vars.pgbackrest_repo.host to a host outside pg-test (with pgbackrest_enabled: true), then `pulumi up --stack prod` creates the stanza and takes a first full backup",
    );
  });
});

describe("ssh to the repository host", () => {
  const files = { knownHosts: "/tmp/pg-x/known_hosts", config: "/tmp/pg-x/config" };
  const target = sshTarget(model.ssh, "10.10.10.10", repo);
  const viaBastion: SshTarget = { ...target, port: 2222, bastion: { host: "jump.example.org", user: "ops", port: 22, hostKey: "ssh-ed25519 AAAAbastion" } };

  test("the dev model's target: sandbox user, key made absolute, the pinned key of the infra node", () => {
    expect(target).toEqual({ host: "10.10.10.10", user: "dba", port: 22, keyPath: join(repo, "test/fixtures/sandbox/not-a-key"), hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFRlc3RIb3N0S2V5TWV0YQ" });
    expect(sshTarget({ ...model.ssh, keyPath: "~/.ssh/id_ed25519" }, "10.10.10.10", repo).keyPath).toBe(join(homedir(), ".ssh/id_ed25519"));
  });

  test("with ssh.agent: no key file, so ssh offers the agent's keys", () => {
    const viaAgent = sshTarget({ ...model.ssh, keyPath: undefined }, "10.10.10.10", repo);
    expect(viaAgent).not.toHaveProperty("keyPath");
    const argv = sshArgv(viaAgent, files, ["true"]);
    expect(argv).not.toContain("-i");
    expect(argv.join(" ")).not.toMatch(/IdentitiesOnly|IdentityFile/);
    expect(sshConfigText(viaAgent, files.knownHosts)).not.toMatch(/IdentitiesOnly|IdentityFile/);
    expect(argv).toEqual(expect.arrayContaining(["BatchMode=yes", "StrictHostKeyChecking=yes"]));
  });

  test("an unpinned host or bastion is refused with the key to set", () => {
    expect(() => sshTarget(model.ssh, "10.10.10.20", repo)).toThrow(
      "no pinned host key for 10.10.10.20: set ssh.host_keys.10.10.10.20 in the stack's inventory (its line from `ssh-keyscan 10.10.10.20`, checked out of band)",
    );
    expect(() => sshTarget({ ...model.ssh, bastion: { host: "jump", user: "dba", port: 22 } }, "10.10.10.10", repo)).toThrow(
      "no pinned host key for the bastion jump: set ssh.bastion.host_key in the stack's inventory",
    );
    expect(() => sshTarget({ ...model.ssh, hostKeys: { "10.10.10.10": "ssh-ed25519 AAAA\n* ssh-ed25519 BBBB" } }, "10.10.10.10", repo)).toThrow(
      "ssh.host_keys.10.10.10.10 spans lines: give it on one line",
    );
  });

  test("known_hosts holds the pinned keys only, bracketed with the port when it is not 22", () => {
    expect(knownHostsText(target)).toBe("10.10.10.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFRlc3RIb3N0S2V5TWV0YQ\n");
    expect(knownHostsText(viaBastion)).toBe("[10.10.10.10]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFRlc3RIb3N0S2V5TWV0YQ\njump.example.org ssh-ed25519 AAAAbastion\n");
  });

  test("argv: pinned keys, no prompt, the helper through sudo -n; no shell, no secret", () => {
    expect(sshArgv(target, files, helperCommand("info", "pg-test"))).toEqual([
      "-F", "/tmp/pg-x/config",
      "-i", join(repo, "test/fixtures/sandbox/not-a-key"),
      "-p", "22",
      "-o", "IdentitiesOnly=yes",
      "-o", "BatchMode=yes",
      "-o", "StrictHostKeyChecking=yes",
      "-o", "UserKnownHostsFile=/tmp/pg-x/known_hosts",
      "-o", "GlobalKnownHostsFile=/dev/null",
      "-o", "UpdateHostKeys=no",
      "-o", "ConnectTimeout=10",
      "-o", "ServerAliveInterval=15",
      "--",
      "dba@10.10.10.10",
      "sudo -n /usr/local/bin/pigsty-backup info pg-test",
    ]);
  });

  test("a bastion goes in -J; its ssh gets the same settings from the -F file", () => {
    const argv = sshArgv(viaBastion, files, helperCommand("backup", "pg-test", "incr"));
    expect(argv.slice(argv.indexOf("-J"), argv.indexOf("-J") + 2)).toEqual(["-J", "ops@jump.example.org:22"]);
    expect(argv.slice(-3)).toEqual(["--", "dba@10.10.10.10", "sudo -n /usr/local/bin/pigsty-backup backup pg-test incr"]);
    expect(sshConfigText(viaBastion, files.knownHosts)).toBe(
      [
        "# npm run pg: one call's ssh settings, for the destination and the bastion",
        "Host *",
        `  IdentityFile ${join(repo, "test/fixtures/sandbox/not-a-key")}`,
        "  IdentitiesOnly yes",
        "  BatchMode yes",
        "  StrictHostKeyChecking yes",
        "  UserKnownHostsFile /tmp/pg-x/known_hosts",
        "  GlobalKnownHostsFile /dev/null",
        "  UpdateHostKeys no",
        "  ConnectTimeout 10",
        "  ServerAliveInterval 15",
        "",
      ].join("\n"),
    );
  });

  test("paths with blanks or % survive ssh's option parsing; quotes are refused", () => {
    const odd = { ...target, keyPath: "/home/a b/100%/id" };
    expect(sshConfigText(odd, "/tmp/x y/known_hosts")).toContain('  IdentityFile "/home/a b/100%%/id"\n');
    expect(sshArgv(odd, { knownHosts: "/tmp/x y/known_hosts", config: "/c" }, ["true"])).toEqual(expect.arrayContaining(["/home/a b/100%%/id", 'UserKnownHostsFile="/tmp/x y/known_hosts"']));
    expect(() => sshConfigText({ ...target, keyPath: '/a"b' }, "/k")).toThrow('ssh cannot take the path "/a\\"b": rename it without quotes or line breaks');
  });

  test("remote words are quoted for the remote shell where needed", () => {
    expect(["pg-test", "a b", "it's", "$(reboot)", ""].map(shellWord)).toEqual(["pg-test", "'a b'", "'it'\\''s'", "'$(reboot)'", "''"]);
  });

  test("a failed call says where and why: ssh's own failure, the helper's error line, or sudo's", () => {
    expect(hostError(target, 255, "dba@10.10.10.10: Permission denied (publickey).\n")).toBe("ssh to dba@10.10.10.10:22 failed: dba@10.10.10.10: Permission denied (publickey).");
    expect(hostError(viaBastion, 255, "")).toBe("ssh to dba@10.10.10.10:2222 through jump.example.org failed: no message");
    expect(hostError(target, 1, "WARN: something\nerror: full backup of pg-test failed (pgbackrest exit 56); see /var/log/pgbackrest/pg-test-backup.log\n")).toBe(
      "on 10.10.10.10: full backup of pg-test failed (pgbackrest exit 56); see /var/log/pgbackrest/pg-test-backup.log",
    );
    expect(hostError(target, 1, "sudo: a password is required\n")).toBe("on 10.10.10.10: sudo: a password is required");
    expect(hostError(target, 3, "")).toBe("on 10.10.10.10: exit code 3");
  });

  test("progress shows every line but the final error, which becomes the exit message", () => {
    expect(["full backup of pg-test: starting", "P00   INFO: backup command end: completed successfully", "", "error: failed"].filter(isProgressLine)).toEqual([
      "full backup of pg-test: starting",
      "P00   INFO: backup command end: completed successfully",
    ]);
  });
});
