// The items of a RequestSummarizedUsages page, taken from its JSON text without building objects: one
// pass that validates the whole page and yields the items exactly as the function has always answered
// them, JSON.stringify of what the oci-sdk deserialises (UsageAggregation / UsageSummary /
// Tag.getDeserializedJsonObj). Those copy each item member for member, except `tags`, which becomes
// undefined (so JSON.stringify leaves it out) unless it is an array, whose entries are copied.
//
// An item already in JSON.stringify's form is sliced out as it is (items shaped like the one before are
// matched by one regular expression); whitespace, numbers and strings in another form are rewritten as
// JSON.stringify writes them. Anything whose copy the SDK would change in another way (a duplicate key,
// `__proto__`, an integer-like key, `tags` other than null or an array of objects, an item that is not an
// object) or that is not valid JSON makes scanUsagePage return undefined: the caller then lets the SDK
// parse the page as before.

/** A page's items as the function's answer carries them. */
export interface ScannedPage {
  /** Each item's JSON, joined by ","; no brackets. "" for none. */
  itemsJson: string;
  count: number;
  /** UTF-8 bytes of itemsJson. */
  itemsBytes: number;
  /** The page's groupBy value as parsed; undefined when the page has none. */
  groupBy: unknown;
}

/** Nesting deeper than this is left to JSON.parse. */
const MAX_DEPTH = 64;

/** Character codes. */
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const SLASH = 0x2f;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const UPPER_E = 0x45;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const LOWER_E = 0x65;
const LOWER_F = 0x66;
const LOWER_N = 0x6e;
const LOWER_T = 0x74;
const LOWER_U = 0x75;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * A value in JSON.stringify's form that the fast path takes as it is: null, true, false, a string with no
 * escape, control character or surrogate, or a number of at most 15 digits written as JavaScript prints it
 * (no exponent, no trailing fraction zero, not -0, not below 1e-6), which therefore prints back as written.
 */
const PLAIN_VALUE =
  String.raw`(?:null|true|false|"[^"\\\x00-\x1f\ud800-\udfff]*"` +
  String.raw`|(?!-0[,}])(?!-?0\.000000)-?(?=[\d.]{1,16}[,}])(?:0|[1-9]\d{0,14})(?:\.\d{0,13}[1-9])?)`;
/** The member the SDK's copy drops. */
const TAGS_NULL = '"tags":null';

/** The keys of the last item: the items of a page share them, so later items are compared with these. */
interface Layout {
  keys: string[];
  /** Each key's token ("\"name\"") as character codes. */
  tokens: Uint16Array[];
  /** Where `tags` is among the keys; -1 for none. */
  tagsAt: number;
  /** Matches an item with these keys, plain values and no or null tags; built when first needed. */
  fast?: RegExp;
}

function layoutOf(keys: string[]): Layout {
  return {
    keys,
    tokens: keys.map((key) => {
      const token = JSON.stringify(key);
      const codes = new Uint16Array(token.length);
      for (let i = 0; i < token.length; i++) codes[i] = token.charCodeAt(i);
      return codes;
    }),
    tagsAt: keys.indexOf("tags"),
  };
}

const regexText = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The fast path's pattern for a layout: the item's members in order, each with a plain value, `tags`
 * only as null. With `tags` between other members, group 1 is the text before it (to find where it is).
 */
function fastPattern(layout: Layout): RegExp {
  const members = layout.keys.map((key) =>
    key === "tags" ? regexText(TAGS_NULL) : `${regexText(JSON.stringify(key))}:${PLAIN_VALUE}`,
  );
  const at = layout.tagsAt;
  if (at > 0 && at < members.length - 1) {
    return new RegExp(`\\{(${members.slice(0, at).join(",")}),${members.slice(at).join(",")}\\}`, "y");
  }
  return new RegExp(`\\{${members.join(",")}\\}`, "y");
}

/** Keys the SDK's Object.assign copies in place: not __proto__, not integer-like (those move first). */
function plainKey(key: string): boolean {
  const c = key.charCodeAt(0);
  return !(c >= ZERO && c <= NINE) && key !== "__proto__";
}

/** Something the scanner does not vouch for: the page goes to the SDK. */
class Unsupported extends Error {}

class Scanner {
  pos = 0;
  /** Output so far; the text from `runStart` to the current position is still to be copied as it is. */
  out = "";
  runStart = 0;
  layout: Layout | undefined;
  /** Whether a rewritten token brought in a character beyond ASCII (an escape decoded). */
  nonAsciiReplacement = false;

  constructor(readonly text: string) {}

  fail(): never {
    throw new Unsupported();
  }

  /** Cut text[from, to) out of the output, putting `replacement` in its place. */
  cut(from: number, to: number, replacement = ""): void {
    this.out += this.text.slice(this.runStart, from) + replacement;
    this.runStart = to;
    if (replacement !== "" && /[^\x00-\x7f]/.test(replacement)) this.nonAsciiReplacement = true;
  }

  /** Skip whitespace; it is cut from the output when `cutting`. */
  ws(cutting: boolean): void {
    const text = this.text;
    const start = this.pos;
    if (text.charCodeAt(start) > SPACE) return;
    let pos = start;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === SPACE || c === LF || c === CR || c === TAB) pos++;
      else break;
    }
    if (pos !== start) {
      this.pos = pos;
      if (cutting) this.cut(start, pos);
    }
  }

  expect(c: number): void {
    if (this.text.charCodeAt(this.pos) !== c) this.fail();
    this.pos++;
  }

  /**
   * A string token at pos (its opening quote); pos ends after it. Returns whether it is in
   * JSON.stringify's form; when not, it is rewritten in the output if `cutting`.
   */
  string(cutting: boolean): boolean {
    const text = this.text;
    const start = this.pos;
    let pos = start + 1;
    let canonical = true;
    for (;;) {
      const c = text.charCodeAt(pos);
      // The common case first; NaN (past the end) fails every comparison.
      if (c >= SPACE && c < 0xd800 && c !== QUOTE && c !== BACKSLASH) {
        pos++;
        continue;
      }
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        const e = text.charCodeAt(pos + 1);
        if (e === QUOTE || e === BACKSLASH || e === 0x62 || e === LOWER_F || e === LOWER_N || e === 0x72) {
          pos += 2; // \" \\ \b \f \n \r
        } else if (e === LOWER_T) {
          pos += 2; // \t
        } else if (e === LOWER_U) {
          // JSON.stringify writes \uXXXX only for control characters without a short form, in lower-case
          // hex; any other (a lone surrogate included) is rewritten.
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9A-Fa-f]{4}$/.test(hex)) this.fail();
          const code = Number.parseInt(hex, 16);
          const short = code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d;
          if (code >= SPACE || short || hex !== hex.toLowerCase()) canonical = false;
          pos += 6;
        } else if (e === SLASH) {
          canonical = false; // \/
          pos += 2;
        } else {
          this.fail();
        }
      } else if (!(c >= SPACE)) {
        this.fail(); // a raw control character, or the end of the text, inside a string
      } else if (c <= 0xdfff) {
        // A surrogate pair stays as it is; JSON.stringify escapes a lone surrogate.
        const next = text.charCodeAt(pos + 1);
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) pos += 2;
        else {
          canonical = false;
          pos++;
        }
      } else {
        pos++;
      }
    }
    this.pos = pos + 1;
    if (!canonical && cutting) {
      const token = text.slice(start, this.pos);
      this.cut(start, this.pos, JSON.stringify(JSON.parse(token) as string));
    }
    return canonical;
  }

  /** A key token, decoded (parsed only when it has escapes). */
  keyOf(start: number, end: number): string {
    const token = this.text.slice(start, end);
    return token.includes("\\") ? (JSON.parse(token) as string) : token.slice(1, -1);
  }

  /** A number token at pos; rewritten as JavaScript prints it when `cutting` and written otherwise. */
  number(cutting: boolean): void {
    const text = this.text;
    const start = this.pos;
    let pos = start;
    if (text.charCodeAt(pos) === MINUS) pos++;
    const intStart = pos;
    let c = text.charCodeAt(pos);
    if (c === ZERO) pos++;
    else if (c > ZERO && c <= NINE) {
      do {
        pos++;
        c = text.charCodeAt(pos);
      } while (c >= ZERO && c <= NINE);
    } else this.fail();
    const intDigits = pos - intStart;
    let fracDigits = 0;
    let canonical = true;
    if (text.charCodeAt(pos) === DOT) {
      pos++;
      const fracStart = pos;
      for (c = text.charCodeAt(pos); c >= ZERO && c <= NINE; c = text.charCodeAt(pos)) pos++;
      fracDigits = pos - fracStart;
      if (fracDigits === 0) this.fail();
      // "1.50" and "1.0" print as "1.5" and "1"; "0.0000001" prints as "1e-7".
      if (text.charCodeAt(pos - 1) === ZERO) canonical = false;
      else if (intDigits === 1 && text.charCodeAt(intStart) === ZERO && fracDigits >= 6) {
        canonical = !text.startsWith("000000", fracStart);
      }
    }
    c = text.charCodeAt(pos);
    if (c === LOWER_E || c === UPPER_E) {
      pos++;
      c = text.charCodeAt(pos);
      if (c === PLUS || c === MINUS) pos++;
      const expStart = pos;
      for (c = text.charCodeAt(pos); c >= ZERO && c <= NINE; c = text.charCodeAt(pos)) pos++;
      if (pos === expStart) this.fail();
      canonical = false;
    }
    this.pos = pos;
    // Up to 15 digits print back as written; -0 prints as 0. Anything else is compared.
    if (intDigits + fracDigits > 15 || (start !== intStart && pos - start === 2)) canonical = false;
    if (!canonical && cutting) {
      const token = text.slice(start, pos);
      const printed = JSON.stringify(Number(token)); // 1e400 is Infinity, written null
      if (printed !== token) this.cut(start, pos, printed);
    }
  }

  /** null, true or false at pos, `c` being its first letter. */
  literal(c: number): void {
    const text = this.text;
    const pos = this.pos;
    let ok: boolean;
    if (c === LOWER_N) {
      ok =
        text.charCodeAt(pos + 1) === 0x75 &&
        text.charCodeAt(pos + 2) === 0x6c &&
        text.charCodeAt(pos + 3) === 0x6c;
      this.pos = pos + 4;
    } else if (c === LOWER_T) {
      ok =
        text.charCodeAt(pos + 1) === 0x72 &&
        text.charCodeAt(pos + 2) === 0x75 &&
        text.charCodeAt(pos + 3) === 0x65;
      this.pos = pos + 4;
    } else {
      ok =
        text.charCodeAt(pos + 1) === 0x61 &&
        text.charCodeAt(pos + 2) === 0x6c &&
        text.charCodeAt(pos + 3) === 0x73 &&
        text.charCodeAt(pos + 4) === 0x65;
      this.pos = pos + 5;
    }
    if (!ok) this.fail();
  }

  /** Whether the key token `codes` (its character codes) is at `pos`. */
  keyAt(codes: Uint16Array, pos: number): boolean {
    const text = this.text;
    const n = codes.length;
    for (let i = 0; i < n; i++) if (text.charCodeAt(pos + i) !== codes[i]) return false;
    return true;
  }

  /** Any JSON value at pos, rewritten into JSON.stringify's form when `cutting`. */
  value(depth: number, cutting: boolean): void {
    const c = this.text.charCodeAt(this.pos);
    if (c === QUOTE) this.string(cutting);
    else if (c === OPEN_BRACE) this.object(depth + 1, cutting);
    else if (c === OPEN_BRACKET) this.array(depth + 1, cutting);
    else if (c === LOWER_N || c === LOWER_T || c === LOWER_F) this.literal(c);
    else this.number(cutting);
  }

  array(depth: number, cutting: boolean): void {
    if (depth > MAX_DEPTH) this.fail();
    this.pos++; // [
    this.ws(cutting);
    if (this.text.charCodeAt(this.pos) === CLOSE_BRACKET) {
      this.pos++;
      return;
    }
    for (;;) {
      this.value(depth, cutting);
      this.ws(cutting);
      const c = this.text.charCodeAt(this.pos++);
      if (c === CLOSE_BRACKET) return;
      if (c !== COMMA) this.fail();
      this.ws(cutting);
    }
  }

  /** An object below item level: members copied; keys the SDK's copy would move or merge are refused. */
  object(depth: number, cutting: boolean): void {
    if (depth > MAX_DEPTH) this.fail();
    this.pos++; // {
    this.ws(cutting);
    if (this.text.charCodeAt(this.pos) === CLOSE_BRACE) {
      this.pos++;
      return;
    }
    const keys: string[] = [];
    for (;;) {
      if (this.text.charCodeAt(this.pos) !== QUOTE) this.fail();
      const keyStart = this.pos;
      this.string(cutting);
      const key = this.keyOf(keyStart, this.pos);
      if (!plainKey(key) || keys.includes(key)) this.fail();
      keys.push(key);
      this.ws(cutting);
      this.expect(COLON);
      this.ws(cutting);
      this.value(depth, cutting);
      this.ws(cutting);
      const c = this.text.charCodeAt(this.pos++);
      if (c === CLOSE_BRACE) return;
      if (c !== COMMA) this.fail();
      this.ws(cutting);
    }
  }

  /**
   * One item at pos through the last layout's pattern, when it matches: no character-by-character scan.
   * Returns false (pos unchanged) when it does not.
   */
  fastItem(): boolean {
    const layout = this.layout;
    if (layout === undefined) return false;
    layout.fast ??= fastPattern(layout);
    const re = layout.fast;
    const start = this.pos;
    re.lastIndex = start;
    const at = layout.tagsAt;
    if (at < 0) {
      if (!re.test(this.text)) return false;
      this.pos = re.lastIndex;
      return true;
    }
    const n = layout.keys.length;
    let from: number;
    let to: number;
    if (at > 0 && at < n - 1) {
      const m = re.exec(this.text);
      if (m === null) return false;
      from = start + 1 + m[1]!.length; // the comma before it
      to = from + 1 + TAGS_NULL.length;
    } else {
      if (!re.test(this.text)) return false;
      if (at === 0) {
        from = start + 1;
        to = from + TAGS_NULL.length + (n > 1 ? 1 : 0); // and the comma after it
      } else {
        to = re.lastIndex - 1;
        from = to - TAGS_NULL.length - 1; // and the comma before it
      }
    }
    this.pos = re.lastIndex;
    this.cut(from, to);
    return true;
  }

  /**
   * One item at pos (its "{"), scanned: its members as the SDK's copy has them. A `tags` member that is
   * null is dropped with its comma; one that is an array must hold objects only.
   */
  item(): void {
    const text = this.text;
    this.pos++; // {
    this.ws(true);
    if (text.charCodeAt(this.pos) === CLOSE_BRACE) {
      this.pos++;
      return;
    }
    const layout = this.layout;
    /** The keys, once they stray from the layout (then checked for duplicates at the end). */
    let keys: string[] | undefined;
    let canonicalKeys = true;
    let index = 0;
    let written = 0;
    /** Where a dropped member's text starts (its comma, or its key when first), and the output then. */
    let from = this.pos;
    let savedOut = this.out;
    let savedRun = this.runStart;
    for (;;) {
      const keyStart = this.pos;
      if (text.charCodeAt(keyStart) !== QUOTE) this.fail();
      const expected = keys === undefined && layout !== undefined ? layout.tokens[index] : undefined;
      let key: string;
      if (expected !== undefined && this.keyAt(expected, keyStart)) {
        this.pos = keyStart + expected.length;
        key = layout!.keys[index]!;
      } else {
        keys ??= layout === undefined ? [] : layout.keys.slice(0, index);
        if (!this.string(true)) canonicalKeys = false;
        key = this.keyOf(keyStart, this.pos);
        if (!plainKey(key)) this.fail();
        keys.push(key);
      }
      const isTags = key === "tags";
      this.ws(true);
      this.expect(COLON);
      this.ws(true);
      const pos = this.pos;
      if (
        isTags &&
        text.charCodeAt(pos) === LOWER_N &&
        text.charCodeAt(pos + 1) === LOWER_U &&
        text.charCodeAt(pos + 2) === 0x6c &&
        text.charCodeAt(pos + 3) === 0x6c
      ) {
        // Dropped, as if never written: the output goes back to before its comma (or key).
        this.pos = pos + 4;
        this.out = savedOut;
        this.runStart = savedRun;
        this.cut(from, this.pos);
      } else {
        if (isTags) this.tags();
        else this.value(2, true);
        written++;
      }
      index++;
      this.ws(true);
      const c = text.charCodeAt(this.pos);
      if (c === CLOSE_BRACE) {
        this.pos++;
        break;
      }
      if (c !== COMMA) this.fail();
      from = this.pos;
      savedOut = this.out;
      savedRun = this.runStart;
      this.pos++;
      // A comma after dropped members only goes too.
      if (written === 0) this.cut(from, this.pos);
      this.ws(true);
    }
    if (keys !== undefined) {
      if (new Set(keys).size !== keys.length) this.fail();
      // Compared token by token, so only keys written as JSON.stringify writes them make a layout.
      this.layout = canonicalKeys ? layoutOf(keys) : undefined;
    }
  }

  /** The value of an item's `tags` member: an array of objects, copied. */
  tags(): void {
    if (this.text.charCodeAt(this.pos) !== OPEN_BRACKET) this.fail();
    this.pos++;
    this.ws(true);
    if (this.text.charCodeAt(this.pos) === CLOSE_BRACKET) {
      this.pos++;
      return;
    }
    for (;;) {
      if (this.text.charCodeAt(this.pos) !== OPEN_BRACE) this.fail();
      this.object(4, true);
      this.ws(true);
      const c = this.text.charCodeAt(this.pos++);
      if (c === CLOSE_BRACKET) return;
      if (c !== COMMA) this.fail();
      this.ws(true);
    }
  }

  /** The items array at pos: every item an object, rewritten where needed, comma-joined. */
  items(): { json: string; count: number } {
    const text = this.text;
    if (text.charCodeAt(this.pos) !== OPEN_BRACKET) this.fail();
    this.pos++;
    this.ws(false);
    if (text.charCodeAt(this.pos) === CLOSE_BRACKET) {
      this.pos++;
      return { json: "", count: 0 };
    }
    this.out = "";
    this.runStart = this.pos;
    let count = 0;
    for (;;) {
      if (text.charCodeAt(this.pos) !== OPEN_BRACE) this.fail();
      if (!this.fastItem()) this.item();
      count++;
      this.ws(true);
      const c = text.charCodeAt(this.pos);
      if (c === CLOSE_BRACKET) break;
      if (c !== COMMA) this.fail();
      this.pos++;
      this.ws(true);
    }
    const json = this.out + text.slice(this.runStart, this.pos);
    this.pos++; // ]
    this.out = "";
    return { json, count };
  }

  /** The whole page: an object whose `items` is an array of objects, and nothing after it. */
  page(ascii: boolean): ScannedPage | undefined {
    const text = this.text;
    this.ws(false);
    if (text.charCodeAt(this.pos) !== OPEN_BRACE) return undefined;
    this.pos++;
    this.ws(false);
    let groupBy: unknown;
    let sawGroupBy = false;
    let items: { json: string; count: number } | undefined;
    if (text.charCodeAt(this.pos) !== CLOSE_BRACE) {
      for (;;) {
        if (text.charCodeAt(this.pos) !== QUOTE) return undefined;
        const keyStart = this.pos;
        this.string(false);
        const key = this.keyOf(keyStart, this.pos);
        this.ws(false);
        this.expect(COLON);
        this.ws(false);
        if (key === "items") {
          if (items !== undefined) return undefined;
          items = this.items();
        } else if (key === "groupBy") {
          if (sawGroupBy) return undefined;
          sawGroupBy = true;
          const start = this.pos;
          this.value(1, false);
          groupBy = JSON.parse(text.slice(start, this.pos));
        } else if (key === "__proto__") {
          return undefined;
        } else {
          this.value(1, false);
        }
        this.ws(false);
        const c = text.charCodeAt(this.pos++);
        if (c === CLOSE_BRACE) break;
        if (c !== COMMA) return undefined;
        this.ws(false);
      }
    }
    this.ws(false);
    if (this.pos !== text.length) return undefined;
    // A page without an items array is left to the SDK (it answers no items, or fails).
    if (items === undefined) return undefined;
    // Slices of an ASCII text are ASCII: their byte count is their length, with no pass over them.
    const itemsBytes = ascii && !this.nonAsciiReplacement ? items.json.length : Buffer.byteLength(items.json);
    return { itemsJson: items.json, count: items.count, itemsBytes, groupBy };
  }
}

/**
 * Scan a page's JSON text. Returns undefined when the scanner cannot vouch for the result (invalid
 * JSON, an unexpected shape, or a member the SDK's copy would change): parse the page instead.
 * `ascii` tells that the text holds no character beyond ASCII (so byte counts need no pass over it).
 */
export function scanUsagePage(
  text: string,
  { ascii = false }: { ascii?: boolean } = {},
): ScannedPage | undefined {
  try {
    return new Scanner(text).page(ascii);
  } catch (err) {
    if (err instanceof Unsupported || err instanceof SyntaxError) return undefined;
    throw err;
  }
}
