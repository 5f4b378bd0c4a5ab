// The rule of an Identity Propagation Trust's impersonationServiceUsers entry: which inbound tokens may act
// as that service user. Oracle documents the attribute as "the rule expression to be used for matching the
// inbound token" without a grammar; the sandbox accepts (unconfirmed) `<claim> eq <value>` clauses joined by
// ` and `, the value bare (no whitespace) or double-quoted, e.g.
// `sub eq repo:octo-org/usage-reports:ref:refs/heads/main and repository_owner eq octo-org`.

interface RuleClause {
  claim: string;
  value: string;
}

const CLAUSE = /\s*([A-Za-z_][A-Za-z0-9_.-]*)\s+eq\s+("(?:[^"\\]|\\.)*"|\S+)\s*/y;
const AND = /and\s+/iy;

/** The clauses of a rule; throws an Error saying what is wrong and what the syntax is. */
export function parseRule(rule: string): RuleClause[] {
  const clauses: RuleClause[] = [];
  let pos = 0;
  while (true) {
    CLAUSE.lastIndex = pos;
    const m = CLAUSE.exec(rule);
    if (!m) break;
    const raw = m[2]!;
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
    clauses.push({ claim: m[1]!, value });
    pos = CLAUSE.lastIndex;
    if (pos === rule.length) return clauses;
    AND.lastIndex = pos;
    if (!AND.exec(rule)) break;
    pos = AND.lastIndex;
  }
  const syntax =
    '<claim> eq <value> clauses joined by " and ", e.g. sub eq repo:owner/repo:ref:refs/heads/main';
  throw new Error(`the rule "${rule}" is not supported: use ${syntax}`);
}

/** Whether the token's claim equals the clause's value (an array claim: any member). */
function clauseMatches(clause: RuleClause, claims: Record<string, unknown>): boolean {
  const actual = claims[clause.claim];
  const values = Array.isArray(actual) ? actual : [actual];
  return values.some(
    (v) =>
      (typeof v === "string" || typeof v === "number" || typeof v === "boolean") &&
      String(v) === clause.value,
  );
}

/** Whether every clause of the rule matches the token's claims (values compare exactly, case included). */
export function ruleMatches(rule: string, claims: Record<string, unknown>): boolean {
  return parseRule(rule).every((clause) => clauseMatches(clause, claims));
}
