// Pure aggregation of the sandbox data set for a RequestSummarizedUsagesDetails, as the Usage API answers it.
//
// Semantics (the choices the public sources leave open are marked "unconfirmed"):
// - Buckets are [timeUsageStarted, timeUsageEnded), end exclusive, per hour, UTC day or calendar month; a
//   MONTHLY bucket cut by the window covers only the window's part of the month and carries those bounds
//   (unconfirmed). isAggregateByTime gives one bucket for the whole window.
// - queryType: COST (default) and USAGE take every line, credits included; USAGE_ONLY drops credits; CREDIT
//   and ALLCREDIT keep only credits; EXPIREDCREDIT keeps nothing (the data set has no expired credits).
//   Every item carries both computedAmount and computedQuantity.
// - groupByTag (one tag at most) groups by that tag's value; rows without the tag form a group with tags [].
//   groupBy tagNamespace/tagKey/tagValue without groupByTag expands each resource's tags: a resource with
//   three tags is counted once per tag, as Cost Analysis does, so such sums exceed the untagged total.
// - filter: {operator AND (default) | OR | NOT, dimensions, tags, filters}; NOT means none of its conditions
//   holds. Dimension keys are the groupBy names and compare exactly with the values items show (compartment
//   fields after the compartmentDepth roll-up) (unconfirmed).
// - compartmentDepth d keeps d levels below the tenancy: acme/prod/app/web at depth 1 is reported as acme/prod;
//   resources in the root stay at the root (unconfirmed).
// - Only grouped-by fields are filled; resourceName is always null; unit is filled when grouped by unit or a
//   SKU field, unitPrice when grouped by a SKU field (unconfirmed); currency is "USD", or null when grouping
//   and currencyWithGroupBy is false (oci-python-sdk #380 reports null).
// Sums are exact: integers of micro-units, in doubles while they stay below 2^53, else in BigInt.

import { type BaseRow, type Dataset, formatMicros, formatScaled, type Granularity } from "./dataset.js";

export const GROUP_BY_KEYS = [
  "tagNamespace",
  "tagKey",
  "tagValue",
  "service",
  "skuName",
  "skuPartNumber",
  "unit",
  "compartmentName",
  "compartmentPath",
  "compartmentId",
  "platform",
  "region",
  "logicalAd",
  "resourceId",
  "tenantId",
  "tenantName",
] as const;
type GroupByKey = (typeof GROUP_BY_KEYS)[number];

export const QUERY_TYPES = ["USAGE", "COST", "CREDIT", "EXPIREDCREDIT", "ALLCREDIT", "USAGE_ONLY"] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

interface TagJson {
  namespace?: string | null;
  key?: string | null;
  value?: string | null;
}

interface DimensionJson {
  key: string;
  value: string;
}

export interface FilterJson {
  operator?: "AND" | "OR" | "NOT" | null;
  dimensions?: DimensionJson[] | null;
  tags?: TagJson[] | null;
  filters?: FilterJson[] | null;
}

/** The request body in camelCase, as parsed from JSON (times as RFC 3339 strings, Dates or epoch ms). */
export interface SummarizeDetails {
  tenantId?: string | null;
  timeUsageStarted: string | Date | number;
  timeUsageEnded: string | Date | number;
  granularity: Granularity;
  isAggregateByTime?: boolean | null;
  queryType?: QueryType | null;
  groupBy?: string[] | null;
  groupByTag?: TagJson[] | null;
  compartmentDepth?: number | null;
  filter?: FilterJson | null;
}

/** A UsageSummary as the wire carries it. */
export interface UsageSummaryJson {
  tenantId: string | null;
  tenantName: string | null;
  compartmentId: string | null;
  compartmentPath: string | null;
  compartmentName: string | null;
  service: string | null;
  resourceName: string | null;
  resourceId: string | null;
  region: string | null;
  ad: string | null;
  weight: number | null;
  shape: string | null;
  skuPartNumber: string | null;
  skuName: string | null;
  unit: string | null;
  discount: number | null;
  listRate: number | null;
  platform: string | null;
  timeUsageStarted: string;
  timeUsageEnded: string;
  computedAmount: number;
  computedQuantity: number;
  attributedCost: string;
  attributedUsage: string;
  overagesFlag: string | null;
  unitPrice: number | null;
  currency: string | null;
  subscriptionId: string | null;
  overage: string | null;
  isForecast: boolean;
  tags: { namespace: string | null; key: string | null; value: string | null }[] | null;
}

interface SummarizeOptions {
  /** Report currency "USD" on grouped items too (default true); false reports null, as #380 observed. */
  currencyWithGroupBy?: boolean;
}

/** The aggregated answer, kept compact: items are built on demand, page by page. */
export interface CompactSummary {
  groupBy: string[];
  length: number;
  items(offset?: number, count?: number): UsageSummaryJson[];
  /** The same items as JSON.stringify writes them, comma-joined without brackets; no objects built. */
  itemsJson(offset?: number, count?: number): string;
}

/** A query the aggregation cannot run; the emulator maps it to 400 InvalidParameter. */
export class InvalidQueryError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = "InvalidQueryError";
  }
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
const EXACT_LIMIT = 2 ** 53;
const DENSE_LIMIT = 1 << 22;
const MAX_FILTER_DEPTH = 8;
const MAX_FILTER_CONDITIONS = 1000;

/** Epoch ms of a request time; RFC 3339 strings, Dates and epoch ms are accepted. */
function timeOf(value: string | Date | number, field: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new InvalidQueryError(`${field} is not a valid date-time`, field);
  return ms;
}

interface Dim {
  name: string;
  card: number;
  /** The item fields `apply` may set. */
  fields: readonly (keyof UsageSummaryJson)[];
  code(row: Readonly<BaseRow>, tag: number): number;
  apply(item: UsageSummaryJson, code: number): void;
}

interface Buckets {
  count: number;
  of(row: Readonly<BaseRow>): number;
  start(b: number): number;
  end(b: number): number;
}

function makeBuckets(start: number, end: number, granularity: Granularity, byTime: boolean): Buckets {
  if (byTime) return { count: 1, of: () => 0, start: () => start, end: () => end };
  if (granularity !== "MONTHLY") {
    const step = granularity === "HOURLY" ? HOUR : DAY;
    return {
      count: (end - start) / step,
      of: (row) => (row.start - start) / step,
      start: (b) => start + b * step,
      end: (b) => start + (b + 1) * step,
    };
  }
  const starts: number[] = [];
  const ends: number[] = [];
  const first = new Date(start);
  for (let i = 0; ; i++) {
    const monthStart = Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + i, 1);
    if (monthStart >= end) break;
    starts.push(Math.max(start, monthStart));
    ends.push(Math.min(end, Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + i + 1, 1)));
  }
  const index = new Map(starts.map((s, i) => [s, i]));
  return {
    count: starts.length,
    of: (row) => index.get(row.start) ?? -1,
    start: (b) => starts[b]!,
    end: (b) => ends[b]!,
  };
}

/** Distinct strings with their first index, for dimensions whose values repeat (names, units, tag parts). */
function vocabulary(values: readonly string[]): { list: string[]; index: Map<string, number>; of: number[] } {
  const list: string[] = [];
  const index = new Map<string, number>();
  const of = values.map((v) => {
    let i = index.get(v);
    if (i === undefined) {
      i = list.length;
      list.push(v);
      index.set(v, i);
    }
    return i;
  });
  return { list, index, of };
}

class Model {
  readonly compartmentOf: number[];
  readonly compartmentNames: ReturnType<typeof vocabulary>;
  readonly tagNamespaces: ReturnType<typeof vocabulary>;
  readonly tagKeys: ReturnType<typeof vocabulary>;
  readonly tagValues: ReturnType<typeof vocabulary>;

  constructor(
    readonly ds: Dataset,
    depth: number | null,
  ) {
    this.compartmentOf = ds.compartments.map((c) => {
      let i = c.index;
      if (depth !== null) while (ds.compartments[i]!.depth > depth) i = ds.compartments[i]!.parent;
      return i;
    });
    this.compartmentNames = vocabulary(ds.compartments.map((c) => c.name));
    this.tagNamespaces = vocabulary(ds.tags.map((t) => t.namespace));
    this.tagKeys = vocabulary(ds.tags.map((t) => t.key));
    this.tagValues = vocabulary(ds.tags.map((t) => t.value));
  }
}

type StringField = "service" | "unit" | "compartmentName" | "platform" | "region" | "ad";

/** A dimension over a list of values: code = the row's index in it + 1, the item's `field` = the value. */
function listDim(
  name: GroupByKey,
  field: StringField,
  values: readonly string[],
  index: (row: Readonly<BaseRow>) => number,
): Dim {
  return {
    name,
    card: values.length + 1,
    fields: [field],
    code: (row) => index(row) + 1,
    apply: (item, c) => {
      item[field] = values[c - 1] ?? null;
    },
  };
}

/** skuName or skuPartNumber: both group by SKU and carry its unit and unit price. */
function skuDim(ds: Dataset, name: "skuName" | "skuPartNumber"): Dim {
  return {
    name,
    card: ds.skus.length + 1,
    fields: ["skuName", "skuPartNumber", "unit", "unitPrice"],
    code: (row) => row.sku + 1,
    apply: (item, c) => {
      const sku = ds.skus[c - 1];
      if (!sku) return;
      if (name === "skuName") item.skuName = sku.name;
      else item.skuPartNumber = sku.partNumber;
      item.unit = sku.unit;
      item.unitPrice = sku.unitPriceNanos === null ? null : Number(formatScaled(sku.unitPriceNanos, 9));
    },
  };
}

function compartmentDim(model: Model, name: "compartmentId" | "compartmentPath"): Dim {
  const { ds, compartmentOf } = model;
  return {
    name,
    card: ds.compartments.length + 1,
    fields: ["compartmentId", "compartmentPath"],
    code: (row) => compartmentOf[row.compartment]! + 1,
    apply: (item, c) => {
      const comp = ds.compartments[c - 1];
      if (!comp) return;
      if (name === "compartmentId") item.compartmentId = comp.id;
      else item.compartmentPath = comp.path;
    },
  };
}

/** tenantId or tenantName: one value for every row. */
function tenantDim(ds: Dataset, name: "tenantId" | "tenantName"): Dim {
  return {
    name,
    card: 2,
    fields: [name],
    code: () => 1,
    apply: (item) => {
      item[name] = name === "tenantId" ? ds.tenancyId : ds.tenancyName;
    },
  };
}

function tagDim(model: Model, name: "tagNamespace" | "tagKey" | "tagValue"): Dim {
  const vocab =
    name === "tagNamespace" ? model.tagNamespaces : name === "tagKey" ? model.tagKeys : model.tagValues;
  const field = name === "tagNamespace" ? "namespace" : name === "tagKey" ? "key" : "value";
  return {
    name,
    card: vocab.list.length + 1,
    fields: ["tags"],
    code: (_row, tag) => (tag < 0 ? 0 : vocab.of[tag]! + 1),
    apply: (item, c) => {
      if (c === 0) return;
      const tags = item.tags ?? [];
      const entry = tags[0] ?? { namespace: null, key: null, value: null };
      entry[field] = vocab.list[c - 1]!;
      tags[0] = entry;
      item.tags = tags;
    },
  };
}

/** One grouping dimension: code 0 is null, code i + 1 is table entry i. */
function dimension(model: Model, name: GroupByKey): Dim {
  const ds = model.ds;
  const cOf = model.compartmentOf;
  switch (name) {
    case "service":
      return listDim(name, "service", ds.services, (row) => row.service);
    case "skuName":
    case "skuPartNumber":
      return skuDim(ds, name);
    case "unit":
      return listDim(name, "unit", ds.units, (row) => ds.skuUnit[row.sku]!);
    case "compartmentId":
    case "compartmentPath":
      return compartmentDim(model, name);
    case "compartmentName": {
      const names = model.compartmentNames;
      return listDim(name, "compartmentName", names.list, (row) => names.of[cOf[row.compartment]!]!);
    }
    case "platform":
      return listDim(name, "platform", ds.platforms, (row) => row.platform);
    case "region":
      return listDim(
        name,
        "region",
        ds.regions.map((r) => r.name),
        (row) => row.region,
      );
    case "logicalAd":
      return listDim(
        name,
        "ad",
        ds.availabilityDomains.map((a) => a.name),
        (row) => row.ad,
      );
    case "resourceId":
      return {
        name,
        card: ds.resourceCount + 1,
        fields: ["resourceId"],
        code: (row) => row.resource + 1,
        apply: (item, c) => {
          item.resourceId = c > 0 ? ds.resourceId(c - 1) : null;
        },
      };
    case "tenantId":
    case "tenantName":
      return tenantDim(ds, name);
    case "tagNamespace":
    case "tagKey":
    case "tagValue":
      return tagDim(model, name);
  }
}

type RowPredicate = (row: Readonly<BaseRow>) => boolean;

/** Rows whose index (by `of`) is `i`. */
const rowsAt =
  (i: number, of: (row: Readonly<BaseRow>) => number): RowPredicate =>
  (row) =>
    of(row) === i;

/** The index of the entry whose `key` is `value`, or -1. */
const indexBy = <T, K extends keyof T>(list: readonly T[], key: K, value: unknown): number =>
  list.findIndex((entry) => entry[key] === value);

/** The value of a dimension on a row, for filters; tag dimensions are handled by the caller. */
function filterPredicate(model: Model, key: string, value: string): RowPredicate {
  const ds = model.ds;
  const cOf = model.compartmentOf;
  switch (key as GroupByKey) {
    case "service":
      return rowsAt(ds.services.indexOf(value), (row) => row.service);
    case "skuName":
      return rowsAt(indexBy(ds.skus, "name", value), (row) => row.sku);
    case "skuPartNumber":
      return rowsAt(indexBy(ds.skus, "partNumber", value), (row) => row.sku);
    case "unit":
      return rowsAt(ds.units.indexOf(value), (row) => ds.skuUnit[row.sku]!);
    case "compartmentId":
      return rowsAt(indexBy(ds.compartments, "id", value), (row) => cOf[row.compartment]!);
    case "compartmentPath":
      return rowsAt(indexBy(ds.compartments, "path", value), (row) => cOf[row.compartment]!);
    case "compartmentName":
      return (row) => ds.compartments[cOf[row.compartment]!]!.name === value;
    case "platform":
      return rowsAt(ds.platforms.indexOf(value), (row) => row.platform);
    case "region":
      return rowsAt(indexBy(ds.regions, "name", value), (row) => row.region);
    case "logicalAd":
      return rowsAt(indexBy(ds.availabilityDomains, "name", value), (row) => row.ad);
    case "resourceId": {
      const i = ds.resourceIndexOf(value);
      return (row) => i >= 0 && row.resource === i;
    }
    case "tenantId":
      return () => value === ds.tenancyId;
    case "tenantName":
      return () => value === ds.tenancyName;
    case "tagNamespace":
      return tagPredicate(model, { namespace: value });
    case "tagKey":
      return tagPredicate(model, { key: value });
    case "tagValue":
      return tagPredicate(model, { value });
    default:
      throw new InvalidQueryError(`filter dimension key '${key}' is not supported`, "filter");
  }
}

function tagPredicate(model: Model, tag: TagJson): (row: Readonly<BaseRow>) => boolean {
  const wanted = new Set(
    model.ds.tags
      .filter(
        (t) =>
          (tag.namespace == null || t.namespace === tag.namespace) &&
          (tag.key == null || t.key === tag.key) &&
          (tag.value == null || t.value === tag.value),
      )
      .map((t) => t.index),
  );
  return (row) => row.tags.some((t) => wanted.has(t));
}

function compileFilter(
  model: Model,
  filter: FilterJson,
  depth: number,
  budget: { left: number },
): (row: Readonly<BaseRow>) => boolean {
  if (depth > MAX_FILTER_DEPTH)
    throw new InvalidQueryError(`filter nesting is deeper than ${MAX_FILTER_DEPTH}`, "filter");
  const conditions: ((row: Readonly<BaseRow>) => boolean)[] = [];
  for (const d of filter.dimensions ?? []) conditions.push(filterPredicate(model, d.key, d.value));
  for (const t of filter.tags ?? []) conditions.push(tagPredicate(model, t));
  for (const f of filter.filters ?? []) conditions.push(compileFilter(model, f, depth + 1, budget));
  budget.left -= conditions.length;
  if (budget.left < 0)
    throw new InvalidQueryError(`filter has more than ${MAX_FILTER_CONDITIONS} conditions`, "filter");
  const operator = filter.operator ?? "AND";
  switch (operator) {
    case "AND":
      return (row) => conditions.every((c) => c(row));
    case "OR":
      return conditions.length === 0 ? () => true : (row) => conditions.some((c) => c(row));
    case "NOT":
      return (row) => !conditions.some((c) => c(row));
    default:
      throw new InvalidQueryError(`filter operator '${String(operator)}' is not supported`, "filter");
  }
}

/**
 * Growable exact accumulators of integers below 2^53 in magnitude. A slot stays a double while its running sum
 * does (a double sum of such integers is exact below 2^53, and one that reaches 2^53 shows it); a slot that
 * grows beyond moves to BigInt and is marked NaN.
 */
class Sums {
  values = new Float64Array(1024);
  big: Map<number, bigint> | null = null;

  grow(size: number): void {
    if (size <= this.values.length) return;
    const next = new Float64Array(Math.max(size, this.values.length * 2));
    next.set(this.values);
    this.values = next;
  }

  add(slot: number, value: number): void {
    const next = this.values[slot]! + value;
    if (next < EXACT_LIMIT && next > -EXACT_LIMIT) this.values[slot] = next;
    else this.promote(slot, value);
  }

  private promote(slot: number, value: number): void {
    this.big ??= new Map();
    const current = this.big.get(slot) ?? BigInt(this.values[slot]!);
    this.big.set(slot, current + BigInt(value));
    this.values[slot] = Number.NaN;
  }

  get(slot: number): number | bigint {
    const v = this.values[slot]!;
    return Number.isNaN(v) ? this.big!.get(slot)! : v;
  }
}

function toNumber(micros: number | bigint): number {
  return typeof micros === "number" ? micros / 1e6 : Number(formatMicros(micros));
}

/** Aggregate the data set for one request; items are built lazily so large answers stay compact. */
/** The checked query: times, grouping, the selected tag, compartment depth and query type. */
function checkedQuery(details: SummarizeDetails) {
  const granularity = details.granularity;
  if (granularity !== "HOURLY" && granularity !== "DAILY" && granularity !== "MONTHLY") {
    throw new InvalidQueryError(`granularity '${String(granularity)}' is not supported`, "granularity");
  }
  const start = timeOf(details.timeUsageStarted, "timeUsageStarted");
  const end = timeOf(details.timeUsageEnded, "timeUsageEnded");
  const align = granularity === "HOURLY" ? HOUR : DAY;
  if (start % align !== 0 || end % align !== 0) {
    throw new InvalidQueryError(
      `times must be whole ${granularity === "HOURLY" ? "hours" : "UTC days"}`,
      "timeUsageStarted",
    );
  }
  if (start >= end)
    throw new InvalidQueryError("timeUsageStarted must be before timeUsageEnded", "timeUsageEnded");
  return { granularity, start, end, ...checkedGrouping(details) };
}

function checkedGrouping(details: SummarizeDetails) {
  const groupBy = [...(details.groupBy ?? [])];
  for (const key of groupBy) {
    if (!(GROUP_BY_KEYS as readonly string[]).includes(key)) {
      throw new InvalidQueryError(`groupBy value '${key}' is not supported`, "groupBy");
    }
  }
  if (new Set(groupBy).size !== groupBy.length)
    throw new InvalidQueryError("groupBy values must be distinct", "groupBy");
  const groupByTag = details.groupByTag ?? [];
  if (groupByTag.length > 1) throw new InvalidQueryError("groupByTag only supports one tag", "groupByTag");
  const selected = groupByTag[0];
  if (selected && (!selected.namespace || !selected.key)) {
    throw new InvalidQueryError("groupByTag needs a namespace and a key", "groupByTag");
  }
  const depth = details.compartmentDepth ?? null;
  if (depth !== null && !(Number.isInteger(depth) && depth >= 1)) {
    throw new InvalidQueryError("compartmentDepth must be a positive integer", "compartmentDepth");
  }
  const queryType = details.queryType ?? "COST";
  if (!(QUERY_TYPES as readonly string[]).includes(queryType)) {
    throw new InvalidQueryError(`queryType '${queryType}' is not supported`, "queryType");
  }
  return { groupBy, selected, depth, queryType };
}

/**
 * The grouping dimensions. A selected tag (groupByTag) is one more dimension; tag fields without it expand
 * each row's tags (`expandTags`).
 */
function groupingDimensions(model: Model, groupBy: string[], selected: TagJson | undefined) {
  const dims = groupBy.map((name) => dimension(model, name as GroupByKey));
  const tagDims = groupBy.some((k) => k === "tagNamespace" || k === "tagKey" || k === "tagValue");
  let selectTag: ((row: Readonly<BaseRow>) => number) | null = null;
  if (selected) {
    const candidates = new Set(
      model.ds.tags
        .filter((t) => t.namespace === selected.namespace && t.key === selected.key)
        .map((t) => t.index),
    );
    selectTag = (row) => {
      for (const t of row.tags) if (candidates.has(t)) return t;
      return -1;
    };
    const values = model.tagValues;
    const namespace = selected.namespace!;
    const key = selected.key!;
    dims.push({
      name: "#groupByTag",
      card: values.list.length + 1,
      fields: ["tags"],
      code: (_row, tag) => (tag < 0 ? 0 : values.of[tag]! + 1),
      apply: (item, c) => {
        item.tags = c === 0 ? [] : [{ namespace, key, value: values.list[c - 1]! }];
      },
    });
  }
  return { dims, selectTag, expandTags: tagDims && !selectTag };
}

/** Sums per group: a slot per distinct (bucket, codes) key, found through a dense, sparse or string table. */
function slotTable(dims: Dim[], bucketCount: number) {
  let capacity = bucketCount;
  for (const d of dims) capacity *= d.card;
  const numeric = capacity <= Number.MAX_SAFE_INTEGER;
  // Lookup tables live only while aggregating; the answer keeps keys and sums in flat arrays.
  let dense = numeric && capacity <= DENSE_LIMIT ? new Int32Array(capacity).fill(-1) : null;
  let sparse = numeric && !dense ? new Map<number, number>() : null;
  let byString = numeric ? null : new Map<string, number>();
  let numericKeys: number[] = [];
  const stringKeys: string[] = [];
  const amounts = new Sums();
  const quantities = new Sums();
  let size = 0;
  const newSlot = (): number => {
    amounts.grow(size + 1);
    quantities.grow(size + 1);
    return size++;
  };
  const codes = new Array<number>(dims.length).fill(0);

  const accumulate = (row: Readonly<BaseRow>, bucket: number, tag: number): void => {
    let slot: number | undefined;
    if (numeric) {
      let key = bucket;
      for (let i = 0; i < dims.length; i++) key = key * dims[i]!.card + dims[i]!.code(row, tag);
      if (dense) {
        slot = dense[key]!;
        if (slot < 0) {
          slot = newSlot();
          dense[key] = slot;
          numericKeys.push(key);
        }
      } else {
        slot = sparse!.get(key);
        if (slot === undefined) {
          slot = newSlot();
          sparse!.set(key, slot);
          numericKeys.push(key);
        }
      }
    } else {
      for (let i = 0; i < dims.length; i++) codes[i] = dims[i]!.code(row, tag);
      const key = `${bucket},${codes.join(",")}`;
      slot = byString!.get(key);
      if (slot === undefined) {
        slot = newSlot();
        byString!.set(key, slot);
        stringKeys.push(key);
      }
    }
    amounts.add(slot, row.amount);
    quantities.add(slot, row.quantity);
  };

  /** Done aggregating: the slots in answer order, and each slot's codes (bucket first). */
  const finish = () => {
    // Order: by bucket (the most significant digit of a key), then by the dimension codes in groupBy order.
    const length = size;
    const order = new Int32Array(length);
    const keys = Float64Array.from(numericKeys);
    numericKeys = [];
    const keyCodes = (slot: number): number[] => {
      if (!numeric) return stringKeys[slot]!.split(",").map(Number);
      let key = keys[slot]!;
      const out = new Array<number>(dims.length + 1);
      for (let i = dims.length - 1; i >= 0; i--) {
        const card = dims[i]!.card;
        const c = key % card;
        out[i + 1] = c;
        key = (key - c) / card;
      }
      out[0] = key;
      return out;
    };
    if (dense) {
      let n = 0;
      for (let k = 0; k < dense.length; k++) if (dense[k]! >= 0) order[n++] = dense[k]!;
    } else if (sparse) {
      const sorted = Float64Array.from(keys).sort();
      for (let i = 0; i < length; i++) order[i] = sparse.get(sorted[i]!)!;
    } else sortByCodes(order, length, keyCodes);
    dense = null;
    sparse = null;
    byString = null;
    return { length, order, keyCodes, amounts, quantities };
  };
  return { accumulate, finish };
}

function sortByCodes(order: Int32Array, length: number, keyCodes: (slot: number) => number[]): void {
  const slots = Array.from({ length }, (_, i) => i);
  const decoded = slots.map(keyCodes);
  slots.sort((a, b) => {
    const x = decoded[a]!;
    const y = decoded[b]!;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return 0;
  });
  order.set(slots);
}

type Slots = ReturnType<ReturnType<typeof slotTable>["finish"]>;

interface ItemShape {
  dims: Dim[];
  buckets: Buckets;
  expandTags: boolean;
  currency: string | null;
}

/** Build the item of a slot as an object. */
function itemBuilder(slots: Slots, shape: ItemShape): (slot: number) => UsageSummaryJson {
  const { dims, buckets, expandTags, currency } = shape;
  const isoStart: string[] = [];
  const isoEnd: string[] = [];
  return (slot) => {
    const c = slots.keyCodes(slot);
    const b = c[0]!;
    isoStart[b] ??= new Date(buckets.start(b)).toISOString();
    isoEnd[b] ??= new Date(buckets.end(b)).toISOString();
    const amount = slots.amounts.get(slot);
    const quantity = slots.quantities.get(slot);
    const item = blankItem(currency);
    item.timeUsageStarted = isoStart[b]!;
    item.timeUsageEnded = isoEnd[b]!;
    item.computedAmount = toNumber(amount);
    item.computedQuantity = toNumber(quantity);
    item.attributedCost = formatMicros(amount);
    item.attributedUsage = formatMicros(quantity);
    if (expandTags) item.tags = [];
    for (let i = 0; i < dims.length; i++) dims[i]!.apply(item, c[i + 1]!);
    return item;
  };
}

/**
 * The literal text of a bucket's items between the values that vary: the fields in `blankItem` order, with
 * everything constant for the bucket (the fields no dimension sets, its times, the quotes around the
 * attributed figures) merged in.
 */
function bucketLiterals(
  names: (keyof UsageSummaryJson)[],
  blank: UsageSummaryJson,
  varying: Set<keyof UsageSummaryJson>,
  times: { start: string; end: string },
): string[] {
  const literals: string[] = [];
  let literal = "";
  for (const name of names) {
    literal += `${literal === "" && literals.length === 0 ? "{" : ","}${JSON.stringify(name)}:`;
    if (name === "timeUsageStarted") literal += JSON.stringify(times.start);
    else if (name === "timeUsageEnded") literal += JSON.stringify(times.end);
    else if (varying.has(name)) {
      // The attributed figures are strings of digits: their quotes are constant text too.
      const quoted = name === "attributedCost" || name === "attributedUsage";
      literals.push(quoted ? `${literal}"` : literal);
      literal = quoted ? '"' : "";
    } else literal += JSON.stringify(blank[name]);
  }
  literals.push(`${literal}}`);
  return literals;
}

/** Write the item of a slot as JSON text directly (the same text as JSON.stringify of the built item). */
function itemWriter(slots: Slots, shape: ItemShape): (slot: number) => string {
  const { dims, buckets, expandTags, currency } = shape;
  const varying = new Set<keyof UsageSummaryJson>(AMOUNT_FIELDS);
  for (const d of dims) for (const f of d.fields) varying.add(f);
  if (expandTags) varying.add("tags");
  const blank = blankItem(currency);
  const names = Object.keys(blank) as (keyof UsageSummaryJson)[];
  const fields = names.filter((name) => varying.has(name));
  const literalsByBucket: string[][] = [];
  /** The fields dimensions set, reset to their blank value before each item. */
  const dimFields = [...new Set(dims.flatMap((d) => d.fields))];
  const scratch = blankItem(currency);
  return (slot) => {
    const c = slots.keyCodes(slot);
    const b = c[0]!;
    literalsByBucket[b] ??= bucketLiterals(names, blank, varying, {
      start: new Date(buckets.start(b)).toISOString(),
      end: new Date(buckets.end(b)).toISOString(),
    });
    const literals = literalsByBucket[b];
    const amount = slots.amounts.get(slot);
    const quantity = slots.quantities.get(slot);
    const cost = formatMicros(amount);
    const usage = formatMicros(quantity);
    for (const f of dimFields) (scratch as unknown as Record<string, unknown>)[f] = blank[f];
    if (expandTags) scratch.tags = [];
    for (let i = 0; i < dims.length; i++) dims[i]!.apply(scratch, c[i + 1]!);
    let out = literals[0]!;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      let text: string;
      if (f === "computedAmount") text = amountJson(amount, cost);
      else if (f === "computedQuantity") text = amountJson(quantity, usage);
      else if (f === "attributedCost") text = cost;
      else if (f === "attributedUsage") text = usage;
      else text = jsonValue(scratch[f]);
      out += text + literals[i + 1]!;
    }
    return out;
  };
}

/** The items from `offset`, at most `count`, each made by `make`. */
function sliceOf<T>(
  order: Int32Array,
  length: number,
  offset: number,
  count: number,
  make: (slot: number) => T,
): T[] {
  const from = Math.max(0, Math.min(offset, length));
  const to = Math.max(from, Math.min(from + count, length));
  const out: T[] = [];
  for (let i = from; i < to; i++) out.push(make(order[i]!));
  return out;
}

export function summarizeCompact(
  dataset: Dataset,
  details: SummarizeDetails,
  opts: SummarizeOptions = {},
): CompactSummary {
  const q = checkedQuery(details);
  const model = new Model(dataset, q.depth);
  const filter = details.filter
    ? compileFilter(model, details.filter, 1, { left: MAX_FILTER_CONDITIONS })
    : null;
  const buckets = makeBuckets(q.start, q.end, q.granularity, details.isAggregateByTime === true);
  const { dims, selectTag, expandTags } = groupingDimensions(model, q.groupBy, q.selected);
  const table = slotTable(dims, buckets.count);
  const { accumulate } = table;
  const queryType = q.queryType;
  const usage = queryType === "COST" || queryType === "USAGE" || queryType === "USAGE_ONLY";
  const credits =
    queryType === "COST" || queryType === "USAGE" || queryType === "CREDIT" || queryType === "ALLCREDIT";
  if (usage || credits) {
    dataset.forEachRow({ start: q.start, end: q.end, granularity: q.granularity, usage, credits }, (row) => {
      if (filter && !filter(row)) return;
      const bucket = buckets.of(row);
      if (bucket < 0) return;
      if (selectTag) accumulate(row, bucket, selectTag(row));
      else if (expandTags) {
        if (row.tags.length === 0) accumulate(row, bucket, -1);
        else for (const t of row.tags) accumulate(row, bucket, t);
      } else accumulate(row, bucket, -1);
    });
  }
  const slots = table.finish();
  const grouped = q.groupBy.length > 0 || q.selected !== undefined;
  const currency = grouped && opts.currencyWithGroupBy === false ? null : dataset.currency;
  const shape = { dims, buckets, expandTags, currency };
  const build = itemBuilder(slots, shape);
  const writeItem = itemWriter(slots, shape);
  const { length, order } = slots;
  return {
    groupBy: q.groupBy,
    length,
    items: (offset = 0, count = length) => sliceOf(order, length, offset, count, build),
    itemsJson: (offset = 0, count = length) => sliceOf(order, length, offset, count, writeItem).join(","),
  };
}

const AMOUNT_FIELDS = ["computedAmount", "computedQuantity", "attributedCost", "attributedUsage"] as const;

/** JSON.stringify of a number: non-finite ones are null. */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : "null";
}

/**
 * computedAmount's JSON (JSON.stringify of micros / 1e6) from the exact decimal text already made: the
 * same text while it has at most 15 significant digits (the double prints back as that decimal).
 */
function amountJson(micros: number | bigint, exact: string): string {
  return typeof micros === "number" && micros < 1e15 && micros > -1e15 ? exact : jsonNumber(toNumber(micros));
}

/** Strings JSON.stringify writes as they are, between quotes. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify of an item field's value. */
function jsonValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "number") return jsonNumber(value);
  if (typeof value === "string" && !NEEDS_ESCAPE.test(value)) return `"${value}"`;
  return JSON.stringify(value);
}

/** An item with every field in wire order: null, except the query's currency and isForecast false. */
export function blankItem(currency: string | null): UsageSummaryJson {
  return {
    tenantId: null,
    tenantName: null,
    compartmentId: null,
    compartmentPath: null,
    compartmentName: null,
    service: null,
    resourceName: null,
    resourceId: null,
    region: null,
    ad: null,
    weight: null,
    shape: null,
    skuPartNumber: null,
    skuName: null,
    unit: null,
    discount: null,
    listRate: null,
    platform: null,
    timeUsageStarted: "",
    timeUsageEnded: "",
    computedAmount: 0,
    computedQuantity: 0,
    attributedCost: "",
    attributedUsage: "",
    overagesFlag: null,
    unitPrice: null,
    currency,
    subscriptionId: null,
    overage: null,
    isForecast: false,
    tags: null,
  };
}

/** Aggregate the data set for one request, every item built. */
export function summarize(
  dataset: Dataset,
  details: SummarizeDetails,
  opts: SummarizeOptions = {},
): { groupBy: string[]; items: UsageSummaryJson[] } {
  const summary = summarizeCompact(dataset, details, opts);
  return { groupBy: summary.groupBy, items: summary.items() };
}
