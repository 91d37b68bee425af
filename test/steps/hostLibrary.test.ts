// The step library (render/hostLibrary.ts, render/host/pigsty-step.sh), run by bash on a fake host: a host's -prepare
// step installs it once per version from what its sftp copy staged, every other step sources it from its fixed path and stops with advice where it is
// missing, and the names it gives a step's log and pending record on the host are the ones the program expects.
import { HOST_LIBRARY_FILES, hostLibrary } from "../../render/hostLibrary";
import { HOST_LIBRARY_ROOT } from "../../render/paths";
import { pendingRecord } from "../../steps/installFiles";
import { LIBRARY_BUILD_FOLDER, libraryStagingDir } from "../../steps/hostLibrary";
import { DCS_PACKAGES, prepareNode } from "../../steps/node";
import { libraryFunctions, stepLogPath } from "../../steps/shell";
import { heredocCarrying } from "../../steps/lines";
import { bootstrapStep, filesStep, hostStep } from "../../steps/step";
import { fakeHost } from "../helpers/fakeHost";

const host = fakeHost();
const library = hostLibrary();
const prepare = prepareNode("meta-1", { packages: DCS_PACKAGES });

/** A host where the packages are installed and nothing of this program is, not even the library. */
function freshHost() {
  host().removeLibrary();
  host().stub("dpkg-query", "echo 'install ok installed'");
  for (const name of ["apt-get", "hostname", "sysctl"]) host().stub(name);
}

/** What the library's copy leaves on the host for `prefix`-prepare: its files, as they are, in that step's staging directory. */
function stage(prefix = "meta-1"): string {
  const staged = `${libraryStagingDir(prefix)}/${LIBRARY_BUILD_FOLDER}`;
  for (const [name, text] of Object.entries(library.texts)) host().write(`${staged}/${name}`, text);
  return staged;
}

test("lives in a directory named by 12 hex digits of its manifest's hash, under the fixed root", () => {
  expect(library.dir).toMatch(new RegExp(`^${HOST_LIBRARY_ROOT}/[0-9a-f]{12}$`));
  expect(library.dir).toBe(`${HOST_LIBRARY_ROOT}/${library.hash}`);
  expect(Object.keys(library.texts)).toEqual([...HOST_LIBRARY_FILES]);
  expect(library.files.map((f) => f.name)).toEqual([...HOST_LIBRARY_FILES].sort());
});

test("a host's -prepare step installs the staged copy once and removes the staging directory; an older version is left alone", () => {
  freshHost();
  const old = `${HOST_LIBRARY_ROOT}/0123456789ab/step.sh`;
  host().write(old, "# an older version, left in place\n");
  stage();
  const first = host().run(prepare.create);
  expect(first.stderr).toBe("");
  expect(first.status).toBe(0);
  expect(first.said).toEqual([`installed the step library ${library.dir}`]);
  for (const name of HOST_LIBRARY_FILES) {
    expect(host().read(`${library.dir}/${name}`)).toBe(library.texts[name]);
    expect(host().mode(`${library.dir}/${name}`)).toBe("0644");
  }
  expect(host().exists(libraryStagingDir("meta-1"))).toBe(false);
  // Again with the library in place: nothing staged is needed, nothing is said.
  const again = host().run(prepare.create);
  expect(again.status).toBe(0);
  expect(again.said).toEqual([]);
  expect(host().exists(old)).toBe(true);
  expect(host().run(`ls -A ${HOST_LIBRARY_ROOT}`).stdout.split("\n").filter((l) => l !== "").sort()).toEqual([".lock", "0123456789ab", library.hash].sort());
});

test("a changed copy on the host is put back from a new copy, and the step says how to make one", () => {
  freshHost();
  stage();
  expect(host().run(prepare.create).status).toBe(0);
  host().write(`${library.dir}/step.sh`, "echo tampered\n");
  const refused = host().run(prepare.create);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain(`error: the step library ${library.hash} is neither in ${library.dir} nor staged`);
  expect(refused.stderr).toContain("pulumi up --replace <the URN of meta-1-library-copy> --replace <the URN of meta-1-prepare>");
  stage();
  expect(host().run(prepare.create).said).toEqual([`installed the step library ${library.dir}`]);
  expect(host().read(`${library.dir}/step.sh`)).toBe(library.texts["step.sh"]);
});

test("refuses staged files that differ from the library it ships, and installs nothing", () => {
  freshHost();
  const staged = stage();
  host().write(`${staged}/pigsty-patroni`, "#!/bin/sh\necho not ours\n");
  const r = host().run(prepare.create);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`differ from the step library ${library.hash} this stack ships; nothing was installed`);
  expect(host().exists(library.dir)).toBe(false);
  expect(host().run(`ls -A ${HOST_LIBRARY_ROOT}`).stdout.split("\n").filter((l) => l !== "")).toEqual([]);
});

test("a step after the host's -prepare step runs with it: files installed, secrets filled from stdin, the log written", () => {
  freshHost();
  stage();
  expect(host().run(prepare.create).status).toBe(0);
  // The library as installed names the host's real paths; the fake host's own has them moved under its root.
  host().installLibrary();
  const step = filesStep("etcd member meta-1", { files: [{ path: "/etc/default/etcd", content: `ETCD_NAME="meta-1"\nPW="{{secret:etcd/root|env}}"\n` }] });
  const r = host().run(step.create, { stdin: JSON.stringify({ "etcd/root": 'a"$b' }) });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.said).toEqual(["changed /etc/default/etcd"]);
  expect(host().read("/etc/default/etcd")).toBe(`ETCD_NAME="meta-1"\nPW="a\\"\\$b"\n`);
  expect(host().read(stepLogPath("etcd member meta-1"))).toMatch(/^=== \S+ etcd member meta-1\n/);
});

test("a step on a host without this version stops before doing anything, naming the host and what to run", () => {
  freshHost();
  host().stub("hostname", "echo pg-test-1");
  const step = hostStep("TLS files of pg-test-1", ["touch /etc/ran"]);
  const r = host().run(step.create, { env: { pigsty_lib: "/elsewhere" } });
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(`error: pg-test-1 lacks the step library ${library.dir}: run pulumi up, which runs the host's -prepare step first (docs/operations.md)\n`);
  expect(host().exists("/etc/ran")).toBe(false);
  expect(host().exists(stepLogPath("TLS files of pg-test-1"))).toBe(false);
});

describe("a removal", () => {
  const removal = [heredocCarrying('cat >"$work/pw.in"', "{{secret:etcd/root|raw}}"), 'say "removed with $(fill_secrets "$work/pw.in")"', "rm -f /etc/ran"];
  const step = hostStep("etcd member meta-1", ["true"], removal);
  const runRemoval = () => host().run(step.delete!, { stdin: JSON.stringify({ "etcd/root": "root-pw" }) });

  test("sources the library of its step's last run, secrets filled", () => {
    host().write("/etc/ran", "x\n");
    const r = runRemoval();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.said).toEqual(["removed with root-pw"]);
    expect(host().exists("/etc/ran")).toBe(false);
    expect(host().exists(stepLogPath("etcd member meta-1 (removal)"))).toBe(true);
  });

  test("uses the newest library on a host where its own version is gone", () => {
    freshHost();
    for (const [name, text] of Object.entries(library.texts)) host().write(`${HOST_LIBRARY_ROOT}/0123456789ab/${name}`, host().moved(text));
    host().write("/etc/ran", "x\n");
    const r = runRemoval();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.said).toEqual(["removed with root-pw"]);
    expect(host().exists("/etc/ran")).toBe(false);
  });

  test("on a host with no library (rebuilt since) says there is nothing to undo, and succeeds", () => {
    freshHost();
    host().stub("hostname", "echo meta-1");
    host().write("/etc/ran", "x\n");
    const r = runRemoval();
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("warning: meta-1 has no step library of this stack (rebuilt since?), so there is nothing to undo there\n");
    expect(host().exists("/etc/ran")).toBe(true);
  });

  test("installs no file", () => {
    expect(() => hostStep("x", ["true"], ["install_file /etc/x 0644 root:root </dev/null"])).toThrow('step "x (removal)": a removal installs no file, so it cannot call install_file');
  });
});

test("a host's -prepare step, which installs the library, may not call the library's functions", () => {
  expect(libraryFunctions()).toEqual(expect.arrayContaining(["install_file", "fill_secrets", "wait_ports", "hosts_block", "keep_aside", "put_back"]));
  expect(() => bootstrapStep("prepare meta-1", ["wait_ports 'etcd' 2379"])).toThrow('step "prepare meta-1": it installs the step library, so it cannot call the library\'s wait_ports');
  expect(() => bootstrapStep("prepare meta-1", ["echo wait_ports_soon"])).not.toThrow();
});

test.each([
  "etcd member meta-1",
  "etcd member meta-1 (removal)",
  "Patroni dynamic configuration of pg-test in the DCS at 10.10.10.10:2379,10.10.10.11:2379",
  "stop of pg-test-1 for in-place restore 2 of pg-test",
  "ünïcödé ✓ step -- with   runs/of..odd_chars",
])("names the log and the pending record of step %p as the program does", (id) => {
  const r = host().run(filesStep(id, { files: [{ path: "/etc/x", content: "x\n" }], onChange: ["false"] }).create);
  expect(r.status).not.toBe(0);
  expect(host().exists(stepLogPath(id))).toBe(true);
  expect(host().read(pendingRecord(id))).toBe("/etc/x\n");
});
