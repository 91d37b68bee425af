import { waitRunning } from "../../sandbox/readiness";
import { systemStateAsync } from "../../sandbox/ssh";

jest.mock("../../sandbox/ssh", () => ({ systemStateAsync: jest.fn() }));
const answer = systemStateAsync as jest.MockedFunction<typeof systemStateAsync>;
const node = (name: string, ip: string) => ({ name, ip }) as Parameters<typeof waitRunning>[0][number];

describe("waitRunning", () => {
  beforeEach(() => answer.mockReset());

  it("takes degraded as booted at the first answer, with no detail added (a failed unit is the deployment's concern)", async () => {
    answer.mockResolvedValue({ state: "degraded" });
    const result = await waitRunning([node("pg-test-1", "10.10.10.11")], 0, () => undefined);
    expect(result.get("pg-test-1")).toEqual({ state: "degraded" });
    expect(answer).toHaveBeenCalledTimes(1);
  });

  it("reports each state change and stops at running; gives up at the deadline with the last answer", async () => {
    answer.mockResolvedValueOnce({ state: "unreachable", detail: "no route" }).mockResolvedValueOnce({ state: "starting" }).mockResolvedValue({ state: "running" });
    const lines: string[] = [];
    const a = await waitRunning([node("meta", "10.10.10.10")], 60_000, (l) => lines.push(l));
    expect(a.get("meta")).toEqual({ state: "running" });
    expect(lines).toEqual(["meta: starting", "meta: running"]);

    answer.mockReset().mockResolvedValue({ state: "starting" });
    const b = await waitRunning([node("meta", "10.10.10.10")], -1, () => undefined);
    expect(b.get("meta")).toEqual({ state: "starting" });
  });
});
