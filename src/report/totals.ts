// Per-month running totals in exact decimals: overall, by service and by compartment, plus the
// currency the rows report. Totals sum computedAmount (the cost); a row without one adds nothing.
import { compare, type Decimal, ExactSum, parseDecimal, smallDecimalParts } from "../lib/money.js";
import type { UsageItem } from "./columns.js";

export const UNKNOWN_CURRENCY = "unknown";
/** Bucket name for rows whose service or compartment is null (not grouped by, or not reported). */
const NONE_LABEL = "(none)";

export interface MonthFigures {
  month: string;
  rows: number;
  total: Decimal;
  /** The rows' currency, else the fallback (input `currency`, another month's), else "unknown". */
  currency: string;
  /** Every distinct non-null currency seen; more than one is worth a warning. */
  currencies: string[];
  /** Largest amount first, then by name. */
  byService: Array<[string, Decimal]>;
  byCompartment: Array<[string, Decimal]>;
}

/** Scratch for the parts of one amount (no allocation per row). */
const parts = { coef: 0, scale: 0 };

function bucket(map: Map<string, ExactSum>, key: string): ExactSum {
  let sum = map.get(key);
  if (sum === undefined) {
    sum = new ExactSum();
    map.set(key, sum);
  }
  return sum;
}

function ranked(map: ReadonlyMap<string, ExactSum>): Array<[string, Decimal]> {
  return rankEntries(new Map([...map].map(([name, sum]) => [name, sum.value])));
}

/** Largest first; ties by name, so the order never depends on arrival order. */
export function rankEntries(map: ReadonlyMap<string, Decimal>): Array<[string, Decimal]> {
  return [...map.entries()].sort(([na, a], [nb, b]) => compare(b, a) || (na < nb ? -1 : na > nb ? 1 : 0));
}

function label(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

export class MonthTotals {
  private rows = 0;
  private readonly total = new ExactSum();
  private readonly services = new Map<string, ExactSum>();
  private readonly compartments = new Map<string, ExactSum>();
  private readonly currencies = new Set<string>();

  constructor(readonly month: string) {}

  /** Count one row. Throws (with the field named) when computedAmount is present but not a number. */
  add(item: UsageItem): void {
    this.rows++;
    const raw = item.computedAmount;
    let amount: Decimal | undefined;
    let small = false;
    if (raw !== null && raw !== undefined) {
      if (typeof raw !== "number" && typeof raw !== "string") {
        throw new Error(`a usage item has a computedAmount of type ${typeof raw}, not a number`);
      }
      small = typeof raw === "number" && smallDecimalParts(raw, parts);
      if (!small) amount = parseDecimal(raw);
    }
    const service = bucket(this.services, label(item.service) ?? NONE_LABEL);
    const compartment = bucket(
      this.compartments,
      label(item.compartmentPath) ?? label(item.compartmentName) ?? label(item.compartmentId) ?? NONE_LABEL,
    );
    if (small) {
      this.total.addParts(parts.coef, parts.scale);
      service.addParts(parts.coef, parts.scale);
      compartment.addParts(parts.coef, parts.scale);
    } else if (amount !== undefined) {
      this.total.addDecimal(amount);
      service.addDecimal(amount);
      compartment.addDecimal(amount);
    }
    const currency = label(item.currency);
    if (currency !== undefined) this.currencies.add(currency);
  }

  /** The first currency seen in the rows, if any. */
  get detectedCurrency(): string | undefined {
    return this.currencies.values().next().value;
  }

  result(fallbackCurrency?: string): MonthFigures {
    return {
      month: this.month,
      rows: this.rows,
      total: this.total.value,
      currency: this.detectedCurrency ?? fallbackCurrency ?? UNKNOWN_CURRENCY,
      currencies: [...this.currencies].sort(),
      byService: ranked(this.services),
      byCompartment: ranked(this.compartments),
    };
  }
}
