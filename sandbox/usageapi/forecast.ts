// The sandbox's forecast: the `forecast` block of RequestSummarizedUsagesDetails answered the way the real
// Usage API answers it (forecast items, `isForecast: true`, after the actual items, one per forecast day),
// from a model of the sandbox's own. It is NOT Oracle's: OCI's BASIC forecast fits an exponential smoothing
// (ETS) model to history. Here each forecast day costs the daily run-rate of the usage window (its total
// over its whole days, in micro-units, rounded down), so the figures are deterministic and easy to check.

import type { SummarizeDetails, UsageSummaryJson } from "./aggregate.js";
import { blankItem, type CompactSummary, InvalidQueryError, summarizeCompact } from "./aggregate.js";
import { type Dataset, formatMicros } from "./dataset.js";

const DAY = 86_400_000;

export interface ForecastWindow {
  /** ms, UTC midnight, inclusive. */
  start: number;
  /** ms, UTC midnight, exclusive. */
  end: number;
}

/** "12.5" (the attributed figures' text) as micro-units. */
function micros(text: string): bigint {
  const negative = text.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? text.slice(1) : text).split(".");
  const value = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, "0").slice(0, 6) || "0");
  return negative ? -value : value;
}

/** The usage window's totals (cost and quantity, in micro-units) over its whole days. */
function windowTotals(
  dataset: Dataset,
  details: SummarizeDetails & { timeUsageStarted: number; timeUsageEnded: number },
) {
  const total = summarizeCompact(dataset, {
    ...details,
    isAggregateByTime: true,
    groupBy: [],
    groupByTag: [],
  });
  const item = total.length > 0 ? total.items(0, 1)[0] : undefined;
  const days = BigInt(Math.max(1, Math.round((details.timeUsageEnded - details.timeUsageStarted) / DAY)));
  return {
    cost: item ? micros(item.attributedCost) / days : 0n,
    quantity: item ? micros(item.attributedUsage) / days : 0n,
  };
}

function forecastItem(day: number, cost: bigint, quantity: bigint, currency: string): UsageSummaryJson {
  const item = blankItem(currency);
  item.timeUsageStarted = new Date(day).toISOString();
  item.timeUsageEnded = new Date(day + DAY).toISOString();
  item.computedAmount = Number(formatMicros(cost));
  item.computedQuantity = Number(formatMicros(quantity));
  item.attributedCost = formatMicros(cost);
  item.attributedUsage = formatMicros(quantity);
  item.isForecast = true;
  return item;
}

/** The actual answer followed by one forecast item per day of the forecast window. */
export function withForecast(
  dataset: Dataset,
  details: SummarizeDetails & { timeUsageStarted: number; timeUsageEnded: number },
  actual: CompactSummary,
  window: ForecastWindow,
): CompactSummary {
  // The sandbox's limitation (the real service forecasts grouped and other granularities too).
  if (details.granularity !== "DAILY")
    throw new InvalidQueryError("the sandbox Usage API forecasts DAILY queries only", "granularity");
  if ((details.groupBy?.length ?? 0) > 0 || (details.groupByTag?.length ?? 0) > 0)
    throw new InvalidQueryError("the sandbox Usage API forecasts ungrouped queries only", "groupBy");
  const rate = windowTotals(dataset, details);
  const forecast: UsageSummaryJson[] = [];
  for (let day = window.start; day < window.end; day += DAY)
    forecast.push(forecastItem(day, rate.cost, rate.quantity, dataset.currency));
  const length = actual.length + forecast.length;
  const split = (offset: number, count: number) => {
    const from = Math.max(0, Math.min(offset, length));
    const to = Math.max(from, Math.min(from + count, length));
    const actualTo = Math.min(to, actual.length);
    return {
      actual: from < actualTo ? { offset: from, count: actualTo - from } : undefined,
      forecast: forecast.slice(Math.max(0, from - actual.length), Math.max(0, to - actual.length)),
    };
  };
  return {
    groupBy: actual.groupBy,
    length,
    items(offset = 0, count = length) {
      const part = split(offset, count);
      const head = part.actual ? actual.items(part.actual.offset, part.actual.count) : [];
      return [...head, ...part.forecast];
    },
    itemsJson(offset = 0, count = length) {
      const part = split(offset, count);
      const texts = part.forecast.map((item) => JSON.stringify(item));
      if (part.actual) texts.unshift(actual.itemsJson(part.actual.offset, part.actual.count));
      return texts.filter((text) => text !== "").join(",");
    },
  };
}
