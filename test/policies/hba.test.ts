// hba-no-remote-trust and hba-scram-from-anywhere on pg-test's HBA rules.
import { HbaRuleFact } from "../../config/facts";
import { methodIssues } from "../../config/hbaLine";
import { hbaNoRemoteTrust } from "../../policies/hbaNoRemoteTrust";
import { hbaScramFromAnywhere } from "../../policies/hbaScramFromAnywhere";
import { UNKNOWN, clusterArgs, pgTest, violations } from "./fixtures";

const rule = (patch: Partial<HbaRuleFact>): HbaRuleFact => ({
  title: "app", role: "common", type: "host", user: "all", db: "all", addr: "0.0.0.0/0", auth: "md5", ...patch,
});
const withRules = (...extra: HbaRuleFact[]) => pgTest({ hbaRules: [...pgTest().hbaRules, ...extra] });
const strict = { config: { requireScram: true, requireSsl: true } };

describe("hba-no-remote-trust", () => {
  it("passes pg-test, whose only trust rule is on loopback", async () => {
    expect(await violations(hbaNoRemoteTrust, clusterArgs(pgTest()))).toEqual([]);
  });

  it("reports trust for a network address", async () => {
    const facts = withRules(rule({ title: "lazy intranet", addr: "10.0.0.0/8", auth: "trust" }));
    expect(await violations(hbaNoRemoteTrust, clusterArgs(facts))).toEqual([
      'Cluster pg-test: HBA rule "lazy intranet" trusts 10.0.0.0/8; use scram-sha-256 for network addresses (trust is only acceptable on local sockets and loopback).',
    ]);
  });

  it("allows trust on unix sockets and ::1", async () => {
    const facts = withRules(rule({ type: "local", addr: "", auth: "trust" }), rule({ addr: "::1/128", auth: "trust" }));
    expect(await violations(hbaNoRemoteTrust, clusterArgs(facts))).toEqual([]);
  });

  it("judges loopback as inventory validation does: a CIDR inside 127.0.0.0/8 is local, one that only starts with 127 is not", async () => {
    const facts = withRules(rule({ title: "lo", addr: "127.0.0.0/8", auth: "trust" }), rule({ title: "half the internet", addr: "127.0.0.0/1", auth: "trust" }));
    expect(await violations(hbaNoRemoteTrust, clusterArgs(facts))).toEqual([
      'Cluster pg-test: HBA rule "half the internet" trusts 127.0.0.0/1; use scram-sha-256 for network addresses (trust is only acceptable on local sockets and loopback).',
    ]);
    // The same address decides whether ident over TCP draws a warning when the inventory is loaded.
    expect(methodIssues("ident", "127.0.0.0/8")).toEqual([]);
    expect(methodIssues("ident", "127.0.0.0/1")).toHaveLength(1);
  });

  it("does not judge a rule whose address or the rule list is unknown", async () => {
    const facts = { ...pgTest(), hbaRules: [{ ...rule({ auth: "trust" }), addr: UNKNOWN }, UNKNOWN] };
    expect(await violations(hbaNoRemoteTrust, clusterArgs(facts))).toEqual([]);
    expect(await violations(hbaNoRemoteTrust, clusterArgs({ ...pgTest(), hbaRules: UNKNOWN }))).toEqual([]);
  });
});

describe("hba-scram-from-anywhere", () => {
  it("passes pg-test on a strict stack", async () => {
    expect(await violations(hbaScramFromAnywhere, clusterArgs(pgTest(), strict))).toEqual([]);
  });

  it("is off unless the stack asks for it", async () => {
    expect(await violations(hbaScramFromAnywhere, clusterArgs(withRules(rule({}))))).toEqual([]);
  });

  it("reports md5 from anywhere when SCRAM is required", async () => {
    const facts = withRules(rule({ type: "hostssl" }));
    expect(await violations(hbaScramFromAnywhere, clusterArgs(facts, strict))).toEqual([
      'Cluster pg-test: HBA rule "app" uses md5 from 0.0.0.0/0 but this stack requires SCRAM; set auth: scram-sha-256 (and set those users\' passwords again so they are stored as SCRAM).',
    ]);
  });

  it("reports a non-SSL rule from anywhere when SSL is required", async () => {
    const facts = withRules(rule({ addr: "::/0", auth: "scram-sha-256" }));
    expect(await violations(hbaScramFromAnywhere, clusterArgs(facts, strict))).toEqual([
      'Cluster pg-test: HBA rule "app" accepts host connections from ::/0 but this stack requires SSL; use auth: ssl in the rule, or pg_hba_require_ssl: true for every remote rule.',
    ]);
  });

  it("leaves intranet rules alone and tolerates unknown auth and type", async () => {
    const facts = withRules(rule({ addr: "10.0.0.0/8" }), { ...rule({}), auth: UNKNOWN, type: UNKNOWN });
    expect(await violations(hbaScramFromAnywhere, clusterArgs(facts, strict))).toEqual([]);
  });
});
