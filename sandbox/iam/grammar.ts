// The subset of OCI's policy language and dynamic-group matching rules that the project emits (src/deploy/iam.ts
// and setup): enough grammar to refuse a malformed statement as the Identity service does (400
// InvalidParameter), not a policy engine. Keywords are case-insensitive, as in OCI.
//
//   statement := Allow <subject> to <verb> <resource-type> in <location> [where <condition>]
//   subject   := group <name> | dynamic-group <name> | group id <ocid> | dynamic-group id <ocid>
//              | any-user | any-group | service <name>          (<name> may be 'Domain'/'Name')
//   verb      := inspect | read | use | manage
//   location  := tenancy | compartment <name>[:<name>...] | compartment id <ocid>
//   condition := <clause> | ALL {<clause>, ...} | ANY {<clause>, ...}
//   clause    := <variable> = | != <value>          (value: 'quoted' or a bare word)
//
//   rule      := <match> | ALL {<match>, ...} | ANY {<match>, ...}
//   match     := resource.type | resource.id | resource.compartment.id | instance.id | instance.compartment.id
//                = '<value>'

interface PolicyStatement {
  subject: { kind: string; name?: string; id?: string };
  verb: "inspect" | "read" | "use" | "manage";
  resourceType: string;
  location: { kind: "tenancy" } | { kind: "compartment"; name?: string; id?: string };
  conditions?: Condition;
}

interface Clause {
  variable: string;
  operator: "=" | "!=";
  value: string;
}

interface Condition {
  combinator: "ALL" | "ANY" | "ONE";
  clauses: Clause[];
}

export class GrammarError extends Error {}

/** Resource types and families the sandbox knows; an unknown one is refused, as OCI refuses it. */
export const KNOWN_RESOURCE_TYPES: readonly string[] = [
  "all-resources",
  "usage-report",
  "usage-budgets",
  "tenancies",
  "compartments",
  "functions-family",
  "fn-app",
  "fn-function",
  "fn-invocation",
  "repos",
  "objectstorage-namespaces",
  "object-family",
  "buckets",
  "objects",
  "virtual-network-family",
  "vcns",
  "subnets",
  "vnics",
  "network-security-groups",
  "api-gateway-family",
  "api-gateways",
  "api-deployments",
  "api-workrequests",
  "api-certificates",
  "dynamic-groups",
  "policies",
  "groups",
  "users",
  "domains",
  "log-groups",
  "log-content",
  "metrics",
  "vaults",
  "keys",
  "secret-family",
];

const OCID = /^ocid1\.[a-z0-9]+\.[a-z0-9-]*\.[a-z0-9-]*\.[a-z0-9]+$/;
const NAME = /^(?:'[^']+'\/'[^']+'|'[^']+'|[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)?)$/;
const VARIABLE = /^[a-z][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+$/;
const MATCH_VARIABLES = new Set([
  "resource.type",
  "resource.id",
  "resource.compartment.id",
  "instance.id",
  "instance.compartment.id",
]);

/** Words of a statement; a quoted value and a {...} block each stay one token. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(\{[^{}]*\}|'[^']*'(?:\/'[^']*')?|[^\s{}']+(?:'[^']*')?)/y;
  let pos = 0;
  const rest = () => text.slice(pos).trim();
  while (rest() !== "") {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new GrammarError(`unexpected text at "${rest().slice(0, 20)}"`);
    tokens.push(m[1]!);
    pos = re.lastIndex;
  }
  return tokens;
}

function unquote(value: string): string {
  return value.startsWith("'") && value.endsWith("'") && value.length >= 2 ? value.slice(1, -1) : value;
}

function parseClause(text: string): Clause {
  const m = /^\s*([^\s=!]+)\s*(!=|=)\s*('[^']*'|[^\s',{}]+)\s*$/.exec(text);
  if (!m) throw new GrammarError(`"${text.trim()}" is not <variable> = <value>`);
  const variable = m[1]!;
  if (!VARIABLE.test(variable)) throw new GrammarError(`"${variable}" is not a variable name`);
  return { variable, operator: m[2] as "=" | "!=", value: unquote(m[3]!) };
}

/** `ALL {a, b}`, `ANY {a}` or one clause. */
function parseCondition(text: string): Condition {
  const block = /^\s*(ALL|ANY)\s*\{(.*)\}\s*$/is.exec(text);
  if (!block) return { combinator: "ONE", clauses: [parseClause(text)] };
  const inner = block[2]!;
  if (inner.trim() === "") throw new GrammarError(`${block[1]!.toUpperCase()} {} has no condition`);
  // Commas inside quoted values are part of the value.
  const parts = inner.match(/(?:'[^']*'|[^,'])+/g) ?? [];
  if (parts.length === 0 || /,\s*$/.test(inner) || /^\s*,/.test(inner))
    throw new GrammarError("empty condition in a list");
  return { combinator: block[1]!.toUpperCase() as "ALL" | "ANY", clauses: parts.map(parseClause) };
}

function parseSubject(tokens: string[]): PolicyStatement["subject"] {
  const kind = (tokens.shift() ?? "").toLowerCase();
  if (kind === "any-user" || kind === "any-group") return { kind };
  if (kind !== "group" && kind !== "dynamic-group" && kind !== "service") {
    throw new GrammarError(`"${kind}" is not a subject (group, dynamic-group, service, any-user)`);
  }
  const next = tokens.shift();
  if (next === undefined) throw new GrammarError(`${kind} needs a name`);
  if (next.toLowerCase() === "id" && kind !== "service") {
    const id = tokens.shift() ?? "";
    if (!OCID.test(id)) throw new GrammarError(`"${id}" is not an OCID`);
    return { kind, id };
  }
  if (!NAME.test(next)) throw new GrammarError(`"${next}" is not a ${kind} name`);
  return { kind, name: unquote(next) };
}

function parseLocation(tokens: string[]): PolicyStatement["location"] {
  const kind = (tokens.shift() ?? "").toLowerCase();
  if (kind === "tenancy") return { kind: "tenancy" };
  if (kind !== "compartment") throw new GrammarError(`"${kind}" is not a location (tenancy, compartment)`);
  const next = tokens.shift();
  if (next === undefined) throw new GrammarError("compartment needs a name or an id");
  if (next.toLowerCase() === "id") {
    const id = tokens.shift() ?? "";
    if (!OCID.test(id)) throw new GrammarError(`"${id}" is not an OCID`);
    return { kind: "compartment", id };
  }
  if (!/^[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)*$/.test(next))
    throw new GrammarError(`"${next}" is not a compartment name`);
  return { kind: "compartment", name: next };
}

function expectWord(tokens: string[], word: string): void {
  const got = tokens.shift();
  if (got?.toLowerCase() !== word) throw new GrammarError(`expected "${word}", found "${got ?? "the end"}"`);
}

/** Parse one policy statement; throws GrammarError naming what is wrong. */
export function parseStatement(
  text: string,
  /** The resource types a statement may name; null accepts any. */
  resourceTypes: readonly string[] | null = KNOWN_RESOURCE_TYPES,
): PolicyStatement {
  const whereAt = text.search(/\swhere(\s|$)/i);
  const head = whereAt < 0 ? text : text.slice(0, whereAt);
  const tokens = tokenize(head);
  expectWord(tokens, "allow");
  const subject = parseSubject(tokens);
  expectWord(tokens, "to");
  const verb = (tokens.shift() ?? "").toLowerCase();
  if (verb !== "inspect" && verb !== "read" && verb !== "use" && verb !== "manage") {
    throw new GrammarError(`"${verb}" is not a verb (inspect, read, use, manage)`);
  }
  const resourceType = (tokens.shift() ?? "").toLowerCase();
  if (!/^[a-z][a-z0-9-]*$/.test(resourceType)) throw new GrammarError("a resource type is required");
  if (resourceTypes && !resourceTypes.includes(resourceType)) {
    throw new GrammarError(`unknown resource type "${resourceType}"`);
  }
  expectWord(tokens, "in");
  const location = parseLocation(tokens);
  if (tokens.length > 0) throw new GrammarError(`unexpected "${tokens.join(" ")}"`);
  const statement: PolicyStatement = { subject, verb, resourceType, location };
  if (whereAt >= 0) statement.conditions = parseCondition(text.slice(whereAt).replace(/^\s*where/i, ""));
  return statement;
}

/** Parse a dynamic group's matching rule; throws GrammarError naming what is wrong. */
export function parseMatchingRule(text: string): Condition {
  const condition = parseCondition(text);
  for (const clause of condition.clauses) {
    if (!MATCH_VARIABLES.has(clause.variable)) {
      throw new GrammarError(`"${clause.variable}" is not a matching-rule variable`);
    }
    if (clause.operator !== "=") throw new GrammarError("matching rules compare with =");
    if (clause.variable.endsWith(".id") && !OCID.test(clause.value)) {
      throw new GrammarError(`"${clause.value}" is not an OCID`);
    }
  }
  return condition;
}
