// Per-month running totals in exact decimals: overall, by service and by compartment, plus the
// currency the rows report. Totals sum computedAmount (the cost); a row without one adds nothing.
import { add, compare, type Decimal, parseDecimal, ZERO } from "../lib/money.js";
import type { UsageItem } from "./columns.js";

export const UNKNOWN_CURRENCY = "unknown";
/** Bucket name for rows whose service or compartment is null (not grouped by, or not reported). */
export const NONE_LABEL = "(none)";

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

function bump(map: Map<string, Decimal>, key: string, amount: Decimal): void {
  map.set(key, add(map.get(key) ?? ZERO, amount));
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
  private total: Decimal = ZERO;
  private readonly services = new Map<string, Decimal>();
  private readonly compartments = new Map<string, Decimal>();
  private readonly currencies = new Set<string>();

  constructor(readonly month: string) {}

  /** Count one row. Throws (with the field named) when computedAmount is present but not a number. */
  add(item: UsageItem): void {
    this.rows++;
    const raw = item.computedAmount;
    let amount = ZERO;
    if (raw !== null && raw !== undefined) {
      if (typeof raw !== "number" && typeof raw !== "string") {
        throw new Error(`a usage item has a computedAmount of type ${typeof raw}, not a number`);
      }
      amount = parseDecimal(raw);
    }
    this.total = add(this.total, amount);
    bump(this.services, label(item.service) ?? NONE_LABEL, amount);
    bump(
      this.compartments,
      label(item.compartmentPath) ?? label(item.compartmentName) ?? label(item.compartmentId) ?? NONE_LABEL,
      amount,
    );
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
      total: this.total,
      currency: this.detectedCurrency ?? fallbackCurrency ?? UNKNOWN_CURRENCY,
      currencies: [...this.currencies].sort(),
      byService: rankEntries(this.services),
      byCompartment: rankEntries(this.compartments),
    };
  }
}
