// The TypeScript Patroni client (patroni/client.ts) of the operator and the drift check, against a stand-in Patroni over HTTPS.
import { Patroni } from "../../patroni/client";
import { answer, selfSignedCert, standInPatronis } from "../helpers/fakePatroni";

const patronis = standInPatronis();

const cluster = (leader?: string, role = "leader") => ({
  members: ["pg-test-1", "pg-test-2"].map((name) => ({ name, host: "10.10.10.11", role: name === leader ? role : "replica", state: "running", api_url: "" })),
});

const member = patronis.start;

const client = (urls: string[], ca = patronis.ca()) =>
  new Patroni(urls.map((url, i) => ({ name: `pg-test-${i + 1}`, url })), { ca, auth: { user: "postgres", password: "p:w" }, timeoutMs: 2000 });

test.each(["leader", "standby_leader", "primary", "master"])("the member with the role %s leads", async (role) => {
  const a = await member((_m, url) => (url === "/cluster" ? cluster("pg-test-2", role) : answer(404)));
  expect(await client([a.url]).leader()).toBe("pg-test-2");
});

test("a member that names no leader (it lost the DCS) does not decide: the next one is asked", async () => {
  const lost = await member(() => cluster(undefined));
  const b = await member(() => cluster("pg-test-1"));
  expect(await client([lost.url, b.url]).leader()).toBe("pg-test-1");
  expect(await client([lost.url]).leader()).toBeUndefined();
});

test("no member answers: the error names each member and why", async () => {
  const busy = await member(() => answer(503));
  await expect(client([busy.url, "https://127.0.0.1:9"]).leader()).rejects.toThrow(/^no member's Patroni answered \/cluster \(pg-test-1: HTTP 503; pg-test-2: .+\)$/);
});

test("a server whose certificate the stack's CA did not sign is not believed", async () => {
  const a = await member(() => cluster("pg-test-1"));
  const other = selfSignedCert();
  await expect(client([a.url], other.pem).get("/cluster")).rejects.toThrow(/pg-test-1: .*certificate/);
});

test("reads go without the password, changes with basic auth, to the member named", async () => {
  const a = await member(() => ({}));
  const b = await member(() => ({}));
  const api = client([a.url, b.url]);
  await api.members().catch(() => undefined);
  await api.change("POST", "/restart", {}, "pg-test-2");
  expect(a.calls.map((c) => [c.method, c.url, c.authorization])).toEqual([["GET", "/cluster", undefined]]);
  expect(b.calls.map((c) => [c.method, c.url, c.body, c.authorization])).toEqual([["POST", "/restart", "{}", `Basic ${Buffer.from("postgres:p:w").toString("base64")}`]]);
});

test("a change Patroni refuses throws its own message", async () => {
  const a = await member(() => answer(412, "candidate is not a sync standby"));
  await expect(client([a.url]).change("POST", "/switchover", { leader: "pg-test-1" })).rejects.toThrow("pg-test-1 answered 412: candidate is not a sync standby");
});

test("one member's answer comes with its clock (the Date header); a name not in the cluster is refused", async () => {
  const a = await member(() => ({ state: "running" }));
  const b = await member(() => answer(503));
  const api = client([a.url, b.url]);
  const r = await api.memberGet("pg-test-1", "/patroni");
  expect(r.body).toEqual({ state: "running" });
  expect(Math.abs(r.date!.getTime() - Date.now())).toBeLessThan(2000);
  await expect(api.memberGet("pg-test-2", "/patroni")).rejects.toThrow("pg-test-2: HTTP 503");
  await expect(api.memberGet("pg-test-9", "/patroni")).rejects.toThrow("pg-test-9 is not a member of this cluster");
});
