// Evaluates Pigsty's service selectors, a small JMESPath subset: "[]" or "[? cond && cond || cond ]".

/** What a selector can look at on a member. */
export interface SelectorSubject {
  pg_role: string;
  pg_seq: number;
  pg_offline_query: boolean;
}

export type Selector = (member: SelectorSubject) => boolean;

/** Terms Pigsty's default and documented selectors use. */
const TERM = /^(!?)\s*(pg_offline_query)$|^(pg_role|pg_seq)\s*(==|!=)\s*`([^`]*)`$/;

function parseTerm(text: string): Selector | undefined {
  const m = TERM.exec(text.trim());
  if (!m) return undefined;
  if (m[2]) {
    const negate = m[1] === "!";
    return (s) => s.pg_offline_query !== negate;
  }
  const [field, op, literal] = [m[3] as "pg_role" | "pg_seq", m[4], m[5]];
  const equal = (s: SelectorSubject) => String(s[field]) === literal;
  return op === "==" ? equal : (s) => !equal(s);
}

/**
 * Parses a selector. Returns the predicate, or a string explaining what is not understood
 * (so validation can report it with the field path).
 */
export function parseSelector(text: string): Selector | string {
  const body = text.trim();
  if (/^\[\s*\]$/.test(body)) return () => true;
  const m = /^\[\?(.*)\]$/s.exec(body);
  if (!m) return `${JSON.stringify(text)} is not a selector. Write "[]" or "[? pg_role == \`replica\` ]"`;
  const alternatives: Selector[] = [];
  for (const alt of m[1].split("||")) {
    const terms: Selector[] = [];
    for (const termText of alt.split("&&")) {
      const term = parseTerm(termText);
      if (!term) {
        return `${JSON.stringify(termText.trim())} is not a supported condition. Use pg_role == \`x\`, pg_role != \`x\`, pg_seq == \`n\` or [!]pg_offline_query, joined by && and ||`;
      }
      terms.push(term);
    }
    alternatives.push((s) => terms.every((t) => t(s)));
  }
  return (s) => alternatives.some((a) => a(s));
}
