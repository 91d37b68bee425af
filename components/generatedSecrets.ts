// Which of the program's resources generate a secret when they are created, updated or replaced: the ones whose
// loss in a crashed `up` would make the next `up` generate another value and install it over the first
// (`npm run up` creates them in a checkpointed phase of their own: scripts/up.ts).

/** A password made by @pulumi/random (components/passwords.ts). */
export const PASSWORD_TYPE = "random:index/randomPassword:RandomPassword";
/** The certificates' component (components/certificates.ts): each local command under it prints a new key. */
export const CERTIFICATES_TYPE = "pigsty:tls:Certificates";
const LOCAL_COMMAND_TYPE = "command:local:Command";

/**
 * True when the resource named by `urn` generates a secret. A URN carries the types of its ancestors
 * (`urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>`), so the certificate commands are recognised by
 * their parent without the state.
 */
export function generatesSecret(urn: string): boolean {
  const parts = urn.split("::");
  if (parts.length < 4) return false;
  const chain = parts[2].split("$");
  const type = chain[chain.length - 1];
  if (type === PASSWORD_TYPE) return true;
  return type === LOCAL_COMMAND_TYPE && chain[chain.length - 2] === CERTIFICATES_TYPE;
}
