// generatesSecret reads a resource's kind from its URN alone: the preview's steps give nothing else for sure.
import { generatesSecret } from "../../components/generatedSecrets";

const urn = (types: string, name: string) => `urn:pulumi:prod::pigsty::${types}::${name}`;

test("a password anywhere, and a local command only under the certificates' component", () => {
  expect(generatesSecret(urn("pigsty:pg:Cluster$random:index/randomPassword:RandomPassword", "pg-test-password-superuser"))).toBe(true);
  expect(generatesSecret(urn("pigsty:tls:Certificates$command:local:Command", "pki-ca"))).toBe(true);
  expect(generatesSecret(urn("command:local:Command", "elsewhere"))).toBe(false);
  expect(generatesSecret(urn("pigsty:pg:Cluster$pigsty:pg:Instance$command:remote:Command", "pg-test-1-patroni"))).toBe(false);
  expect(generatesSecret(urn("pigsty:tls:Certificates", "pki"))).toBe(false);
  expect(generatesSecret("not a urn")).toBe(false);
});
