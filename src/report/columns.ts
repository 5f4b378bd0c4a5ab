// Usage rows -> CSV columns. Two column sets, both derived from the query alone so the header is known
// before the first row arrives: the plain report (OCI field names) and the FinOps FOCUS 1.2 variant.
// Pure: no I/O.

import { formatExact, multiply, parseDecimal } from "../lib/money.js";
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
}

export type CellValue = string | number | null;

export interface Column {
  readonly name: string;
  /** Text cells get formula escaping in CSV; number cells are written as plain numbers. */
  readonly kind: "text" | "number";
  value(item: UsageItem, ctx: RowContext): CellValue;
}

/** groupBy values the Usage API documents. */
export { GROUP_BY_DIMENSIONS };

const TAG_DIMENSIONS: Record<string, "namespace" | "key" | "value"> = {
  tagNamespace: "namespace",
  tagKey: "key",
  tagValue: "value",
};

function text(value: unknown): string | null {
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

function tagsOf(item: UsageItem): Tag[] {
  const tags = item.tags;
  return Array.isArray(tags) ? (tags.filter((t) => t !== null && typeof t === "object") as Tag[]) : [];
}

function tagColumnName(tag: TagRef): string {
  return `tag:${tag.namespace}.${tag.key}`;
}

function field(name: string): Column {
  return { name, kind: "text", value: (item) => text(item[name]) };
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
    { name: "month", kind: "text", value: (_item, ctx) => ctx.month },
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
  columns.push(
    { name: "computedAmount", kind: "number", value: (item) => numeric(item.computedAmount) },
    { name: "computedQuantity", kind: "number", value: (item) => numeric(item.computedQuantity) },
  );
  if (!seen.has("unit")) columns.push(field("unit"));
  columns.push(field("currency"));
  return columns;
}

// --- FOCUS -------------------------------------------------------------------------------------

/** FOCUS ServiceCategory values (FOCUS 1.2). */
export type ServiceCategory =
  | "AI and Machine Learning"
  | "Analytics"
  | "Business Applications"
  | "Compute"
  | "Databases"
  | "Developer Tools"
  | "Identity"
  | "Integration"
  | "Internet of Things"
  | "Management and Governance"
  | "Media"
  | "Migration"
  | "Mobile"
  | "Multicloud"
  | "Networking"
  | "Security"
  | "Storage"
  | "Web"
  | "Other";

// Ordered rules over the normalised OCI service name (lower case, letters and digits only); the first
// match wins, so the more specific names come first.
const SERVICE_RULES: ReadonlyArray<readonly [RegExp, ServiceCategory]> = [
  [
    /generativeai|aiservice|language|vision|speech|datascience|digitalassistant|machinelearning|documentunderstanding/,
    "AI and Machine Learning",
  ],
  [/analytics|dataflow|bigdata|datacatalog|dataintegration|goldengate|datalabeling/, "Analytics"],
  [/database|autonomous|exadata|mysql|nosql|postgres|heatwave|opensearch|cache|redis/, "Databases"],
  [/apigateway|integration|streaming|queue|notification|events|connectorhub|serviceconnector/, "Integration"],
  [/blockstorage|objectstorage|filestorage|archive|storage|backup|volume/, "Storage"],
  [
    /network|vcn|loadbalancer|fastconnect|dns|vpn|bandwidth|datatransfer|egress|natgateway|gateway/,
    "Networking",
  ],
  [/vault|keymanagement|kms|waf|firewall|cloudguard|bastion|certificate|security|scanning/, "Security"],
  [/identity|iam|idcs|accessgovernance/, "Identity"],
  [
    /monitoring|logging|audit|observability|apm|resourcemanager|operationsinsights|management|governance|budget|cost/,
    "Management and Governance",
  ],
  [/devops|registry|artifact|codeeditor|apex/, "Developer Tools"],
  [/compute|function|container|kubernetes|oke|instance|baremetal|vmware|gpu|batch/, "Compute"],
  [/mediaservice|media|streamingvideo/, "Media"],
  [/iot|internetofthings/, "Internet of Things"],
  [/migration|databasemigration/, "Migration"],
  [/email|webapp|visualbuilder|web/, "Web"],
];

/** FOCUS ServiceCategory for an OCI service name ("Other" when unknown or absent). */
export function serviceCategory(service: string | null | undefined): ServiceCategory {
  if (!service) return "Other";
  const key = service.toLowerCase().replace(/[^a-z0-9]/g, "");
  for (const [pattern, category] of SERVICE_RULES) if (pattern.test(key)) return category;
  return "Other";
}

function isNegativeAmount(value: unknown): boolean {
  if (typeof value === "number") return value < 0;
  if (typeof value === "string") return value.trim().startsWith("-");
  return false;
}

/** listRate × computedQuantity, exactly; null when either is missing. */
function listCost(item: UsageItem): string | null {
  const rate = numeric(item.listRate);
  const quantity = numeric(item.computedQuantity);
  if (rate === null || quantity === null) return null;
  try {
    return formatExact(multiply(parseDecimal(rate), parseDecimal(quantity)));
  } catch {
    return null;
  }
}

/** FOCUS Tags: a JSON object {"namespace.key": "value"} with sorted keys, or null when untagged. */
export function focusTags(item: UsageItem): string | null {
  const entries: [string, string][] = [];
  for (const tag of tagsOf(item)) {
    const key = text(tag.key);
    if (key === null) continue;
    const ns = text(tag.namespace);
    entries.push([ns ? `${ns}.${key}` : key, text(tag.value) ?? ""]);
  }
  if (entries.length === 0) return null;
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(Object.fromEntries(entries));
}

const constant =
  (value: string): Column["value"] =>
  () =>
    value;

/** FOCUS 1.2 columns, in the spec's alphabetical order, then x_ extension columns. */
export function focusColumns(_shape: QueryShape): Column[] {
  const amount = (item: UsageItem) => numeric(item.computedAmount);
  return [
    { name: "BilledCost", kind: "number", value: amount },
    { name: "BillingAccountId", kind: "text", value: (item) => text(item.tenantId) },
    { name: "BillingAccountName", kind: "text", value: (item) => text(item.tenantName) },
    {
      name: "BillingCurrency",
      kind: "text",
      value: (item, ctx) => text(item.currency) ?? ctx.fallbackCurrency ?? null,
    },
    { name: "BillingPeriodEnd", kind: "text", value: (_item, ctx) => ctx.billingPeriodEnd },
    { name: "BillingPeriodStart", kind: "text", value: (_item, ctx) => ctx.billingPeriodStart },
    {
      name: "ChargeCategory",
      kind: "text",
      value: (item) => (isNegativeAmount(item.computedAmount) ? "Credit" : "Usage"),
    },
    { name: "ChargeClass", kind: "text", value: () => null },
    { name: "ChargeDescription", kind: "text", value: (item) => text(item.skuName) },
    { name: "ChargeFrequency", kind: "text", value: constant("Usage-Based") },
    { name: "ChargePeriodEnd", kind: "text", value: (item) => text(item.timeUsageEnded) },
    { name: "ChargePeriodStart", kind: "text", value: (item) => text(item.timeUsageStarted) },
    { name: "ConsumedQuantity", kind: "number", value: (item) => numeric(item.computedQuantity) },
    { name: "ConsumedUnit", kind: "text", value: (item) => text(item.unit) },
    { name: "EffectiveCost", kind: "number", value: amount },
    { name: "InvoiceIssuerName", kind: "text", value: constant("Oracle") },
    { name: "ListCost", kind: "number", value: listCost },
    { name: "ListUnitPrice", kind: "number", value: (item) => numeric(item.listRate) },
    { name: "ProviderName", kind: "text", value: constant("Oracle") },
    { name: "PublisherName", kind: "text", value: constant("Oracle") },
    { name: "RegionId", kind: "text", value: (item) => text(item.region) },
    { name: "ResourceId", kind: "text", value: (item) => text(item.resourceId) },
    { name: "ServiceCategory", kind: "text", value: (item) => serviceCategory(text(item.service)) },
    { name: "ServiceName", kind: "text", value: (item) => text(item.service) },
    { name: "SkuId", kind: "text", value: (item) => text(item.skuPartNumber) },
    { name: "SubAccountId", kind: "text", value: (item) => text(item.compartmentId) },
    {
      name: "SubAccountName",
      kind: "text",
      value: (item) => text(item.compartmentName) ?? text(item.compartmentPath),
    },
    { name: "Tags", kind: "text", value: focusTags },
    { name: "x_CompartmentPath", kind: "text", value: (item) => text(item.compartmentPath) },
  ];
}

export function rowValues(columns: readonly Column[], item: UsageItem, ctx: RowContext): CellValue[] {
  const values = new Array<CellValue>(columns.length);
  for (let i = 0; i < columns.length; i++) values[i] = columns[i]!.value(item, ctx);
  return values;
}
