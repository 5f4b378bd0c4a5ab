// How one month's query is cut into disjoint parts that can be fetched at once and whose answers, joined in
// the parts' order, are the month's answer byte for byte. Pure: no I/O.
//
// The Usage API answers a query in the order of its time buckets, then of the group-by dimensions in turn
// (the sandbox does; the parallel tests hold it to that). So a month splits without reordering only along
// the leading key:
// - DAILY: by days. Each day's rows are one bucket, so runs of whole days are disjoint parts in order.
// - MONTHLY (one bucket): by the values of the first group-by dimension, listed in the answer's order by one
//   small query grouped by that dimension alone; each part is the month filtered to one value.
// A split along any other dimension would have to merge and re-sort rows whose order the client cannot
// know, so such months (resourceId or a tag first, a null or repeated leading value) are fetched in one go.
import type { UsageItem } from "./columns.js";
import type { UsageRequest } from "./endpoint.js";

const DAY_MS = 86_400_000;

/** Dimensions a part may be filtered on, with the item field that holds their value. */
const LEADING_FIELDS: Record<string, string> = {
  service: "service",
  skuName: "skuName",
  skuPartNumber: "skuPartNumber",
  unit: "unit",
  platform: "platform",
  region: "region",
  logicalAd: "ad",
  compartmentName: "compartmentName",
  compartmentPath: "compartmentPath",
  compartmentId: "compartmentId",
};

/** The compartment dimensions: with a compartment depth their values are cut paths, which no filter names. */
const COMPARTMENT_DIMENSIONS = new Set(["compartmentName", "compartmentPath", "compartmentId"]);

/** One value per query: the function pins every query to its own tenancy. */
const CONSTANT_DIMENSIONS = new Set(["tenantId", "tenantName"]);

/** How a month is split, before its first page is seen. */
export type SplitPlan =
  | { kind: "days"; days: number }
  | { kind: "leading"; dimension: string; listing: UsageRequest }
  | { kind: "none" };

export function planSplit(body: UsageRequest): SplitPlan {
  if (body.forecast !== undefined || body.filter !== undefined) return { kind: "none" };
  if (body.granularity === "DAILY") {
    const days = Math.round((Date.parse(body.timeUsageEnded) - Date.parse(body.timeUsageStarted)) / DAY_MS);
    return days > 1 ? { kind: "days", days } : { kind: "none" };
  }
  if (body.granularity !== "MONTHLY") return { kind: "none" };
  const dimension = (body.groupBy ?? []).find((d) => !CONSTANT_DIMENSIONS.has(d));
  if (dimension === undefined || LEADING_FIELDS[dimension] === undefined) return { kind: "none" };
  if (COMPARTMENT_DIMENSIONS.has(dimension) && body.compartmentDepth !== undefined) return { kind: "none" };
  const { groupByTag: _tag, ...rest } = body;
  return { kind: "leading", dimension, listing: { ...rest, groupBy: [dimension] } };
}

/**
 * How many pages a DAILY month may take, from its first page: the whole days that page covered, scaled to
 * the month. A first page within its first day says at least one page a day.
 */
export function estimatePages(body: UsageRequest, firstPage: readonly UsageItem[]): number {
  const start = Date.parse(body.timeUsageStarted);
  const days = Math.round((Date.parse(body.timeUsageEnded) - start) / DAY_MS);
  const last = firstPage.at(-1)?.timeUsageStarted;
  if (typeof last !== "string") return 1;
  const lastDay = Math.floor((Date.parse(last) - start) / DAY_MS);
  if (!(lastDay >= 1)) return days;
  const inWholeDays = firstPage.filter(
    (item) =>
      typeof item.timeUsageStarted === "string" &&
      Date.parse(item.timeUsageStarted) < start + lastDay * DAY_MS,
  ).length;
  return (days * inWholeDays) / lastDay / firstPage.length;
}

/** The month as `count` runs of whole days, in order (the earlier runs one day longer when it does not divide). */
export function dayParts(body: UsageRequest, count: number): UsageRequest[] {
  const start = Date.parse(body.timeUsageStarted);
  const days = Math.round((Date.parse(body.timeUsageEnded) - start) / DAY_MS);
  const n = Math.max(1, Math.min(days, Math.floor(count)));
  const parts: UsageRequest[] = [];
  let from = 0;
  for (let i = 0; i < n; i++) {
    const length = Math.floor(days / n) + (i < days % n ? 1 : 0);
    const to = from + length;
    parts.push({
      ...body,
      timeUsageStarted: new Date(start + from * DAY_MS).toISOString(),
      timeUsageEnded: i === n - 1 ? body.timeUsageEnded : new Date(start + to * DAY_MS).toISOString(),
    });
    from = to;
  }
  return parts;
}

/**
 * Whether an item of the month's answer lies past the first of `parts` (split by days or by `dimension`):
 * the first part can then go on from the month's own first page and stop there, since the answer is in
 * the parts' order.
 */
export function pastFirstPart(
  parts: readonly UsageRequest[],
  dimension: string | undefined,
): (item: UsageItem) => boolean {
  const field = dimension === undefined ? undefined : LEADING_FIELDS[dimension];
  if (field !== undefined) {
    const first = parts[0]?.filter?.dimensions?.[0]?.value;
    return (item) => item[field] !== first;
  }
  const secondStarts = Date.parse(parts[1]?.timeUsageStarted ?? "");
  return (item) =>
    typeof item.timeUsageStarted === "string" && Date.parse(item.timeUsageStarted) >= secondStarts;
}

/**
 * The month as one part per value of `dimension`, in the listing's order; undefined when a value is null,
 * empty or repeated (no filter selects a null, and a repeat would fetch rows twice) or there is only one.
 */
export function leadingParts(
  body: UsageRequest,
  dimension: string,
  listing: readonly UsageItem[],
): UsageRequest[] | undefined {
  const field = LEADING_FIELDS[dimension];
  if (field === undefined) return undefined;
  const values: string[] = [];
  const seen = new Set<string>();
  for (const item of listing) {
    const value = item[field];
    if (typeof value !== "string" || value === "" || seen.has(value)) return undefined;
    seen.add(value);
    values.push(value);
  }
  if (values.length < 2) return undefined;
  return values.map((value) => ({
    ...body,
    filter: { operator: "AND", dimensions: [{ key: dimension, value }] },
  }));
}
