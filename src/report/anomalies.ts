// Month-over-month anomalies: a service or compartment whose cost moved by at least both thresholds (a
// percentage and an amount), and services that appeared or vanished. Pure: figures in, findings out.
import {
  abs,
  compare,
  type Decimal,
  divide,
  formatExact,
  formatFixed,
  multiply,
  parseDecimal,
  subtract,
  ZERO,
} from "../lib/money.js";
import { previousMonth } from "./months.js";
import type { MonthFigures } from "./totals.js";

export interface AnomalyThresholds {
  /** Least change in percent of the previous month's cost, e.g. 25. */
  percent: Decimal;
  /** Least change in the report currency, e.g. 100. */
  amount: Decimal;
}

export type AnomalyKind = "increase" | "decrease" | "new" | "vanished";

export interface Anomaly {
  month: string;
  previousMonth: string;
  dimension: "service" | "compartment";
  name: string;
  kind: AnomalyKind;
  previous: Decimal;
  current: Decimal;
  /** current - previous */
  change: Decimal;
  /** Change in percent of the previous cost (1 decimal); undefined when that was 0. */
  percent: Decimal | undefined;
}

interface ComparableMonth extends MonthFigures {
  partial?: boolean;
}

const HUNDRED = parseDecimal(100);

/** Most findings the `anomalies` output lists; `count` still counts them all. */
const OUTPUT_MAX_ITEMS = 100;

/**
 * Every anomaly of `months` (oldest first) against the month before each (`baseline` for the first).
 * Ordered by month, services before compartments, then the largest change first.
 */
export function findAnomalies(
  months: readonly ComparableMonth[],
  baseline: MonthFigures | undefined,
  thresholds: AnomalyThresholds,
): Anomaly[] {
  return comparedPairs(months, baseline).flatMap(([previous, current]) => [
    ...compareLines("service", previous, current, thresholds),
    ...compareLines("compartment", previous, current, thresholds),
  ]);
}

/** Each month that can be compared, with the month before it (`baseline` for the first). */
export function comparedPairs(
  months: readonly ComparableMonth[],
  baseline: MonthFigures | undefined,
): Array<[previous: MonthFigures, current: MonthFigures]> {
  const known = new Map<string, MonthFigures>();
  if (baseline) known.set(baseline.month, baseline);
  for (const m of months) known.set(m.month, m);
  const pairs: Array<[MonthFigures, MonthFigures]> = [];
  for (const current of months) {
    const previous = known.get(previousMonth(current.month));
    if (comparable(previous, current)) pairs.push([previous, current]);
  }
  return pairs;
}

/**
 * A partial month's cost is still coming in; a previous month without a single row is before the data
 * starts (or past what the Usage API keeps), where every service would look new; another currency's
 * amounts do not compare.
 */
function comparable(previous: MonthFigures | undefined, current: ComparableMonth): previous is MonthFigures {
  return (
    !current.partial && previous !== undefined && previous.rows > 0 && previous.currency === current.currency
  );
}

function compareLines(
  dimension: Anomaly["dimension"],
  previous: MonthFigures,
  current: MonthFigures,
  thresholds: AnomalyThresholds,
): Anomaly[] {
  const pick = (m: MonthFigures) => new Map(dimension === "service" ? m.byService : m.byCompartment);
  const before = pick(previous);
  const now = pick(current);
  const found: Anomaly[] = [];
  for (const name of new Set([...before.keys(), ...now.keys()])) {
    const line = classify(before.get(name), now.get(name), dimension, thresholds);
    if (!line) continue;
    found.push({ month: current.month, previousMonth: previous.month, dimension, name, ...line });
  }
  return found.sort(
    (a, b) => compare(abs(b.change), abs(a.change)) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

type Classified = Pick<Anomaly, "kind" | "previous" | "current" | "change" | "percent">;

/**
 * One line's finding, if any. A service with cost now and none before is new, one with cost before and
 * none now vanished (whatever the amount: a service appearing is news of its own); any other line counts
 * when its change reaches both thresholds.
 */
function classify(
  before: Decimal | undefined,
  now: Decimal | undefined,
  dimension: Anomaly["dimension"],
  thresholds: AnomalyThresholds,
): Classified | undefined {
  const previous = before ?? ZERO;
  const current = now ?? ZERO;
  const change = subtract(current, previous);
  const had = compare(previous, ZERO) !== 0;
  const has = compare(current, ZERO) !== 0;
  if (dimension === "service" && had !== has) {
    return {
      kind: has ? "new" : "vanished",
      previous,
      current,
      change,
      percent: percentOf(change, previous),
    };
  }
  // The amount first: it is the cheap test, and most lines fail it.
  if (!had || compare(abs(change), thresholds.amount) < 0) return undefined;
  const percent = percentOf(change, previous);
  if (percent === undefined || compare(abs(percent), thresholds.percent) < 0) return undefined;
  return { kind: compare(change, ZERO) > 0 ? "increase" : "decrease", previous, current, change, percent };
}

function percentOf(change: Decimal, previous: Decimal): Decimal | undefined {
  return divide(multiply(change, HUNDRED), abs(previous), 1);
}

/** The `anomalies` output: a JSON object a workflow can test (`count`) and post (`items`). */
export function anomaliesOutput(
  anomalies: readonly Anomaly[],
  thresholds: AnomalyThresholds,
  currency: string,
): string {
  return JSON.stringify({
    count: anomalies.length,
    currency,
    thresholds: { percent: formatExact(thresholds.percent), amount: formatExact(thresholds.amount) },
    items: anomalies.slice(0, OUTPUT_MAX_ITEMS).map((a) => ({
      month: a.month,
      previousMonth: a.previousMonth,
      dimension: a.dimension,
      name: a.name,
      kind: a.kind,
      previous: formatExact(a.previous),
      current: formatExact(a.current),
      change: formatExact(a.change),
      percent: a.percent === undefined ? null : formatFixed(a.percent, 1),
    })),
    truncated: anomalies.length > OUTPUT_MAX_ITEMS,
  });
}
