// no-plaintext-password: passwords travel on stdin as Pulumi secrets, never in command lines, env or component facts.
//
// Why pattern matching: @pulumi/policy 1.21 strips the secret marker before a validation sees props (the engine
// sends it; the SDK only keeps it for remediations), so a policy cannot tell a secret input from a plain one.
// What it can tell is where a password sits: in create/update/delete it ends up in the remote process list and
// the preview diff whether or not it was a secret; environment is refused by sshd outside AcceptEnv. stdin is the
// channel the design reserves for secrets, so it is only scanned when a stack opts in (inspectStdin).
import { ResourceValidationPolicy } from "@pulumi/policy";
import { isPlaceholder } from "../render/placeholders";
import { CommandProps, Maybe, plain } from "./lib";

interface Config {
  inspectStdin?: boolean;
}

const sqlPassword = /\bPASSWORD\s+'([^']*)'/i;
// `key=value`, `key = value` and YAML's `key: value`; a space before ':' is psql's `:'var'` reference instead.
// A placeholder's value is taken whole: its `|format` is not a shell pipe.
const assignment = /\b([A-Za-z_]*(?:PASSWORD|PASSWD))(?:\s*=|:)\s*(\{\{secret:[^}\s]*\}\}|"[^"]*"|'[^']*'|[^\s;&|]+)/gi;
// A value that names a variable, is blank or masked, or is a secret slot's placeholder is a reference, not a password.
const reference = /^["']?(\$|\*+["']?$|["']?$)/;
const passwordKey = /passw(or)?d|secret/i;
const notSecretKeys = new Set(["password_encryption"]);

/** Describes the first password-looking assignment in `text` without echoing the value, or undefined. */
export function findPassword(text: string): string | undefined {
  const sql = sqlPassword.exec(text);
  if (sql && sql[1] !== "") return "PASSWORD '…'";
  for (const [, key, value] of text.matchAll(assignment)) {
    if (!reference.test(value) && !isPlaceholder(value)) return `${key}=…`;
  }
  return undefined;
}

/** Paths of non-empty string props whose key looks like a password, anywhere in `value`. */
function passwordPaths(value: unknown, path = ""): string[] {
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const p = Array.isArray(value) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
    const hit = passwordKey.test(k) && !notSecretKeys.has(k) && typeof v === "string" && v !== "";
    return hit ? [p] : passwordPaths(v, p);
  });
}

export const noPlaintextPassword: ResourceValidationPolicy = {
  name: "no-plaintext-password",
  description: "Passwords reach hosts only on a command's stdin, never in scripts, environment or component facts.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      inspectStdin: { type: "boolean", default: false, description: "Also flag passwords found on stdin." },
    },
  },
  validateResource: (args, report) => {
    const config = args.getConfig<Config>();
    if (args.type.startsWith("pigsty:")) {
      for (const p of passwordPaths(plain(args.props))) {
        report(
          `${args.type} ${args.name} carries a password-like property ${p}; keep passwords out of component ` +
            "facts and pass them to the commands on stdin as Pulumi secrets.",
        );
      }
      return;
    }
    if (!args.type.startsWith("command:remote:")) return;
    const props = plain(args.props) as Maybe<CommandProps>;
    const fields: ("create" | "update" | "delete" | "stdin")[] = ["create", "update", "delete"];
    if (config.inspectStdin) fields.push("stdin");
    for (const field of fields) {
      const text = props[field];
      const found = typeof text === "string" ? findPassword(text) : undefined;
      if (!found) continue;
      report(
        `Command ${args.name} has a password in its ${field} (${found}); pass it on stdin from a Pulumi secret ` +
          "so it stays out of the remote process list, logs and preview diffs.",
      );
    }
    for (const [key, value] of Object.entries(props.environment ?? {})) {
      if (!passwordKey.test(key) && !(typeof value === "string" && findPassword(value))) continue;
      report(
        `Command ${args.name} passes a password in environment variable ${key}; send it on stdin from a ` +
          "Pulumi secret instead (sshd also drops variables that AcceptEnv does not list).",
      );
    }
  },
};
