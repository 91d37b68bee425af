// The receivers' secrets through the program under mocks: on the monitoring step's stdin only, never in a command's
// text, a component's facts or any other input; the pack's no-plaintext-password passes.
import { noPlaintextPassword } from "../../policies/noPlaintextPassword";
import { resourceArgs, violations } from "../policies/fixtures";
import { devStackConfig, runIsolated } from "./harness";

const URL = "https://hooks.example.org/alerts?token=T0KEN-SECRET";
const SMTP_PASSWORD = "smtp-Passw0rd-SECRET";

test("the webhook URL and SMTP password reach the infra node's monitoring step on stdin, and nothing else", async () => {
  const base = devStackConfig();
  const inventory = JSON.parse(JSON.stringify(base["pigsty:inventory"])) as { infra: Record<string, unknown> };
  inventory.infra.alertmanager_webhook_url = URL;
  inventory.infra.alertmanager_email = { smarthost: "smtp.example.org:587", from: "pigsty@example.org", to: "dba@example.org", auth_username: "pigsty", auth_password: SMTP_PASSWORD };
  const { registered, error } = await runIsolated({ ...base, "pigsty:inventory": inventory, "pigsty:sandbox": "test/fixtures/sandbox/hosts.json" });
  expect(error).toBeUndefined();
  const monitoring = registered.find((r) => r.name === "meta-monitoring");
  expect(monitoring?.secretInputs).toContain("stdin");
  expect(JSON.parse(monitoring?.inputs.stdin)).toMatchObject({ "alertmanager/webhook_url": URL, "alertmanager/smtp_password": SMTP_PASSWORD });
  for (const r of registered) {
    const { stdin: _stdin, ...rest } = r.inputs;
    for (const secret of ["T0KEN", SMTP_PASSWORD]) expect({ name: r.name, text: JSON.stringify(rest).includes(secret) }).toEqual({ name: r.name, text: false });
    if (r.name !== "meta-monitoring") expect({ name: r.name, stdin: String(r.inputs.stdin ?? "").includes("alertmanager/") }).toEqual({ name: r.name, stdin: false });
  }
  const found: string[] = [];
  for (const r of registered) found.push(...(await violations(noPlaintextPassword, resourceArgs(r.type, r.name, r.inputs))));
  expect(found).toEqual([]);
}, 60_000);
