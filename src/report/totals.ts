// Per-month running totals in exact decimals: overall, by service and by compartment, plus the
// currency the rows report, and by the value of the group-by tag when there is one. Totals sum
// computedAmount (the cost); a row without one adds nothing.
import { compare, type Decimal, ExactSum, parseDecimal, smallDecimalParts } from "../lib/money.js";
import type { RowLayout, ScannedRows } from "./answer-scan.js";
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

/** The fields a row's totals read, by their place in FIELDS. */
const FIELDS = [
  "computedAmount",
  "service",
  "compartmentPath",
  "compartmentName",
  "compartmentId",
  "currency",
];
const [AMOUNT, SERVICE, PATH, NAME, ID, CURRENCY] = [0, 1, 2, 3, 4, 5];
const [ABSENT, NUMBER, STRING, BOOLEAN] = [0, 1, 2, 3];

/** What kind of JSON value field `place` of a scanned row holds (ABSENT: null, or no such field). */
function valueKind(rows: ScannedRows, row: number, place: number): number {
  if (place < 0) return ABSENT;
  switch (rows.text.charCodeAt(rows.start(row, place))) {
    case 0x6e: // n
      return ABSENT;
    case 0x22: // "
      return STRING;
    case 0x74: // t
    case 0x66: // f
      return BOOLEAN;
    default:
      return NUMBER;
  }
}

/** The string value of field `place` (a string: no escapes, so the text between the quotes). */
function stringAt(rows: ScannedRows, row: number, place: number): string {
  const start = rows.start(row, place);
  return rows.text.slice(start + 1, start + rows.length(row, place) - 1);
}

/** label() of field `place` of a scanned row. */
function labelAt(rows: ScannedRows, row: number, place: number): string | undefined {
  if (valueKind(rows, row, place) !== STRING || rows.length(row, place) === 2) return undefined;
  return stringAt(rows, row, place);
}

/** The exact parts of a scanned number into `parts`: its digits (at most 15) and how many follow the point. */
function numberParts(rows: ScannedRows, row: number, place: number): void {
  const text = rows.text;
  let at = rows.start(row, place);
  const end = at + rows.length(row, place);
  const negative = text.charCodeAt(at) === 0x2d;
  if (negative) at++;
  let coef = 0;
  let scale = 0;
  let fraction = false;
  for (; at < end; at++) {
    const c = text.charCodeAt(at);
    if (c === 0x2e) fraction = true;
    else {
      coef = coef * 10 + (c - 0x30);
      if (fraction) scale++;
    }
  }
  parts.coef = negative ? -coef : coef;
  parts.scale = scale;
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

  /** Count a page's rows: from where a scanned page holds their values, else from its items. */
  addPage(page: { readonly items: readonly UsageItem[]; rows?: ScannedRows | undefined }): void {
    // A scanned value is never an array, so a page of scanned rows has no tags to sum by.
    if (page.rows !== undefined && this.tag === undefined) this.addRows(page.rows);
    else for (const item of page.items) this.add(item);
  }

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
    const service = label(item.service) ?? NONE_LABEL;
    const compartment =
      label(item.compartmentPath) ?? label(item.compartmentName) ?? label(item.compartmentId) ?? NONE_LABEL;
    this.addAmount(small, amount, service, compartment, this.tag ? this.tagBucket(item) : undefined);
    const currency = label(item.currency);
    if (currency !== undefined) this.currencies.add(currency);
  }

  /**
   * Count scanned rows as add() counts their items. A number's text is as JavaScript prints it (at most
   * 15 digits, no exponent), so its digits are the exact parts smallDecimalParts gives for the number.
   */
  private addRows(rows: ScannedRows): void {
    let layout: RowLayout | undefined;
    let fields = FIELDS.map(() => -1);
    for (let row = 0; row < rows.count; row++) {
      if (rows.layoutOf(row) !== layout) {
        layout = rows.layoutOf(row);
        fields = FIELDS.map((name) => layout!.index.get(name) ?? -1);
      }
      this.rows++;
      let amount: Decimal | undefined;
      let small = false;
      const raw = valueKind(rows, row, fields[AMOUNT]!);
      if (raw === NUMBER) {
        numberParts(rows, row, fields[AMOUNT]!);
        small = true;
      } else if (raw === STRING) amount = parseDecimal(stringAt(rows, row, fields[AMOUNT]!));
      else if (raw === BOOLEAN) {
        throw new Error("a usage item has a computedAmount of type boolean, not a number");
      }
      const service = labelAt(rows, row, fields[SERVICE]!) ?? NONE_LABEL;
      const compartment =
        labelAt(rows, row, fields[PATH]!) ??
        labelAt(rows, row, fields[NAME]!) ??
        labelAt(rows, row, fields[ID]!) ??
        NONE_LABEL;
      this.addAmount(small, amount, service, compartment, undefined);
      const currency = labelAt(rows, row, fields[CURRENCY]!);
      if (currency !== undefined) this.currencies.add(currency);
    }
  }

  /** One row's amount (its parts in `parts` when small) into the sums it counts in. */
  private addAmount(
    small: boolean,
    amount: Decimal | undefined,
    serviceName: string,
    compartmentName: string,
    tagged: ExactSum | undefined,
  ): void {
    const service = bucket(this.services, serviceName);
    const compartment = bucket(this.compartments, compartmentName);
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
