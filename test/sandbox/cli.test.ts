import { HELP, formatStatus, parseArgs } from "../../sandbox/cli";

describe("sandbox CLI arguments", () => {
  it("parses up options", () => {
    expect(parseArgs(["up", "--count", "6"]).plan).toEqual({ count: 6 });
    expect(parseArgs(["up", "--nodes=meta=10.10.10.10,pg-test-1=10.10.10.11", "--proxy-port", "3200"]).plan).toEqual({
      nodes: [
        { name: "meta", ip: "10.10.10.10" },
        { name: "pg-test-1", ip: "10.10.10.11" },
      ],
      proxyPort: 3200,
    });
    expect(parseArgs(["down", "--purge"]).purge).toBe(true);
    expect(parseArgs(["up", "--fresh"]).fresh).toBe(true);
    expect(parseArgs(["up"]).fresh).toBe(false);
    expect(parseArgs(["reset", "pg-test-2"]).nodes).toEqual(["pg-test-2"]);
    expect(parseArgs(["reset", "pg-test-2", "pg-test-3"]).nodes).toEqual(["pg-test-2", "pg-test-3"]);
    expect(parseArgs(["reset", "--packaged", "pg-test-2"])).toMatchObject({ packaged: true, nodes: ["pg-test-2"] });
    expect(parseArgs(["reset", "pg-test-2"]).packaged).toBe(false);
    expect(parseArgs([]).command).toBe("help");
  });

  it("explains bad arguments", () => {
    expect(() => parseArgs(["up", "--count", "x"])).toThrow(/--count must be a positive integer/);
    expect(() => parseArgs(["up", "--frobnicate"])).toThrow(/unknown argument "--frobnicate"/);
    expect(() => parseArgs(["reset"])).toThrow(/reset needs a node name/);
    expect(() => parseArgs(["up", "--purge"])).toThrow(/--purge only applies to down/);
    expect(() => parseArgs(["down", "--fresh"])).toThrow(/--fresh only applies to up/);
    expect(() => parseArgs(["up", "--packaged"])).toThrow(/--packaged only applies to reset/);
  });

  it("documents every command and option in help", () => {
    for (const word of ["up", "down", "--purge", "status", "reset", "--packaged", "packaged", "--count", "--nodes", "--subnet", "--proxy-port", "hosts.json"]) {
      expect(HELP).toContain(word);
    }
  });

  it("prints one line per node", () => {
    const text = formatStatus([
      { name: "meta", ip: "10.10.10.10", state: "running", pid: 42, memKiB: 10240 },
      { name: "pg-test-1", ip: "10.10.10.11", state: "stopped" },
    ]);
    expect(text.split("\n")).toEqual([
      expect.stringMatching(/^meta\s+10\.10\.10\.10\s+running\s+pid 42\s+10 MiB$/),
      expect.stringMatching(/^pg-test-1\s+10\.10\.10\.11\s+stopped$/),
    ]);
  });
});

describe("root check", () => {
  it("refuses to run without root, with a clear message", async () => {
    const { main } = await import("../../sandbox/cli");
    const uid = jest.spyOn(process, "getuid").mockReturnValue(1000);
    const err = jest.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      expect(await main(["up"])).toBe(1);
      expect(err.mock.calls[0][0]).toMatch(/the sandbox needs root .* sudo npm run sandbox -- up/);
    } finally {
      uid.mockRestore();
      err.mockRestore();
    }
  });
});
