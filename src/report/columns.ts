// Usage rows -> CSV columns, derived from the query alone so the header is known before the first row
// arrives: the plain report (OCI field names) here, the FinOps FOCUS variant in focus.ts. Pure: no I/O.

import { GROUP_BY_DIMENSIONS } from "../lib/usage-api.js";

/** An OCI UsageSummary as the endpoint returns it (fields not grouped by are null). */
export type UsageItem = Record<string, unknown>;

export interface TagRef {
  namespace: string;
  key: string;
}

export type Granularity = "MONTHLY" | "DAILY";
export type QueryType = "COST" | "USAGE";

/** The parts of the query that decide the columns. */
export interface QueryShape {
  granularity: Granularity;
  queryType: QueryType;
  groupBy: readonly string[];
  groupByTag?: TagRef | undefined;
}

export interface RowContext {
  /** YYYY-MM */
  month: string;
  /** The calendar month: [billingPeriodStart, billingPeriodEnd). */
  billingPeriodStart: string;
  billingPeriodEnd: string;
  /** Used for FOCUS BillingCurrency when a row has none (input `currency`). */
  fallbackCurrency?: string | undefined;
  /** Used for FOCUS BillingAccountId when a row has none (input `tenant-id`). */
  tenantId?: string | undefined;
}

export type CellValue = string | number | null;

export interface Column {
  readonly name: string;
  /**
   * Text cells get formula escaping in CSV; number cells are written as plain numbers; decimal cells (FOCUS
   * Decimal columns) likewise, always with a decimal point so that CSV readers infer a decimal type.
   */
  readonly kind: "text" | "number" | "decimal";
  value(item: UsageItem, ctx: RowContext): CellValue;
  /**
   * What value() reads, for writers that take values where a scanned page holds them (csv-rows.ts): one
   * field (value is then text(item[field]) for a text column, numeric(item[field]) for a number column), or
   * the context alone. Unset: the writer asks value() with the item.
   */
  readonly reads?: { readonly field: string } | "context";
}

/** groupBy values the Usage API documents. */
export { GROUP_BY_DIMENSIONS };

const TAG_DIMENSIONS: Record<string, "namespace" | "key" | "value"> = {
  tagNamespace: "namespace",
  tagKey: "key",
  tagValue: "value",
};

export function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function numeric(value: unknown): number | string | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && value.trim() !== "") return value;
  return null;
}

interface Tag {
  namespace?: unknown;
  key?: unknown;
  value?: unknown;
}

export function tagsOf(item: UsageItem): Tag[] {
  const tags = item.tags;
  return Array.isArray(tags) ? (tags.filter((t) => t !== null && typeof t === "object") as Tag[]) : [];
}

function tagColumnName(tag: TagRef): string {
  return `tag:${tag.namespace}.${tag.key}`;
}

function field(name: string): Column {
  return { name, kind: "text", value: (item) => text(item[name]), reads: { field: name } };
}

function numberField(name: string): Column {
  return { name, kind: "number", value: (item) => numeric(item[name]), reads: { field: name } };
}

function dimensionColumn(dimension: string): Column {
  const tagField = TAG_DIMENSIONS[dimension];
  if (tagField) return { name: dimension, kind: "text", value: (item) => text(tagsOf(item)[0]?.[tagField]) };
  return field(dimension);
}

function tagValueColumn(tag: TagRef): Column {
  return {
    name: tagColumnName(tag),
    kind: "text",
    value: (item) =>
      text(tagsOf(item).find((t) => t.namespace === tag.namespace && t.key === tag.key)?.value),
  };
}

/**
 * The plain report: month, period start/end, the groupBy dimensions in order, the groupByTag column,
 * computedAmount, computedQuantity, unit (when not a dimension) and currency.
 */
export function reportColumns(shape: QueryShape): Column[] {
  const columns: Column[] = [
    { name: "month", kind: "text", value: (_item, ctx) => ctx.month, reads: "context" },
    field("timeUsageStarted"),
    field("timeUsageEnded"),
  ];
  const seen = new Set<string>();
  for (const dimension of shape.groupBy) {
    if (seen.has(dimension)) continue;
    seen.add(dimension);
    columns.push(dimensionColumn(dimension));
  }
  if (shape.groupByTag) columns.push(tagValueColumn(shape.groupByTag));
  columns.push(numberField("computedAmount"), numberField("computedQuantity"));
  if (!seen.has("unit")) columns.push(field("unit"));
  columns.push(field("currency"));
  return columns;
}

export function rowValues(columns: readonly Column[], item: UsageItem, ctx: RowContext): CellValue[] {
  const values = new Array<CellValue>(columns.length);
  for (let i = 0; i < columns.length; i++) values[i] = columns[i]!.value(item, ctx);
  return values;
}
