// pinned-host-key: without connection.hostKey the SSH client accepts any host key, so commands could run elsewhere.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { forRemoteCommands, isUnknown } from "./lib";

export const pinnedHostKey: ResourceValidationPolicy = {
  name: "pinned-host-key",
  description: "Every remote command pins the SSH host key of the host it connects to.",
  enforcementLevel: "mandatory",
  validateResource: forRemoteCommands((props, _config, args, report) => {
    // A connection or key that only resolves during `up` is not a missing key.
    if (isUnknown(() => args.props.connection?.hostKey)) return;
    const conn = props.connection;
    if (!conn || (conn.hostKey ?? "").trim() !== "") return;
    report(
      `Command ${args.name} connects to ${conn.host ?? "?"} without connection.hostKey, so the host is never ` +
        "verified; pin the host's public key (e.g. from ssh-keyscan, checked out of band) in the inventory.",
    );
  }),
};
