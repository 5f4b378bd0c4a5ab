// Per-month running totals in exact decimals: overall, by service and by compartment, plus the
// currency the rows report, and by the value of the group-by tag when there is one. Totals sum
// computedAmount (the cost); a row without one adds nothing.
import { compare, type Decimal, ExactSum, parseDecimal, smallDecimalParts } from "../lib/money.js";
import { type TagRef, tagsOf, type UsageItem } from "./columns.js";

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
  /** With group-by-tag: cost per tag value (largest first), and the cost of rows without the tag. */
  byTag?: { values: Array<[string, Decimal]>; untagged: Decimal } | undefined;
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
  private readonly tagValues = new Map<string, ExactSum>();
  private readonly untagged = new ExactSum();

  /** `tag`: the group-by tag, whose value each row's cost is also summed by. */
  constructor(
    readonly month: string,
    private readonly tag?: TagRef,
  ) {}

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
    const tagged = this.tag ? this.tagBucket(item) : undefined;
    if (small) {
      this.total.addParts(parts.coef, parts.scale);
      service.addParts(parts.coef, parts.scale);
      compartment.addParts(parts.coef, parts.scale);
      tagged?.addParts(parts.coef, parts.scale);
    } else if (amount !== undefined) {
      this.total.addDecimal(amount);
      service.addDecimal(amount);
      compartment.addDecimal(amount);
      tagged?.addDecimal(amount);
    }
    const currency = label(item.currency);
    if (currency !== undefined) this.currencies.add(currency);
  }

  /** The sum for the row's value of the group-by tag, or the untagged sum (no such tag, or no value). */
  private tagBucket(item: UsageItem): ExactSum {
    const { namespace, key } = this.tag!;
    const value = label(tagsOf(item).find((t) => t.namespace === namespace && t.key === key)?.value);
    return value === undefined ? this.untagged : bucket(this.tagValues, value);
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
      ...(this.tag ? { byTag: { values: ranked(this.tagValues), untagged: this.untagged.value } } : {}),
    };
  }
}
