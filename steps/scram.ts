// Fills the password placeholders of SQL with SCRAM-SHA-256 verifiers, on the host.
//
// Why verifiers and not the passwords: a plaintext password in `ALTER ROLE ... PASSWORD` reaches the
// server's log (log_statement, or an error that echoes the statement) and could close the quoting
// around it. A verifier is what Postgres stores anyway (it keeps it as given), it is computed where
// the password is (the host reads it from the step's stdin), and its alphabet (base64, `$`, `:`,
// digits, "SCRAM-SHA-256") has no `_`, so the fixed dollar-quote tag `$pigsty_pw$` of steps/sql.ts
// can never occur in it. Clients still log in with the password, as with any scram-sha-256 role.
import { hostProgram } from "../render/hostProgram";

/**
 * python3 program (render/host/fill-scram.py): argv[1] secrets JSON (slot -> password), argv[2] SQL text;
 * prints the SQL with each `{{secret:slot|scram}}` replaced by a verifier (any other placeholder is refused). A password that
 * already is a SCRAM verifier or an md5 hash (Pigsty accepts both) is used as it is. The salt is
 * random, so the text differs every run.
 */
export const SCRAM_FILL = hostProgram("fill-scram.py");
