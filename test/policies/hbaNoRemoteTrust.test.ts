// hba-no-remote-trust on pg-test's HBA rules: trust only on local sockets and loopback.
import { methodIssues } from "../../config/hbaLine";
import { hbaNoRemoteTrust } from "../../policies/hbaNoRemoteTrust";
import { UNKNOWN, clusterArgs, hbaRule as rule, pgTest, violations, withHbaRules as withRules } from "./fixtures";

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
