// CSV records straight from a scanned ASCII page (answer-scan.ts): the bytes the item path (rowValues,
// cellText, csvRecord) writes for the same rows, copied from the answer's bytes with no item object and
// no string per cell. A value JavaScript prints as written (the scanner vouches for that) is its own
// cell text, and a string without escapes is the text between its quotes. A record with a cell to quote,
// or a cell whose rule needs more than its text (a string in a number column), is written by the item
// path itself.
import type { ScannedRows } from "./answer-scan.js";
import type { ByteSink } from "./byte-sink.js";
import { type Column, type RowContext, rowValues } from "./columns.js";
import { cellText, csvRecord } from "./csv.js";

/** What a cell of a plan is: text of the context alone, or a field's value by the column's kind. */
const CONSTANT = 0;
const TEXT = 1;
const NUMBER = 2;

/** How a sink's columns read a scanned row; made once per month. */
interface RowPlan {
  columns: readonly Column[];
  ctx: RowContext;
  /** Per column: CONSTANT, TEXT or NUMBER. */
  kinds: Uint8Array;
  /** Per CONSTANT column: its cell's bytes. */
  constants: readonly Uint8Array[];
  /** Per TEXT or NUMBER column: the field it reads. */
  fields: readonly string[];
  /** The bytes of the CONSTANT cells, the commas and the record's end. */
  fixedLength: number;
}

/** First bytes that start a spreadsheet formula (csv.ts, neutralizeFormula; the others are not ASCII). */
const FORMULA = new Uint8Array(256);
for (const c of [0x3d, 0x2b, 0x2d, 0x40, 0x09, 0x0d, 0x0a, 0x00]) FORMULA[c] = 1;
const APOSTROPHE = 0x27;
const COMMA = 0x2c;

/** The plan for `columns`, or undefined when one of them must be asked with the item. */
export function rowPlan(columns: readonly Column[], ctx: RowContext): RowPlan | undefined {
  const kinds = new Uint8Array(columns.length);
  const constants: Uint8Array[] = [];
  const fields: string[] = [];
  let fixedLength = columns.length + 1;
  for (const [i, column] of columns.entries()) {
    const { reads, kind } = column;
    if (reads === "context") {
      const text = cellText(kind, column.value({}, ctx));
      if (/[",\r\n]/.test(text)) return undefined;
      kinds[i] = CONSTANT;
      // A plain Uint8Array: element access on one is faster than on a Buffer.
      constants[i] = Uint8Array.from(Buffer.from(text, "utf8"));
      fixedLength += constants[i]!.length;
    } else if (reads !== undefined && kind !== "decimal") {
      kinds[i] = kind === "text" ? TEXT : NUMBER;
      fields[i] = reads.field;
    } else return undefined;
  }
  return { columns, ctx, kinds, constants, fields, fixedLength };
}

/**
 * The CSV records of every row of `rows` (an ASCII page: rows.bytes is set), in order, written into `out`
 * from its start (a writer reuses one sink from page to page).
 */
export function csvRecords(rows: ScannedRows, plan: RowPlan, out: ByteSink): Uint8Array {
  const source = rows.bytes;
  if (source === undefined) throw new Error("csvRecords needs the bytes of an ASCII page");
  out.length = 0;
  const places = new Int32Array(plan.kinds.length);
  let layout: ReturnType<ScannedRows["layoutOf"]> | undefined;
  for (let row = 0; row < rows.count; row++) {
    if (rows.layoutOf(row) !== layout) {
      layout = rows.layoutOf(row);
      for (let i = 0; i < places.length; i++) {
        places[i] = plan.kinds[i] === CONSTANT ? -1 : (layout.index.get(plan.fields[i]!) ?? -1);
      }
    }
    const start = out.length;
    if (!writeRecord(rows, row, source, plan, places, out)) {
      out.length = start;
      out.writeText(itemRecord(rows, row, plan));
    }
  }
  return out.done();
}

/** The record as the item path writes it. */
function itemRecord(rows: ScannedRows, row: number, plan: RowPlan): string {
  const item = rows.items()[row]!;
  const values = rowValues(plan.columns, item, plan.ctx);
  return csvRecord(values.map((value, i) => cellText(plan.columns[i]!.kind, value)));
}

/** The record of one row copied from the page; false when the item path must write it. */
function writeRecord(
  rows: ScannedRows,
  row: number,
  source: Uint8Array,
  plan: RowPlan,
  places: Int32Array,
  out: ByteSink,
): boolean {
  const { kinds, constants } = plan;
  const spans = rows.spans;
  const base = 2 * rows.first[row]!;
  // Each cell is at most its value's text and a prefix, with the fixed bytes around them.
  let bound = plan.fixedLength;
  for (let i = 0; i < places.length; i++) if (places[i]! >= 0) bound += spans[base + 2 * places[i]! + 1]! + 1;
  out.reserve(bound);
  const view = out.view;
  let o = out.length;
  for (let i = 0; i < kinds.length; i++) {
    if (i > 0) view[o++] = COMMA;
    const kind = kinds[i]!;
    if (kind === CONSTANT) {
      const bytes = constants[i]!;
      for (let b = 0; b < bytes.length; b++) view[o++] = bytes[b]!;
      continue;
    }
    const place = places[i]!;
    if (place < 0) continue; // no such field: an empty cell
    const at = spans[base + 2 * place]!;
    const end = at + spans[base + 2 * place + 1]!;
    const c = source[at]!;
    if (c === 0x6e) continue; // null: an empty cell
    if (c === 0x22) {
      if (kind === NUMBER) return false; // a numeric string is normalised: the item path
      // A string: the text between its quotes, formula-escaped. The scanner let no quote or control
      // character into it, so a comma is the one byte that would need quoting.
      if (end - at > 2 && FORMULA[source[at + 1]!] === 1) view[o++] = APOSTROPHE;
      for (let b = at + 1; b < end - 1; b++) {
        const d = source[b]!;
        if (d === COMMA) return false;
        view[o++] = d;
      }
      continue;
    }
    if (kind === NUMBER && (c === 0x74 || c === 0x66)) continue; // numeric() of a boolean is null
    // A number, or a boolean as text: its JSON text, which is what String() gives; as text, formula-escaped.
    if (kind === TEXT && FORMULA[c] === 1) view[o++] = APOSTROPHE;
    for (let b = at; b < end; b++) view[o++] = source[b]!;
  }
  view[o++] = 0x0d;
  view[o++] = 0x0a;
  out.length = o;
  return true;
}
