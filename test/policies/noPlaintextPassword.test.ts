// no-plaintext-password on remote commands and component facts.
import { instanceType } from "../../config/facts";
import { noPlaintextPassword } from "../../policies/noPlaintextPassword";
import { UNKNOWN, clusterArgs, command, commandArgs, pgTest, resourceArgs, violations } from "./fixtures";

describe("no-plaintext-password", () => {
  const name = "pg-test-1-users";
  const fix = "pass it on stdin from a Pulumi secret so it stays out of the remote process list, logs and preview diffs.";

  it("passes commands that read passwords from stdin, and clean component facts", async () => {
    const conf = command({ create: "echo \"password_encryption = 'scram-sha-256'\" >> pg.conf" });
    expect(await violations(noPlaintextPassword, commandArgs(name, conf))).toEqual([]);
    const viaStdin = command({ create: 'read -r PW; psql -c "ALTER ROLE x PASSWORD :\'pw\'" -v pw="$PW"', stdin: "secret" });
    expect(await violations(noPlaintextPassword, commandArgs(name, viaStdin))).toEqual([]);
    expect(await violations(noPlaintextPassword, commandArgs(name, command({ create: 'PGPASSWORD="$PW" psql' })))).toEqual([]);
    expect(await violations(noPlaintextPassword, clusterArgs(pgTest()))).toEqual([]);
    const rendered = command({ create: 'cat > patroni.yml <<EOF\n  password: "{{secret:pg-test/replication}}"\nEOF' });
    expect(await violations(noPlaintextPassword, commandArgs(name, rendered))).toEqual([]);
  });

  it("passes placeholders that carry a format, quoted or not", async () => {
    const create = 'password: "{{secret:pg-test/replication|yaml}}"\nDATA_SOURCE_PASS="{{secret:pg-test/monitor|env}}"\nPGPASSWORD={{secret:pg-test/admin|env}} psql';
    expect(await violations(noPlaintextPassword, commandArgs(name, command({ create })))).toEqual([]);
    const unknown = command({ create: "PGPASSWORD={{secret:pg-test/admin|hunter2}} psql" });
    expect(await violations(noPlaintextPassword, commandArgs(name, unknown))).toEqual([`Command ${name} has a password in its create (PGPASSWORD=…); ${fix}`]);
  });

  it("reports a password next to a placeholder: only a whole placeholder is a reference", async () => {
    const mixed = command({ create: 'echo \'password: "{{secret:pg-test/x}}hunter2"\' > f' });
    expect(await violations(noPlaintextPassword, commandArgs(name, mixed))).toEqual([`Command ${name} has a password in its create (password=…); ${fix}`]);
  });

  it("reports a SQL password literal in create", async () => {
    const sql = command({ create: "psql -c \"CREATE ROLE dbuser_test LOGIN PASSWORD 'DBUser.Test'\"" });
    expect(await violations(noPlaintextPassword, commandArgs(name, sql))).toEqual([
      `Command ${name} has a password in its create (PASSWORD '…'); ${fix}`,
    ]);
  });

  it("reports assignments in update and delete without echoing the value", async () => {
    const cmd = command({ update: "PGPASSWORD=hunter2 psql -c 'select 1'", delete: "echo 'password: DBUser.Replicator' > x" });
    const found = await violations(noPlaintextPassword, commandArgs(name, cmd));
    expect(found).toEqual([
      `Command ${name} has a password in its update (PGPASSWORD=…); ${fix}`,
      `Command ${name} has a password in its delete (password=…); ${fix}`,
    ]);
    expect(found.join()).not.toMatch(/hunter2|Replicator/);
  });

  it("reports password variables in environment", async () => {
    const env = command({ environment: { LANG: "C.UTF-8", PGPASSWORD: "x" } });
    expect(await violations(noPlaintextPassword, commandArgs(name, env))).toEqual([
      `Command ${name} passes a password in environment variable PGPASSWORD; send it on stdin from a Pulumi secret instead (sshd also drops variables that AcceptEnv does not list).`,
    ]);
  });

  it("scans stdin only when the stack opts in", async () => {
    const cmd = command({ stdin: "password=DBUser.Test" });
    expect(await violations(noPlaintextPassword, commandArgs(name, cmd))).toEqual([]);
    expect(await violations(noPlaintextPassword, commandArgs(name, cmd, { config: { inspectStdin: true } }))).toEqual([
      `Command ${name} has a password in its stdin (password=…); ${fix}`,
    ]);
  });

  it("reports password-named props in component facts, except password_encryption", async () => {
    const facts = { ...pgTest(), users: [{ name: "dbuser_test", password: "DBUser.Test" }] };
    expect(await violations(noPlaintextPassword, resourceArgs(instanceType, "pg-test-1", { ...facts, cluster: "pg-test" }))).toEqual([
      "pigsty:pg:Instance pg-test-1 carries a password-like property users[0].password; keep passwords out of component facts and pass them to the commands on stdin as Pulumi secrets.",
    ]);
  });

  it("tolerates scripts, environment and facts unknown at preview (they are checked again at up)", async () => {
    const cmd = command({ create: UNKNOWN, environment: { PGPASSWORD: UNKNOWN, LANG: "C" } });
    expect(await violations(noPlaintextPassword, commandArgs(name, cmd))).toEqual([]);
    expect(await violations(noPlaintextPassword, commandArgs(name, command({ environment: UNKNOWN })))).toEqual([]);
    expect(await violations(noPlaintextPassword, clusterArgs({ ...pgTest(), password: UNKNOWN }))).toEqual([]);
  });
});
