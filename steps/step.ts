// A host step: the scripts of one remote command and the secret slots its stdin must carry.
import { placeholdersIn } from "../render/placeholders";
import { installFileLines, PENDING_BEGIN, type FileSpec } from "./installFiles";
import { indentLine, type Line } from "./lines";
import { inlinePrologue, libraryFunctions, libraryPrologue, removalPrologue, script } from "./shell";

export interface HostStep {
  /** Runs on create and on every change of the step (scripts are idempotent). */
  create: string;
  /** Runs when the step is removed; undefined = nothing to undo. */
  delete?: string;
  /** Secret slots the scripts read from stdin (JSON object); empty = no stdin. */
  secrets: string[];
}

/**
 * A step's name. Its id is what its hosts know it by: its scripts' header and log file and its pending record
 * derive from it, so a changed id re-runs the step on every host and leaves its pending record behind; never
 * change one. Its title is prose for the program's own messages, free to reword. A plain string is both: every
 * step's id is the title it had before the two were told apart, so nothing on any host changed.
 */
export type StepName = string | { id: string; title: string };

export const stepId = (name: StepName) => (typeof name === "string" ? name : name.id);
export const stepTitle = (name: StepName) => (typeof name === "string" ? name : name.title);

/** The lines' text and the slots they declare. Refuses a script whose placeholders differ from them: a slot missing
 * from stdin fails on the host, a slot no placeholder names sends a secret for nothing. */
function assemble(title: string, lines: Line[]): { lines: string[]; secrets: string[] } {
  const text = lines.map((l) => (typeof l === "string" ? l : l.text));
  const secrets = [...new Set(lines.flatMap((l) => (typeof l === "string" ? [] : l.secrets)))];
  const named = placeholdersIn(text.join("\n"));
  const undeclared = named.filter((s) => !secrets.includes(s));
  const unused = secrets.filter((s) => !named.includes(s));
  if (undeclared.length > 0) throw new Error(`step "${title}": its script holds placeholders of secret slot(s) ${undeclared.join(", ")} in plain lines; pass them as a SecretText (or a file) that names its slots`);
  if (unused.length > 0) throw new Error(`step "${title}": it declares secret slot(s) ${unused.join(", ")} that no placeholder in its script uses`);
  return { lines: text, secrets };
}

/** Builds a step from body lines; its secret slots are those the lines declare (files, SecretText). */
export function hostStep(name: StepName, body: Line[], deleteBody?: Line[]): HostStep {
  return buildStep(name, body, deleteBody, libraryPrologue);
}

/**
 * A host's -prepare step, which installs the step library (steps/hostLibrary.ts) that every other step sources: its
 * scripts start without it. It has no removal.
 */
export function bootstrapStep(name: StepName, body: Line[]): HostStep {
  const text = body.map((l) => (typeof l === "string" ? l : l.text)).join("\n");
  const used = libraryFunctions().filter((f) => new RegExp(`(^|[\\s;|&({])${f}\\b`, "m").test(text));
  if (used.length > 0) throw new Error(`step "${stepId(name)}": it installs the step library, so it cannot call the library's ${used.join(", ")}`);
  return buildStep(name, body, undefined, inlinePrologue);
}

function buildStep(name: StepName, body: Line[], deleteBody: Line[] | undefined, prologue: (id: string, readsSecrets: boolean) => string[]): HostStep {
  const [id, title] = [stepId(name), stepTitle(name)];
  const create = assemble(title, body);
  // The provider sends the same stdin to the removal (from the state), so a removal can read secrets too.
  const removal = deleteBody && assemble(`${title} (removal)`, deleteBody);
  return {
    create: script(id, [...prologue(id, create.secrets.length > 0), ...create.lines]),
    delete: removal && removalScript(id, removal),
    secrets: [...new Set([...create.secrets, ...(removal?.secrets ?? [])])],
  };
}

/**
 * A removal's script sources the step library like any other step (the same version as its step's last run), or the
 * newest one on the host when that one is gone. A host with no library at all has nothing of this stack left to
 * remove (rebuilt since): the removal says so and succeeds. It installs no file.
 */
function removalScript(id: string, removal: { lines: string[]; secrets: string[] }): string {
  const text = removal.lines.join("\n");
  const installs = ["install_file", "pending_begin"].filter((f) => new RegExp(`\\b${f}\\b`).test(text));
  if (installs.length > 0) throw new Error(`step "${id} (removal)": a removal installs no file, so it cannot call ${installs.join(", ")}`);
  return script(`${id} (removal)`, [...removalPrologue(`${id} (removal)`, removal.secrets.length > 0), ...removal.lines]);
}

/** What a files step does, in the order it runs. */
export interface FilesStepParts {
  /** Lines run before the files are installed. */
  before?: Line[];
  /** The files installed, in path order. */
  files: FileSpec[];
  /** Lines run when a file changed (now, or in an earlier attempt whose actions did not finish). */
  onChange?: Line[];
  /** Lines run every time, after the files and the actions on change. */
  always?: Line[];
  /** The removal's body; undefined = nothing to undo. */
  removal?: Line[];
}

/**
 * Runs `before`, installs files, then runs `onChange` when one of them changed (now, or in an earlier
 * attempt whose `onChange` did not finish) and `always` every time.
 */
export function filesStep(name: StepName, { before = [], files, onChange = [], always = [], removal }: FilesStepParts): HostStep {
  const body: Line[] = [PENDING_BEGIN, ...before, ...installFileLines(files)];
  if (onChange.length > 0) body.push("if changed; then", ...onChange.map((l) => indentLine(l, "  ")), "fi");
  body.push('rm -f "$pending" "$pending".*');
  return hostStep(name, [...body, ...always], removal);
}
