// RFC 4180 CSV (csv-stringify, CRLF record ends, header row) streamed into an atomic file in batches. Formula
// escaping applies to text columns only: numbers, negative credits included, stay numbers.
import { stringify } from "csv-stringify/sync";
import { AtomicFileWriter, type AtomicWriteResult } from "../lib/atomic.js";
import { formatExact, parseDecimal } from "../lib/money.js";
import { ByteSink } from "./byte-sink.js";
import type { CellValue, Column } from "./columns.js";

/**
 * OWASP CSV injection: = + - @ TAB CR, plus LF and NUL (not covered by csv-stringify's escape_formulas)
 * and the full-width forms ＝ ＋ － ＠ that some spreadsheets also read as formula starts.
 */
function startsFormula(value: string): boolean {
  switch (value.charCodeAt(0)) {
    case 0x3d: // =
    case 0x2b: // +
    case 0x2d: // -
    case 0x40: // @
    case 0x09: // TAB
    case 0x0d: // CR
    case 0x0a: // LF
    case 0x00: // NUL
    case 0xff1d: // ＝
    case 0xff0b: // ＋
    case 0xff0d: // －
    case 0xff20: // ＠
      return true;
    default:
      return false;
  }
}

/** Prefix `'` when a text value would start a spreadsheet formula. */
export function neutralizeFormula(value: string): string {
  return startsFormula(value) ? `'${value}` : value;
}

/** A number as plain decimal text (no exponent), so "1e-7" becomes "0.0000001". */
function plainNumber(value: number): string {
  const text = String(value);
  return text.includes("e") ? formatExact(parseDecimal(value)) : text;
}

/** A decimal cell: the number's text, with ".0" on a whole number so the column reads as decimals, not integers. */
function decimalText(value: CellValue): string {
  const text = cellText("number", value);
  if (typeof value === "number") return Number.isInteger(value) ? `${text}.0` : text;
  return /^-?\d+$/.test(text) ? `${text}.0` : text;
}

/** One CSV cell as text, applying the column's rule. */
export function cellText(kind: Column["kind"], value: CellValue | undefined): string {
  if (value === null || value === undefined) return "";
  if (kind === "decimal") return decimalText(value);
  if (kind === "number") {
    if (typeof value === "number") return Number.isFinite(value) ? plainNumber(value) : "";
    // A numeric string (attributedCost is one) is normalised; anything else is treated as text.
    try {
      return formatExact(parseDecimal(value));
    } catch {
      return neutralizeFormula(value);
    }
  }
  return neutralizeFormula(typeof value === "string" ? value : String(value));
}

const STRINGIFY_OPTIONS = { record_delimiter: "windows", eof: true } as const;
/**
 * Characters without which csv-stringify writes a cell as it is under STRINGIFY_OPTIONS (it quotes for the
 * delimiter, the quote and the record delimiter): a cell holding one goes through csv-stringify.
 */
const QUOTED_CHARACTER = /[",\r\n]/;
/** Rows written to the file at once: a write per row would cost more than the row. */
const BATCH_ROWS = 512;

/**
 * One CSV record as csv-stringify writes it under STRINGIFY_OPTIONS. A record with no cell to quote (the
 * usual one) is the cells joined by commas, which is what csv-stringify makes of it; any other goes through
 * csv-stringify itself, whose quoting stays the rule (a property test holds the two together).
 */
export function csvRecord(cells: readonly string[]): string {
  for (const cell of cells) if (QUOTED_CHARACTER.test(cell)) return stringify([cells], STRINGIFY_OPTIONS);
  return plainRecord(cells);
}

/**
 * Cells that need no quoting, as one record. Concatenated, not joined: join flattens every record, while a
 * batch is flattened once, when it is written.
 */
function plainRecord(cells: readonly string[]): string {
  let line = cells.length === 0 ? "" : cells[0]!;
  for (let i = 1; i < cells.length; i++) line += `,${cells[i]}`;
  return `${line}\r\n`;
}

export class CsvWriter {
  /** The records not yet written, as CSV text. */
  private pending = "";
  private pendingRows = 0;
  private closed = false;
  /** Scratch for one record's cells (reused: a row's cells are joined before the next row). */
  private readonly cells: string[];
  /** Scratch for the records of a scanned page (reused: a page's are in the file before the next's). */
  private records: ByteSink | undefined;

  private constructor(
    private readonly file: AtomicFileWriter,
    private readonly kinds: ReadonlyArray<Column["kind"]>,
  ) {
    this.cells = new Array<string>(kinds.length);
  }

  /** Open the temp file; the header row goes first. */
  static async open(path: string, columns: readonly Pick<Column, "name" | "kind">[]): Promise<CsvWriter> {
    const file = await AtomicFileWriter.open(path);
    const writer = new CsvWriter(
      file,
      columns.map((c) => c.kind),
    );
    writer.pending = csvRecord(columns.map((c) => neutralizeFormula(c.name)));
    writer.pendingRows = 1;
    return writer;
  }

  private async flush(): Promise<void> {
    if (this.pendingRows === 0) return;
    const text = this.pending;
    this.pending = "";
    this.pendingRows = 0;
    await this.file.write(text);
  }

  /** Write one row; values are in column order. */
  async write(values: readonly CellValue[]): Promise<void> {
    this.append(values);
    if (this.pendingRows >= BATCH_ROWS) await this.flush();
  }

  /** Write many rows; only the occasional flush waits, not every row. */
  async writeMany(rows: Iterable<readonly CellValue[]>): Promise<void> {
    for (const values of rows) {
      this.append(values);
      if (this.pendingRows >= BATCH_ROWS) await this.flush();
    }
  }

  /** Write one row per item, made as it is written (no array of all the rows at once). */
  async writeEach<T>(items: readonly T[], row: (item: T) => readonly CellValue[]): Promise<void> {
    for (const item of items) {
      this.append(row(item));
      if (this.pendingRows >= BATCH_ROWS) await this.flush();
    }
  }

  /**
   * Write records made as CSV bytes by `fill` (csv-rows.ts) into the writer's scratch sink, after what is
   * pending. The scratch is reused: the bytes are in the file before the next call fills it again.
   */
  async writeBytes(fill: (scratch: ByteSink) => Uint8Array): Promise<void> {
    if (this.closed) throw new Error("CSV writer already closed");
    await this.flush();
    this.records ??= new ByteSink(1 << 20);
    const bytes = fill(this.records);
    if (bytes.length > 0) await this.file.writeSettled(bytes);
  }

  private append(values: readonly CellValue[]): void {
    if (this.closed) throw new Error("CSV writer already closed");
    const { cells, kinds } = this;
    let quoted = false;
    for (let i = 0; i < kinds.length; i++) {
      const value = values[i];
      const text = cellText(kinds[i]!, value);
      cells[i] = text;
      // A number's text (digits, a point, a sign, or a word such as Infinity) never needs quotes.
      if (!quoted && typeof value !== "number" && QUOTED_CHARACTER.test(text)) quoted = true;
    }
    this.pending += quoted ? stringify([cells], STRINGIFY_OPTIONS) : plainRecord(cells);
    this.pendingRows++;
  }

  /** Finish the CSV and move it into place atomically. */
  async close(): Promise<AtomicWriteResult> {
    if (this.closed) throw new Error("CSV writer already closed");
    this.closed = true;
    return this.file.commitAfter(() => this.flush());
  }

  /** Drop everything written so far; the target path is left as it was. */
  async abort(): Promise<void> {
    this.closed = true;
    this.pending = "";
    await this.file.abort();
  }
}
