// Lines of a step's body, and the secret slots that text carries: the maker of a text with placeholders names them.
import { placeholdersIn } from "../render/placeholders";
import { heredoc } from "./shell";

/** Script text holding secret placeholders, with the slots they name. */
export interface SecretText {
  text: string;
  secrets: string[];
}

/** A line of a step's body: plain script text (no placeholder), or text that carries secret slots. */
export type Line = string | SecretText;

/** `command <<'TAG'` with a rendered text (a file, SQL) that the host fills: it carries the slots its placeholders name. */
export function heredocCarrying(command: string, rendered: string): SecretText {
  return { text: heredoc(command, rendered), secrets: placeholdersIn(rendered) };
}

/** The line with `by` in front (a SecretText keeps its slots). */
export const indentLine = (line: Line, by: string): Line => (typeof line === "string" ? `${by}${line}` : { ...line, text: `${by}${line.text}` });
