// A fast path for reading one answer of the usage endpoint: the items of a page share their keys, so one
// regular expression per key layout validates an item in one native pass. A matched item has no
// whitespace and no escapes, so a short walk then finds where each of its values lies; from there come
// the item (the same keys, order and values JSON.parse gives) and its canonical JSON text (what
// canonicalJson writes for it), with no generic parse and no per-member serialisation.
//
// Only what the expression vouches for takes this path: flat items whose values are null, true, false,
// strings without escapes, control characters or surrogates, and numbers written as JavaScript prints
// them; keys that are not integer-like or __proto__, each once. Anything else, and any text that is not
// exactly a valid page, makes scanPage return undefined: the caller parses the page as before, with its
// checks and messages.
//
// The item objects are made only when something asks for them (ScannedRows.items): the CSV writer and
// the month's totals read the values where they lie (csv-rows.ts, totals.ts), which spares an object,
// its strings and their garbage per row.
//
// Why it is kept: on the whole 1,000,000-row report it saves the action about a third of its CPU and some
// peak RSS against JSON.parse + CanonicalItemWriter (docs/architecture.md, page scanners).
import { ByteSink } from "./byte-sink.js";
import type { UsageItem } from "./columns.js";

export interface ScannedAnswer {
  groupBy: string[] | undefined;
  /** The items as JSON.parse gives them, made when first read. */
  readonly items: UsageItem[];
  /** Where each item's values lie in the page. */
  rows: ScannedRows;
  /**
   * canonicalJson of each item, in order, joined by ITEM_SEPARATOR: as UTF-8 bytes when the page's bytes
   * were given (an ASCII page), else as one string. Made when first read (writers make them into memory
   * of their own: ScannedRows.canonicalBytes).
   */
  readonly canonical: string | Uint8Array;
  nextPage: string | undefined;
}

/** What the JSON report puts between two items. */
const ITEM_SEPARATOR = ",\n    ";
/** Latin-1 text as a plain Uint8Array (element access on one is faster than on a Buffer). */
const latin1Bytes = (text: string) => Uint8Array.from(Buffer.from(text, "latin1"));
const SEPARATOR_BYTES = latin1Bytes(ITEM_SEPARATOR);
/** Fixed pieces longer than this are copied with set() (a native copy), shorter ones byte by byte. */
const SHORT_PIECE = 16;

/**
 * A value taken as it is: null, true, false, a string with no escape, control character or surrogate, or
 * a number of at most 15 digits written as JavaScript prints it (no exponent, no trailing fraction zero,
 * not -0, not below 1e-6), which therefore parses and prints back as written. Nothing is captured (a
 * capture costs a string): where the values lie follows from the text (walkValues).
 */
const PLAIN_VALUE =
  String.raw`(?:null|true|false|"[^"\\\x00-\x1f\ud800-\udfff]*"` +
  String.raw`|(?!-0[,}])(?!-?0\.000000)-?(?=[\d.]{1,16}[,}])(?:0|[1-9]\d{0,14})(?:\.\d{0,13}[1-9])?)`;
/** One member of an item whose layout is not known yet: key and value (any JSON value shape is refused). */
const MEMBER = /"([^"\\\x00-\x1f]*)":(?:null|true|false|"[^"\\\x00-\x1f\ud800-\udfff]*"|-?[\d.eE+-]+)([,}])/y;
/** Layouts kept (a month's pages share one; more means items of varied shapes). */
const MAX_LAYOUTS = 8;

/** The keys of a kind of item, in order, as readers of ScannedRows see them. */
export interface RowLayout {
  readonly keys: readonly string[];
  /** Each key's place in `keys`. */
  readonly index: ReadonlyMap<string, number>;
}

/** The keys of an item, in order, and what is derived from them once. */
interface Layout extends RowLayout {
  readonly keys: string[];
  /** Sticky: the item, members in this order. */
  pattern: RegExp;
  /** An item of these keys, all null: each item starts as a copy (same keys, same order). */
  blank: UsageItem;
  /** Key indices in canonical (sorted) order. */
  sorted: number[];
  /** Each key as JSON: "name" with its quotes. */
  tokens: string[];
  /** The length of each key's JSON with the ":" after it. */
  prefixLengths: Int32Array;
  /** The pieces of the canonical text by which values are null (bit i: key i non-null), when n <= 30. */
  templates: Map<number, Template>;
}

/** The canonical text of an item: texts[0] + value[slots[0]] + texts[1] + ... + texts[n]. */
interface Template {
  texts: string[];
  slots: number[];
  /** The texts as bytes (for ASCII pages), made when first needed. */
  bytes?: Uint8Array[];
}

const regexText = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function layoutOf(keys: string[]): Layout | undefined {
  if (new Set(keys).size !== keys.length) return undefined;
  for (const key of keys) {
    const c = key.charCodeAt(0);
    // Integer-like keys come first in an object whatever their place; __proto__ is not a plain property.
    if ((c >= 0x30 && c <= 0x39) || key === "__proto__") return undefined;
  }
  const members = keys.map((key) => `${regexText(JSON.stringify(key))}:${PLAIN_VALUE}`);
  const blankText = `{${keys.map((key) => `${JSON.stringify(key)}:null`).join(",")}}`;
  // Sorted as canonicalJson sorts: Array.prototype.sort's default order, UTF-16 code units.
  const sorted = keys
    .map((key, i) => [key, i] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, i]) => i);
  const tokens = keys.map((key) => JSON.stringify(key));
  return {
    keys,
    index: new Map(keys.map((key, i) => [key, i])),
    pattern: new RegExp(`\\{${members.join(",")}\\}`, "y"),
    // From JSON.parse: a plain object in fast mode, which a spread copies quickly.
    blank: JSON.parse(blankText) as UsageItem,
    sorted,
    tokens,
    prefixLengths: Int32Array.from(tokens, (token) => token.length + 1),
    templates: new Map(),
  };
}

function templateOf(layout: Layout, nonNull: (i: number) => boolean): Template {
  const texts: string[] = [];
  const slots: number[] = [];
  let text = "{";
  layout.sorted.forEach((i, n) => {
    text += `${n === 0 ? "" : ","}${layout.tokens[i]}:`;
    if (nonNull(i)) {
      texts.push(text);
      slots.push(i);
      text = "";
    } else text += "null";
  });
  texts.push(`${text}}`);
  return { texts, slots };
}

/** The key list of the flat item at `pos`, or undefined when it is not one (the expression then decides). */
function keysAt(text: string, pos: number): string[] | undefined {
  if (text.charCodeAt(pos) !== 0x7b) return undefined;
  if (text.charCodeAt(pos + 1) === 0x7d) return [];
  const keys: string[] = [];
  MEMBER.lastIndex = pos + 1;
  for (let i = 0; i < 10_000; i++) {
    const m = MEMBER.exec(text);
    if (m === null) return undefined;
    keys.push(m[1]!);
    if (m[2] === "}") return keys;
  }
  return undefined;
}

/** Layouts seen so far, newest first; shared by the pages of a run. */
export class LayoutCache {
  readonly layouts: Layout[] = [];

  /** The layout whose expression matches the item at `pos` (its lastIndex then the item's end). */
  find(text: string, pos: number): Layout | undefined {
    for (const layout of this.layouts) if (matches(layout, text, pos)) return layout;
    const keys = keysAt(text, pos);
    const layout = keys === undefined ? undefined : layoutOf(keys);
    if (layout === undefined || !matches(layout, text, pos)) return undefined;
    this.layouts.unshift(layout);
    if (this.layouts.length > MAX_LAYOUTS) this.layouts.pop();
    return layout;
  }
}

function matches(layout: Layout, text: string, pos: number): boolean {
  layout.pattern.lastIndex = pos;
  return layout.pattern.test(text);
}

/** The end of the whitespace at pos. */
function ws(text: string, pos: number): number {
  for (;;) {
    const c = text.charCodeAt(pos);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
    else return pos;
  }
}

/** The end of the JSON string token at pos (its opening quote), or -1. */
function stringEnd(text: string, pos: number): number {
  for (let i = pos + 1; ; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c === 0x5c) i++;
    else if (!(c >= 0x20)) return -1; // a control character, or the end of the text
  }
}

/** The end of the JSON value at pos (its extent only: the caller's JSON.parse judges it). */
function valueEnd(text: string, pos: number): number {
  if (text.charCodeAt(pos) === 0x22) return stringEnd(text, pos);
  let depth = 0;
  let i = pos;
  for (;;) {
    const d = text.charCodeAt(i);
    if (d === 0x22) {
      i = stringEnd(text, i);
      if (i < 0) return -1;
      continue;
    }
    if (d === 0x7b || d === 0x5b) depth++;
    else if (d === 0x7d || d === 0x5d) {
      if (depth === 0) break;
      depth--;
      if (depth === 0) {
        i++;
        break;
      }
    } else if (d === 0x2c && depth === 0) break;
    else if (!(d >= 0)) return -1; // the end of the text
    i++;
  }
  return i;
}

function decode(token: string): unknown {
  switch (token.charCodeAt(0)) {
    case 0x22: // "
      return token.slice(1, -1);
    case 0x74: // t
      return true;
    case 0x66: // f
      return false;
    default:
      return Number(token);
  }
}

/**
 * The items of a scanned page as where their values lie in its text: value v of item r (v indexes
 * layoutOf(r).keys) is the JSON text [start(r, v), start + length) — null, true, false, a string with its
 * quotes (and no escape in it: the text between them is the value) or a number written as JavaScript
 * prints it.
 */
export class ScannedRows {
  private made: UsageItem[] | undefined;

  constructor(
    readonly text: string,
    /** The page's bytes when all of them are ASCII (an index in the text is one in them). */
    readonly bytes: Uint8Array | undefined,
    private readonly layouts: readonly Layout[],
    /** Per item: the index of its first value (value v of item r is at 2 * (first[r] + v) in `spans`). */
    readonly first: Int32Array,
    /** Per value: start, length. */
    readonly spans: Int32Array,
    /** Per item: which of its values are not null (bit i: value i), for items of at most 30 keys. */
    private readonly masks: Int32Array,
  ) {}

  get count(): number {
    return this.layouts.length;
  }

  layoutOf(row: number): RowLayout {
    return this.layouts[row]!;
  }

  /** Where value `v` of item `row` starts in the text. */
  start(row: number, v: number): number {
    return this.spans[2 * (this.first[row]! + v)]!;
  }

  length(row: number, v: number): number {
    return this.spans[2 * (this.first[row]! + v) + 1]!;
  }

  /**
   * canonicalJson of each item joined by ITEM_SEPARATOR, as UTF-8 bytes written into `sink` from its
   * start (an ASCII page: `bytes` is set). An item's canonical text is its own members in sorted order, so
   * exactly as long as the item: the values are copied from the page's bytes between fixed pieces.
   */
  canonicalBytes(sink: ByteSink): Uint8Array {
    const source = this.bytes;
    if (source === undefined) throw new Error("canonicalBytes needs the bytes of an ASCII page");
    const { spans, first } = this;
    sink.length = 0;
    sink.reserve(this.text.length + SEPARATOR_BYTES.length * this.count);
    const out = sink.view;
    let o = 0;
    for (let row = 0; row < this.count; row++) {
      if (row > 0) for (let b = 0; b < SEPARATOR_BYTES.length; b++) out[o++] = SEPARATOR_BYTES[b]!;
      const layout = this.layouts[row]!;
      if (layout.keys.length > 30) {
        // Too many keys for a mask: the string path.
        o += sink.buffer.write(canonicalText(layout, this.text, spans, first[row]!, 0), o, "latin1");
        continue;
      }
      const template = templateFor(layout, this.masks[row]!);
      template.bytes ??= template.texts.map(latin1Bytes);
      const pieces = template.bytes;
      const slots = template.slots;
      o = copyPiece(out, o, pieces[0]!);
      for (let k = 0; k < slots.length; k++) {
        const at = 2 * (first[row]! + slots[k]!);
        const from = spans[at]!;
        const to = from + spans[at + 1]!;
        if (to - from > SHORT_PIECE) {
          out.set(source.subarray(from, to), o);
          o += to - from;
        } else for (let b = from; b < to; b++) out[o++] = source[b]!;
        o = copyPiece(out, o, pieces[k + 1]!);
      }
    }
    sink.length = o;
    return sink.done();
  }

  /** canonicalJson of each item joined by ITEM_SEPARATOR, as one string. */
  canonicalText(): string {
    const texts = this.layouts.map((layout, row) =>
      canonicalText(layout, this.text, this.spans, this.first[row]!, this.masks[row]!),
    );
    return texts.join(ITEM_SEPARATOR);
  }

  /** The items, as JSON.parse gives them (made once, when first asked for). */
  items(): UsageItem[] {
    if (this.made !== undefined) return this.made;
    const { text, spans } = this;
    const items = new Array<UsageItem>(this.count);
    for (let row = 0; row < items.length; row++) {
      const layout = this.layouts[row]!;
      const item = { ...layout.blank };
      const keys = layout.keys;
      let at = 2 * this.first[row]!;
      for (let i = 0; i < keys.length; i++, at += 2) {
        const start = spans[at]!;
        if (text.charCodeAt(start) !== 0x6e)
          item[keys[i]!] = decode(text.slice(start, start + spans[at + 1]!));
      }
      items[row] = item;
    }
    this.made = items;
    return items;
  }
}

/** `piece` copied into `out` at `o`; returns the end. */
function copyPiece(out: Uint8Array, o: number, piece: Uint8Array): number {
  if (piece.length > SHORT_PIECE) {
    out.set(piece, o);
    return o + piece.length;
  }
  for (let b = 0; b < piece.length; b++) out[o++] = piece[b]!;
  return o;
}

/** The spans of a page's items, as they are read. */
class RowsBuilder {
  readonly layouts: Layout[] = [];
  first: Int32Array = new Int32Array(0);
  masks: Int32Array = new Int32Array(0);
  spans: Int32Array = new Int32Array(0);
  values = 0;

  /**
   * Room for the items of a page whose first item has `n` values in `itemLength` characters, `rest`
   * characters from its start to the page's end: items of one page are of about one length, and growing
   * the arrays as they fill would copy them (and touch new memory) several times.
   */
  expect(n: number, itemLength: number, rest: number): void {
    const items = Math.ceil((rest / (itemLength + 1)) * 1.05) + 8;
    this.first = new Int32Array(items);
    this.masks = new Int32Array(items);
    this.spans = new Int32Array(2 * n * items);
  }

  /**
   * Record where each value of the item at `start` lies, and which are not null: it matched `layout`, so
   * it has no whitespace, its strings no quote inside and its numbers end at "," or "}".
   */
  add(layout: Layout, text: string, start: number): void {
    const n = layout.keys.length;
    const row = this.layouts.length;
    if (row === this.first.length) {
      this.first = grown(this.first, row + 1);
      this.masks = grown(this.masks, row + 1);
    }
    if (2 * (this.values + n) > this.spans.length) this.spans = grown(this.spans, 2 * (this.values + n));
    this.layouts.push(layout);
    this.first[row] = this.values;
    const { spans } = this;
    const prefixLengths = layout.prefixLengths;
    let o = 2 * this.values;
    this.values += n;
    let at = start + 1; // after "{"
    let mask = 0;
    for (let i = 0; i < n; i++) {
      at += prefixLengths[i]!;
      const c = text.charCodeAt(at);
      let length = 4; // null, true
      if (c !== 0x6e) {
        mask |= 1 << i;
        if (c === 0x22) length = text.indexOf('"', at + 1) + 1 - at;
        else if (c === 0x66)
          length = 5; // false
        else if (c !== 0x74) {
          let end = at + 1;
          for (let d = text.charCodeAt(end); d !== 0x2c && d !== 0x7d; d = text.charCodeAt(++end));
          length = end - at;
        }
      }
      spans[o++] = at;
      spans[o++] = length;
      at += length + 1; // the value and "," (or "}")
    }
    this.masks[row] = mask;
  }

  done(text: string, bytes: Uint8Array | undefined): ScannedRows {
    return new ScannedRows(text, bytes, this.layouts, this.first, this.spans, this.masks);
  }
}

function grown(array: Int32Array, least: number): Int32Array {
  const next = new Int32Array(Math.max(array.length * 2, least));
  next.set(array);
  return next;
}

/**
 * The page in `text`, when every part of it takes the fast path; undefined otherwise (parse it instead).
 * groupBy and nextPage are read as the slow path reads them. `ascii`: the page's bytes, when every one
 * is ASCII (text is their latin1 decoding, so an index in one is an index in the other): the canonical
 * texts are then copied together as bytes, with no string built for them.
 */
export function scanPage(text: string, cache: LayoutCache, ascii?: Uint8Array): ScannedAnswer | undefined {
  if (ascii !== undefined && ascii.length !== text.length) ascii = undefined;
  try {
    return scan(text, cache, ascii);
  } catch (err) {
    if (err instanceof SyntaxError) return undefined; // a member JSON.parse refuses: the slow path says so
    throw err;
  }
}

function scan(text: string, cache: LayoutCache, ascii: Uint8Array | undefined): ScannedAnswer | undefined {
  let pos = ws(text, 0);
  if (text.charCodeAt(pos) !== 0x7b) return undefined;
  pos = ws(text, pos + 1);
  let groupBy: string[] | undefined;
  let nextPage: string | undefined;
  let rows: ScannedRows | undefined;
  const seen = new Set<string>();
  if (text.charCodeAt(pos) !== 0x7d) {
    for (;;) {
      if (text.charCodeAt(pos) !== 0x22) return undefined;
      const keyEnd = stringEnd(text, pos);
      if (keyEnd < 0) return undefined;
      const key = JSON.parse(text.slice(pos, keyEnd)) as string;
      // Repeated members (JSON.parse keeps the last) and __proto__ are left to the slow path.
      if (seen.has(key) || key === "__proto__") return undefined;
      seen.add(key);
      pos = ws(text, keyEnd);
      if (text.charCodeAt(pos) !== 0x3a) return undefined;
      pos = ws(text, pos + 1);
      if (key === "items") {
        const read = readItems(text, pos, cache, ascii);
        if (read === undefined) return undefined;
        ({ rows } = read);
        pos = read.end;
      } else {
        const end = valueEnd(text, pos);
        if (end < 0) return undefined;
        const value = JSON.parse(text.slice(pos, end)) as unknown;
        if (key === "groupBy") {
          groupBy = Array.isArray(value)
            ? value.filter((g): g is string => typeof g === "string")
            : undefined;
        } else if (key === "nextPage") {
          if (value !== null && (typeof value !== "string" || value === "")) return undefined;
          nextPage = value ?? undefined;
        }
        pos = end;
      }
      pos = ws(text, pos);
      const c = text.charCodeAt(pos);
      pos = ws(text, pos + 1);
      if (c === 0x7d) break;
      if (c !== 0x2c) return undefined;
    }
  } else pos = ws(text, pos + 1);
  if (pos !== text.length || rows === undefined) return undefined;
  const scanned = rows;
  let canonical: string | Uint8Array | undefined;
  return {
    groupBy,
    get items() {
      return scanned.items();
    },
    rows,
    get canonical() {
      canonical ??= canonicalOf(scanned);
      return canonical;
    },
    nextPage,
  };
}

/** The canonical texts of a page's items (as ScannedAnswer.canonical has them), made anew. */
function canonicalOf(rows: ScannedRows): string | Uint8Array {
  return rows.bytes === undefined
    ? rows.canonicalText()
    : rows.canonicalBytes(new ByteSink(rows.text.length));
}

/** The items array at pos: each item through its layout's expression. */
function readItems(
  text: string,
  pos: number,
  cache: LayoutCache,
  ascii: Uint8Array | undefined,
): { rows: ScannedRows; end: number } | undefined {
  if (text.charCodeAt(pos) !== 0x5b) return undefined;
  pos = ws(text, pos + 1);
  const rows = new RowsBuilder();
  if (text.charCodeAt(pos) === 0x5d) return { rows: rows.done(text, ascii), end: pos + 1 };
  let layout = cache.layouts[0];
  for (;;) {
    if (layout === undefined || !matches(layout, text, pos)) {
      layout = cache.find(text, pos);
      if (layout === undefined) return undefined;
    }
    const end = layout.pattern.lastIndex;
    if (rows.layouts.length === 0) rows.expect(layout.keys.length, end - pos, text.length - pos);
    rows.add(layout, text, pos);
    pos = ws(text, end);
    const c = text.charCodeAt(pos);
    if (c === 0x5d) return { rows: rows.done(text, ascii), end: pos + 1 };
    if (c !== 0x2c) return undefined;
    pos = ws(text, pos + 1);
  }
}

function templateFor(layout: Layout, mask: number): Template {
  let template = layout.templates.get(mask);
  if (template === undefined) {
    template = templateOf(layout, (i) => (mask & (1 << i)) !== 0);
    layout.templates.set(mask, template);
  }
  return template;
}

/** canonicalJson of the item whose values are spans[2 * first ...]: sorted members, from its nulls' template. */
function canonicalText(layout: Layout, text: string, spans: Int32Array, first: number, mask: number): string {
  const value = (i: number) => {
    const at = 2 * (first + i);
    return text.slice(spans[at]!, spans[at]! + spans[at + 1]!);
  };
  if (layout.keys.length > 30) {
    // Too many keys for a mask: member by member.
    let out = "{";
    layout.sorted.forEach((i, k) => {
      out += `${k === 0 ? "" : ","}${layout.tokens[i]}:${value(i)}`;
    });
    return `${out}}`;
  }
  const { texts, slots } = templateFor(layout, mask);
  let out = texts[0]!;
  for (let k = 0; k < slots.length; k++) out += value(slots[k]!) + texts[k + 1]!;
  return out;
}
