// The plan of `setup`, pure: for each item, what exists (found by name) against what is wanted gives one
// action. Missing -> create; the same -> none; different -> update with the field diff; CREATING/UPDATING ->
// wait (then update when it still differs); FAILED -> an error with the service's lifecycleDetails; a
// difference in a field the service cannot update -> an error naming the field (setup never deletes).
import { UserFacingError } from "../lib/errors.js";
import { safeLogLine } from "../lib/text.js";

type ItemKind =
  | "repository"
  | "application"
  | "gateway"
  | "dynamic group"
  | "policy"
  | "resource app"
  | "client app"
  | "service user"
  | "exchange app"
  | "trust"
  | "deployer group";

export interface Change {
  field: string;
  from: string;
  to: string;
}

type ItemAction = "create" | "update" | "wait" | "none";

export interface PlannedItem {
  kind: ItemKind;
  name: string;
  action: ItemAction;
  /** The existing item's OCID or id. */
  id: string | undefined;
  /** For create: every field set; for update (and wait): the fields that differ. */
  changes: Change[];
  /** Policy statements: added (+) and removed (-), in order. */
  statements?: StatementDiff;
}

/** What a find-by-name found, in the terms the plan needs. */
export interface Existing {
  id: string;
  lifecycleState?: string | undefined;
  lifecycleDetails?: string | undefined;
}

export interface FieldSpec {
  field: string;
  /** The value wanted; undefined leaves the field out of the comparison. */
  desired: unknown;
  current: unknown;
  /** False when the service cannot change it once the item exists. */
  mutable?: boolean;
}

const WAIT = new Set(["CREATING", "UPDATING", "PROVISIONING"]);
const GONE = new Set(["DELETED", "TERMINATED"]);
const LEAVING = new Set(["DELETING", "TERMINATING"]);

/** A value as the plan shows it: strings as they are, lists sorted and comma-joined, the rest as JSON. */
export function show(value: unknown): string {
  if (value === undefined || value === null) return "(none)";
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.length === 0 ? "(none)" : value.map(show).sort().join(", ");
  return JSON.stringify(value);
}

/** Compare as the services do: lists are sets, strings exact. */
function same(a: unknown, b: unknown): boolean {
  return show(a) === show(b);
}

/** A listed item that is DELETED is as good as missing; anything else is the item. */
export function live<T extends { lifecycleState?: string | undefined }>(items: T[]): T[] {
  return items.filter((item) => !GONE.has(item.lifecycleState ?? ""));
}

export function planItem(
  kind: ItemKind,
  name: string,
  existing: Existing | undefined,
  fields: FieldSpec[],
): PlannedItem {
  const wanted = fields.filter((f) => f.desired !== undefined);
  if (!existing) {
    return {
      kind,
      name,
      action: "create",
      id: undefined,
      changes: wanted.map((f) => ({ field: f.field, from: "(none)", to: show(f.desired) })),
    };
  }
  const state = existing.lifecycleState ?? "ACTIVE";
  if (state === "FAILED") {
    throw new UserFacingError(
      `${kind} ${name} (${existing.id}) is FAILED: ${existing.lifecycleDetails ? safeLogLine(existing.lifecycleDetails) : "the service gave no details"}; delete it in the console (setup never deletes) and re-run setup`,
    );
  }
  if (LEAVING.has(state)) {
    throw new UserFacingError(
      `${kind} ${name} (${existing.id}) is ${state}; wait until it is gone and re-run setup, or choose another name`,
    );
  }
  const changes = wanted
    .filter((f) => !same(f.current, f.desired))
    .map((f) => ({ field: f.field, from: show(f.current), to: show(f.desired), mutable: f.mutable ?? true }));
  const fixed = changes.filter((c) => !c.mutable);
  if (fixed.length > 0) {
    throw new UserFacingError(
      `${kind} ${name} (${existing.id}) has ${fixed.map((c) => `${c.field} ${c.from}`).join(", ")} where setup wants ${fixed.map((c) => c.to).join(", ")}, and that cannot be changed; choose another name, or use the existing item's values`,
    );
  }
  const plain = changes.map(({ field, from, to }) => ({ field, from, to }));
  const action: ItemAction = WAIT.has(state) ? "wait" : plain.length > 0 ? "update" : "none";
  return { kind, name, action, id: existing.id, changes: plain };
}

// ---- policy statements ---------------------------------------------------------------------------------

interface StatementDiff {
  added: string[];
  removed: string[];
}

/** Statements compare with white space collapsed and the verb `allow` in any case (as IAM reads them). */
function canonicalStatement(statement: string): string {
  return statement
    .trim()
    .replace(/\s+/g, " ")
    .replace(/^allow /i, "Allow ");
}

export function statementDiff(current: readonly string[], desired: readonly string[]): StatementDiff {
  const have = new Set(current.map(canonicalStatement));
  const want = new Set(desired.map(canonicalStatement));
  return {
    added: desired.filter((s) => !have.has(canonicalStatement(s))),
    removed: current.filter((s) => !want.has(canonicalStatement(s))),
  };
}

export function planPolicy(
  name: string,
  existing: (Existing & { statements: string[] }) | undefined,
  desired: string[],
): PlannedItem {
  const base = planItem("policy", name, existing, []);
  if (!existing) return { ...base, statements: { added: desired, removed: [] } };
  const diff = statementDiff(existing.statements, desired);
  const differs = diff.added.length > 0 || diff.removed.length > 0;
  return {
    ...base,
    action: base.action === "wait" ? "wait" : differs ? "update" : "none",
    statements: diff,
  };
}

// ---- rendering -----------------------------------------------------------------------------------------

export interface SetupPlan {
  dryRun: boolean;
  items: PlannedItem[];
  /** What setup's own user needs, as policy statements (printed with the plan). */
  permissions: string[];
}

export function countWrites(plan: SetupPlan): number {
  return plan.items.filter((i) => i.action === "create" || i.action === "update").length;
}

function actionText(item: PlannedItem): string {
  switch (item.action) {
    case "create":
      return "create";
    case "update":
      return `update ${item.id}`;
    case "wait":
      return `wait for ${item.id} (still being created)${item.changes.length > 0 || (item.statements?.added.length ?? 0) > 0 ? ", then update" : ""}`;
    default:
      return `unchanged (${item.id})`;
  }
}

/** The plan as log lines: one headline per item, its changes beneath. */
export function renderPlan(plan: SetupPlan): string[] {
  const writes = countWrites(plan);
  const lines = [
    `${plan.dryRun ? "Dry run: " : ""}${writes === 0 ? "nothing to change" : `${writes} item${writes === 1 ? "" : "s"} to create or update`}`,
  ];
  for (const item of plan.items) {
    lines.push(`${item.kind} ${item.name}: ${actionText(item)}`);
    for (const c of item.changes) {
      lines.push(
        item.action === "create" ? `    ${c.field}: ${c.to}` : `    ${c.field}: ${c.from} -> ${c.to}`,
      );
    }
    for (const s of item.statements?.added ?? []) lines.push(`    + ${s}`);
    for (const s of item.statements?.removed ?? []) lines.push(`    - ${s}`);
  }
  lines.push("setup's own user needs these policy statements (and nothing more):");
  for (const statement of plan.permissions) lines.push(`    ${statement}`);
  return lines.map(safeLogLine);
}
