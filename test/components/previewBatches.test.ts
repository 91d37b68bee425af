// A preview builds the clusters a few at a time (components/previewBatches.ts); an update builds them all at once.
// Both register the same resources.
import * as pulumi from "@pulumi/pulumi";
import { inBatches, PREVIEW_BATCH, registered } from "../../components/previewBatches";
import { runIsolated } from "../program/harness";

describe("inBatches", () => {
  it("builds the next batch only once the one before settled, in order", async () => {
    const built: number[] = [];
    const waits: { batch: number[]; release: () => void }[] = [];
    const all = inBatches([1, 2, 3, 4, 5], 2, (n) => (built.push(n), n * 10), (batch) => new Promise<void>((release) => waits.push({ batch, release })));
    await new Promise((r) => setImmediate(r));
    expect(built).toEqual([1, 2]);
    expect(waits.map((w) => w.batch)).toEqual([[10, 20]]);
    waits[0].release();
    await new Promise((r) => setImmediate(r));
    expect(built).toEqual([1, 2, 3, 4]);
    waits[1].release();
    expect(await all).toEqual([10, 20, 30, 40, 50]);
    // The last batch is not waited for: the program's outputs wait for nothing more.
    expect(waits).toHaveLength(2);
  });

  it("builds everything at once when the batch holds every item (an update)", async () => {
    const settled = jest.fn(async () => undefined);
    expect(await inBatches(["a", "b", "c"], 3, (s) => s.toUpperCase(), settled)).toEqual(["A", "B", "C"]);
    expect(settled).not.toHaveBeenCalled();
  });
});

describe("registered", () => {
  it("resolves only when every resource's URN is known", async () => {
    let known: (u: string) => void = () => undefined;
    const late = { urn: pulumi.output(new Promise<string>((r) => (known = r))) } as unknown as pulumi.Resource;
    const early = { urn: pulumi.output("urn:early") } as unknown as pulumi.Resource;
    let done = false;
    const waiting = registered([early, late]).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    known("urn:late");
    await waiting;
    expect(done).toBe(true);
  });
});

/** A fleet of `n` one-member clusters on loopback addresses with pinned (fake) host keys. */
function fleet(n: number): Record<string, unknown> {
  const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFRlc3RIb3N0S2V5TWV0YQ";
  const clusters = Object.fromEntries(
    Array.from({ length: n }, (_, k) => [`pg-f${k + 1}`, { hosts: { [`127.1.${k + 1}.1`]: { pg_seq: 1, pg_role: "primary" } } }]),
  );
  const ips = ["127.1.0.1", ...Array.from({ length: n }, (_, k) => `127.1.${k + 1}.1`)];
  return {
    "pigsty:inventory": {
      infra: { ip: "127.1.0.1" },
      dcs: { servers: { "meta-1": "127.1.0.1" } },
      ssh: { user: "dba", key_path: "test/fixtures/sandbox/not-a-key", host_keys: Object.fromEntries(ips.map((ip) => [ip, key])) },
      clusters,
    },
  };
}

test(`a preview of more than ${PREVIEW_BATCH} clusters registers the same resources as an update`, async () => {
  const clusters = 2 * PREVIEW_BATCH + 1;
  const update = await runIsolated(fleet(clusters));
  const preview = await runIsolated(fleet(clusters), { preview: true });
  expect(update.error).toBeUndefined();
  expect(preview.error).toBeUndefined();
  const names = (r: { registered: { name: string }[] }) => r.registered.map((x) => x.name).sort();
  expect(names(update).filter((n) => n === `pg-f${clusters}`)).toEqual([`pg-f${clusters}`]);
  expect(names(preview)).toEqual(names(update));
}, 60_000);
