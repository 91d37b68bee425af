// `npm run up`'s phase decision (scripts/upPhases.ts) from a preview's steps, without the engine.
import { parseUpArgs } from "../../scripts/upArgs";
import { describeSecrets, planPhases, previewArgs, urnPatternMatches, type PreviewStep } from "../../scripts/upPhases";

const STACK = "urn:pulumi:prod::pigsty::pulumi:pulumi:Stack::pigsty-prod";
const CLUSTER = "urn:pulumi:prod::pigsty::pigsty:pg:Cluster::pg-b1";
const PASSWORD = "urn:pulumi:prod::pigsty::pigsty:pg:Cluster$random:index/randomPassword:RandomPassword::pg-b1-password-superuser";
const PKI = "urn:pulumi:prod::pigsty::pigsty:tls:Certificates::pki";
const CERT = "urn:pulumi:prod::pigsty::pigsty:tls:Certificates$command:local:Command::pg-b1-1-postgres-certificate";
const STEP = "urn:pulumi:prod::pigsty::pigsty:pg:Cluster$pigsty:pg:Instance$command:remote:Command::pg-b1-1-patroni";

const step = (op: string, urn: string, parent?: string): PreviewStep => ({ op, urn, ...(parent && { newState: { parent } }) });
const targetsOf = (args: string[]) => args.flatMap((a, i) => (args[i - 1] === "--target" ? [a] : []));

test("a new cluster: phase 1 targets its passwords, certificates and their new ancestors, not the stack; phase 2 is the user's up", () => {
  const steps = [step("create", STACK), step("create", CLUSTER, STACK), step("create", PASSWORD, CLUSTER), step("same", PKI), step("create", CERT, PKI), step("create", STEP, CLUSTER)];
  const user = ["--stack", "prod", "--yes", "--policy-pack", "policies", "--refresh"];
  const phases = planPhases(parseUpArgs(user), steps);
  expect(phases.one?.secrets.sort()).toEqual([CERT, PASSWORD].sort());
  expect(targetsOf(phases.one!.args).sort()).toEqual([CERT, CLUSTER, PASSWORD].sort());
  // Everything but the refresh reaches phase 1; phase 2 gets the user's words as they are.
  expect(phases.one!.args.slice(0, 6)).toEqual(["up", "--stack", "prod", "--yes", "--policy-pack", "policies"]);
  expect(phases.one!.args).not.toContain("--refresh");
  expect(phases.two.args).toEqual(["up", ...user]);
});

test("a fleet-wide change with no secret to create, update or replace skips phase 1", () => {
  const steps = [step("same", STACK), step("update", STEP, CLUSTER), step("delete", PASSWORD), step("same", CERT)];
  expect(planPhases(parseUpArgs(["--yes"]), steps)).toEqual({ two: { args: ["up", "--yes"] } });
});

test("a certificate renewed (an update) or a password replaced is phase 1's; the replace is not repeated in phase 2", () => {
  const steps = [step("update", CERT, PKI), step("replace", PASSWORD, CLUSTER), step("create-replacement", PASSWORD, CLUSTER), step("delete-replaced", PASSWORD)];
  const phases = planPhases(parseUpArgs(["--replace", "**password-superuser", "--target-replace", PASSWORD, "--yes"]), steps);
  expect(phases.one?.secrets.sort()).toEqual([CERT, PASSWORD].sort());
  expect(phases.one!.args).toEqual(expect.arrayContaining(["--replace", PASSWORD]));
  expect(phases.one!.args).not.toContain("**password-superuser");
  expect(phases.two.args).toEqual(["up", "--target", PASSWORD, "--yes"]);
});

test("a --replace of host steps stays in phase 2; one naming secrets and steps is refused", () => {
  const steps = [step("replace", STEP, CLUSTER), step("replace", PASSWORD, CLUSTER)];
  expect(planPhases(parseUpArgs(["--replace", STEP]), steps).two.args).toEqual(["up", "--replace", STEP]);
  expect(() => planPhases(parseUpArgs(["--replace", "**pg-b1**"]), steps)).toThrow("names generated secrets and other resources");
});

test("the deciding preview sees the user's stack, config and selection, and nothing that would prompt or apply", () => {
  const user = parseUpArgs(["-s", "prod", "--yes", "-f", "--target", CLUSTER, "--target-dependents", "-c", "pigsty:x=1", "--policy-pack", "p", "--config-file", "c.yaml"]);
  expect(previewArgs(user)).toEqual(["preview", "--json", "--non-interactive", "-s", "prod", "--target", CLUSTER, "--target-dependents", "-c", "pigsty:x=1", "--config-file", "c.yaml"]);
});

test("URN patterns match as pulumi's do: ** anything, * anything but a colon", () => {
  expect(urnPatternMatches("**password-superuser", PASSWORD)).toBe(true);
  expect(urnPatternMatches("urn:pulumi:prod::*::pigsty:pg:Cluster::pg-b1", CLUSTER)).toBe(true);
  // A type has colons, so one * cannot stand for it.
  expect(urnPatternMatches("urn:pulumi:prod::pigsty::*::pg-b1", CLUSTER)).toBe(false);
  expect(urnPatternMatches(PASSWORD, PASSWORD)).toBe(true);
  expect(urnPatternMatches("urn:pulumi:prod::pigsty::pigsty:pg:Cluster$random.index", PASSWORD)).toBe(false);
});

test("phase 1's line counts passwords and certificates", () => {
  expect(describeSecrets([PASSWORD, CERT])).toBe("1 password(s), 1 certificate(s): pg-b1-password-superuser, pg-b1-1-postgres-certificate");
});
