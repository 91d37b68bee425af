// The program's resources against components/generatedSecrets.ts: `npm run up` (scripts/up.ts) creates in its
// checkpointed phase only what generatesSecret names, so every password and certificate must be named, and no
// step that touches a host.
import { generatesSecret } from "../../components/generatedSecrets";
import { runIsolated } from "./harness";
import { INVENTORIES } from "./inventories";

/** Every resource type the program may register, and whether creating one generates a secret. */
const KNOWN: Record<string, boolean> = {
  "random:index/randomPassword:RandomPassword": true,
  "command:local:Command": true,
  "command:remote:Command": false,
  "command:remote:CopyToRemote": false,
};
const lastType = (urn: string) => urn.split("::")[2].split("$").pop() as string;

describe.each(Object.keys(INVENTORIES))("the %s inventory", (name) => {
  test("every generated password and certificate is named, and nothing else", async () => {
    const { urns, error } = await runIsolated(INVENTORIES[name]());
    if (error) throw error;
    const custom = urns.filter((u) => !lastType(u).startsWith("pigsty:") && !lastType(u).startsWith("pulumi:"));
    const unknown = [...new Set(custom.map(lastType))].filter((t) => !(t in KNOWN));
    // A new resource type must be judged here and, if it generates a secret, in components/generatedSecrets.ts.
    expect(unknown).toEqual([]);
    const wrong = urns.filter((u) => generatesSecret(u) !== (KNOWN[lastType(u)] ?? false));
    expect(wrong).toEqual([]);
    // The dev inventory: 10 passwords; the CA and a certificate per TLS server.
    expect(urns.filter(generatesSecret).length).toBeGreaterThan(10);
  }, 30_000);
});
