// scanUsagePage against the code it stands in for: JSON.parse of the page, the oci-sdk's own
// deserialisation (ObjectSerializer.deserialize with model.UsageAggregation, as composeResponse does), and
// JSON.stringify of the items, as the handler writes them. Whenever the scanner answers, its bytes must be
// those; whenever JSON.parse or the SDK would fail, it must not answer.
import { ObjectSerializer } from "oci-common";
import { models } from "oci-usageapi";
import { describe, expect, it } from "vitest";
import { scanUsagePage } from "../../function/src/page-scan.js";
import { mulberry32 } from "../../sandbox/core/random.js";
import { JSON_MUTATIONS } from "../support/random.js";
import { usageItem } from "../support/usage-item.js";

interface Reference {
  itemsJson: string;
  count: number;
  groupBy: unknown;
}

/** What the function answered before the scanner: undefined where parsing or deserialising throws. */
function reference(text: string): Reference | undefined {
  try {
    const body = JSON.parse(text) as unknown;
    const aggregation = body
      ? (ObjectSerializer.deserialize(body as object, "model.UsageAggregation", models.UsageAggregation) as {
          items?: unknown;
          groupBy?: unknown;
        })
      : undefined;
    const items = Array.isArray(aggregation?.items) ? (aggregation.items as unknown[]) : [];
    return {
      itemsJson: JSON.stringify(items).slice(1, -1),
      count: items.length,
      groupBy: aggregation?.groupBy,
    };
  } catch {
    return undefined;
  }
}

/** The scanner's answer, checked against the reference whenever it gives one (told when it is ASCII). */
function scanned(text: string): Reference | undefined {
  const ascii = Buffer.byteLength(text) === text.length;
  const result = scanUsagePage(text, { ascii });
  const expected = reference(text);
  if (ascii) expect(scanUsagePage(text) === undefined).toBe(result === undefined);
  if (result !== undefined) {
    expect(expected).toBeDefined();
    expect(result.itemsJson).toBe(expected!.itemsJson);
    expect(result.itemsBytes).toBe(Buffer.byteLength(expected!.itemsJson));
    expect(result.count).toBe(expected!.count);
    expect(result.groupBy).toEqual(expected!.groupBy);
  }
  return result;
}

const item = (extra: Record<string, unknown> = {}) => usageItem({ tags: null, ...extra });

const page = (items: unknown[], groupBy: unknown = ["resourceId"]) => JSON.stringify({ groupBy, items });

describe("pages the scanner answers, byte for byte as the SDK path", () => {
  const cases: Array<[string, string]> = [
    ["compact items, tags null last", page([item(), item({ service: "STORAGE" }), item()])],
    ["no items", page([])],
    ["no groupBy", JSON.stringify({ items: [item()] })],
    ["groupBy not an array", page([item()], "service")],
    ["groupBy with escapes and unicode", page([item()], ["res\u00e9", 'a"b', "\u2028"])],
    [
      "tags null first",
      page([
        { tags: null, a: 1, b: "x" },
        { tags: null, a: 2, b: "y" },
      ]),
    ],
    [
      "tags null in the middle",
      page([
        { a: 1, tags: null, b: "x" },
        { a: 2, tags: null, b: "y" },
      ]),
    ],
    ["tags null the only member", page([{ tags: null }, { tags: null }])],
    ["tags absent", page([{ a: 1 }, { a: 2 }])],
    ["empty item", page([{}, {}])],
    [
      "tags arrays of objects",
      page([
        item({ tags: [{ namespace: "ns", key: "k", value: "v" }] }),
        item({ tags: [] }),
        item({ tags: [{ namespace: null, key: "k", value: { deep: [1, { x: "y" }] } }, { key: "k2" }] }),
        item(),
      ]),
    ],
    [
      "tags as an array between null tags",
      page([item(), item({ tags: [{ namespace: "a", key: "b", value: "c" }] }), item(), item()]),
    ],
    [
      "nested objects and arrays in other members",
      page([item({ extra: { list: [1, 2, [3, { z: null }]], flag: true } }), item({ extra: [] })]),
    ],
    [
      "strings with every escape JSON.stringify writes",
      page([item({ service: 'q"b\\s/\b\f\n\r\t\u0001\u001f\u007f' }), item({ service: "plain" })]),
    ],
    [
      "unicode: accents, CJK, line separators, astral characters",
      page([item({ service: "r\u00e9seau \u4e2d\u6587 \u2028\u2029 \ud83d\ude00" }), item()]),
    ],
    [
      "numbers of every kind",
      page([item({ a: 0, b: -0.5, c: 1e21, d: 1e-7, e: 123456789012345680000, f: 5e-324 })]),
    ],
    [
      "keys in different orders from item to item",
      page([
        { a: 1, b: 2, tags: null },
        { b: 3, a: 4, tags: null },
      ]),
    ],
    [
      "items with more, fewer or other keys than the one before",
      page([{ a: 1, b: 2 }, { a: 1, b: 2, c: 3 }, { a: 1 }, { x: 1, tags: null }, { a: 1, b: 2 }]),
    ],
    [
      "other top-level members",
      JSON.stringify({ note: { x: [1, "two"] }, items: [item()], groupBy: [], n: 1 }),
    ],
    ["items before groupBy", JSON.stringify({ items: [item()], groupBy: ["service"] })],
    [
      "pretty-printed page",
      JSON.stringify({ groupBy: ["service"], items: [item(), item({ tags: [{ key: "k" }] })] }, null, 2),
    ],
    [
      "tab-indented page with CRLF",
      JSON.stringify({ items: [item(), item()] }, null, "\t").replace(/\n/g, "\r\n"),
    ],
  ];

  it.each(cases)("%s", (_name, text) => {
    expect(scanned(text)).toBeDefined();
  });
});

describe("text in another form than JSON.stringify's, rewritten", () => {
  const cases: Array<[string, string]> = [
    [
      "whitespace inside and between items",
      '{ "items" : [ { "a" : 1 , "tags" : null } ,\n\t{"a":2 ,"b": [ 1 , 2 ] } ] }',
    ],
    ["a dropped first member followed by whitespace", '{"items":[{"tags":null , "a":1},{ "tags" : null }]}'],
    ["a dropped last member after whitespace", '{"items":[{"a":1 , "tags":null },{"a":2,\n"tags":null}]}'],
    ["escaped solidus", '{"items":[{"a":"x\\/y"},{"a":"x\\/y"}]}'],
    ["\\u escapes of printable characters", '{"items":[{"a":"\\u0041\\u00e9\\u4E2D"}]}'],
    ["upper-case hex of a control character", '{"items":[{"a":"\\u001F\\u001f"}]}'],
    [
      "\\u escapes of characters with a short form",
      '{"items":[{"a":"\\u0008\\u0009\\u000a\\u000C\\u000d"}]}',
    ],
    ["an escaped surrogate pair", '{"items":[{"a":"\\ud83d\\ude00"}]}'],
    ["escaped lone surrogates", '{"items":[{"a":"\\ud800x\\udfff"}]}'],
    ["raw lone surrogates", `{"items":[{"a":"\ud800x\udc00"}]}`],
    ["an escaped key", '{"items":[{"\\u0061":1,"b":2},{"\\u0061":3,"b":4}]}'],
    ["a key made of escapes only", '{"items":[{"\\"":1},{"\\"":2}]}'],
    ["an escaped tags key with null", '{"items":[{"a":1,"t\\u0061gs":null},{"a":1,"tags":null}]}'],
    ["numbers with trailing zeros", '{"items":[{"a":1.0,"b":1.50,"c":-0.0,"d":100}]}'],
    ["minus zero", '{"items":[{"a":-0},{"a":-0}]}'],
    ["exponents", '{"items":[{"a":1e5,"b":1E-7,"c":2.5e+3,"d":1e400,"e":-1e-400}]}'],
    ["tiny fractions", '{"items":[{"a":0.0000001,"b":0.000001,"c":0.00000123}]}'],
    ["long numbers", '{"items":[{"a":12345678901234567890,"b":0.1234567890123456789,"c":9007199254740993}]}'],
    [
      "numbers of exactly 15 and 16 digits",
      '{"items":[{"a":123456789012345,"b":1234567890123456,"c":1.23456789012345}]}',
    ],
    ["a page with a BOM-free leading and trailing whitespace", ' \n{"items":[{"a":1}]}\n '],
  ];

  it.each(cases)("%s", (_name, text) => {
    expect(scanned(text)).toBeDefined();
  });
});

describe("pages left to the SDK", () => {
  const cases: Array<[string, string]> = [
    // Not JSON: JSON.parse throws, the call is a network failure as before.
    ["empty text", ""],
    ["truncated", '{"items":[{"serv'],
    ["truncated after an item", '{"items":[{"a":1}'],
    ["trailing text", '{"items":[]}x'],
    ["two documents", '{"items":[]}{"items":[]}'],
    ["a trailing comma in the items", '{"items":[{"a":1},]}'],
    ["a trailing comma in an item", '{"items":[{"a":1,}]}'],
    ["a missing comma", '{"items":[{"a":1}{"a":2}]}'],
    ["a missing colon", '{"items":[{"a" 1}]}'],
    ["an unterminated string", '{"items":[{"a":"x}]}'],
    ["a raw control character in a string", '{"items":[{"a":"x\u0001y"}]}'],
    ["a raw line feed in a string", '{"items":[{"a":"x\ny"}]}'],
    ["an invalid escape", '{"items":[{"a":"\\x41"}]}'],
    ["a short \\u escape", '{"items":[{"a":"\\u00"}]}'],
    ["a leading zero", '{"items":[{"a":01}]}'],
    ["a fraction without digits", '{"items":[{"a":1.}]}'],
    ["an exponent without digits", '{"items":[{"a":1e}]}'],
    ["a bare minus", '{"items":[{"a":-}]}'],
    ["a plus sign", '{"items":[{"a":+1}]}'],
    ["NaN", '{"items":[{"a":NaN}]}'],
    ["a misspelt literal", '{"items":[{"a":nul}]}'],
    ["single quotes", "{'items':[]}"],
    ["an unquoted key", '{"items":[{a:1}]}'],
    ["bad JSON in another member", '{"note":[1,],"items":[]}'],
    // JSON, but the SDK's copy differs from the text, or the shape is not a page.
    ["not an object", "[]"],
    ["null", "null"],
    ["a string", '"items"'],
    ["no items", '{"groupBy":[]}'],
    ["items not an array", '{"items":{"a":1}}'],
    ["items null", '{"items":null}'],
    ["an item that is not an object", '{"items":[1]}'],
    ["an item that is null", '{"items":[null]}'],
    ["an item that is an array", '{"items":[[]]}'],
    ["items given twice", '{"items":[],"items":[{"a":1}]}'],
    ["groupBy given twice", '{"groupBy":[],"groupBy":["a"],"items":[]}'],
    ["a __proto__ member of the page", '{"__proto__":{"items":[]},"items":[]}'],
    ["a duplicate key in an item", '{"items":[{"a":1,"a":2}]}'],
    ["a duplicate key after a layout", '{"items":[{"a":1,"b":2},{"a":1,"b":2,"a":3}]}'],
    ["a duplicate key in a nested object", '{"items":[{"x":{"a":1,"a":2}}]}'],
    ["a __proto__ key in an item", '{"items":[{"__proto__":1}]}'],
    ["a __proto__ key in a tag", '{"items":[{"tags":[{"__proto__":{"a":1}}]}]}'],
    ["an integer-like key", '{"items":[{"b":1,"10":2,"2":3}]}'],
    ["tags that are a string", '{"items":[{"tags":"x"}]}'],
    ["tags that are an object", '{"items":[{"tags":{"key":"k"}}]}'],
    ["tags false", '{"items":[{"tags":false}]}'],
    ["tags with a null entry", '{"items":[{"tags":[null]}]}'],
    ["tags with a string entry", '{"items":[{"tags":["k"]}]}'],
    ["nesting deeper than the scanner goes", `{"items":[{"a":${"[".repeat(80)}${"]".repeat(80)}}]}`],
  ];

  it.each(cases)("%s", (_name, text) => {
    expect(scanUsagePage(text)).toBeUndefined();
  });

  it("a NUL or an unpaired brace never makes it loop or read past the end", () => {
    for (const text of [
      '{"items":[{"a":"',
      '{"items":[{"a":',
      '{"items":[{"a"',
      '{"items":[{',
      "{",
      '{"items":[',
      "\u0000",
    ]) {
      expect(scanUsagePage(text)).toBeUndefined();
    }
  });
});

describe("every prefix and every one-character change of a page", () => {
  const text = JSON.stringify({
    groupBy: ["service"],
    items: [
      item({ service: 'a"\\\n\u00e9\ud83d\ude00' }),
      item({ tags: [{ namespace: "n", key: "k", value: "v" }] }),
      { tags: null, a: -1.5e-3, b: [true, false, null], c: {} },
      item(),
    ],
  });

  it("never answers for a prefix (none is a whole page)", () => {
    for (let i = 0; i < text.length; i++) expect(scanUsagePage(text.slice(0, i))).toBeUndefined();
    expect(scanned(text)).toBeDefined();
  });

  it("answers as the SDK path, or not at all, for each character replaced", () => {
    const replacements = JSON_MUTATIONS;
    let answered = 0;
    for (let i = 0; i < text.length; i += 5) {
      for (const r of replacements) {
        if (scanned(text.slice(0, i) + r + text.slice(i + 1)) !== undefined) answered++;
      }
    }
    // Most changes that keep the page valid are still answered by the scanner.
    expect(answered).toBeGreaterThan(100);
  });
});

describe("generated pages", () => {
  const random = mulberry32;
  const CHARS = [
    "a",
    "Z",
    " ",
    '"',
    "\\",
    "/",
    "\n",
    "\t",
    "\u0000",
    "\u001f",
    "\u007f",
    "\u00e9",
    "\u2028",
    "\ud83d\ude00",
    "\ud800",
    "\udc00",
    "\uffff",
  ];
  const NUMBERS = [
    0,
    -0,
    1,
    -1,
    1.5,
    -58.74,
    1199.2576,
    0.1,
    1e-7,
    1e21,
    123456789012345,
    2 ** 53,
    5e-324,
    0.000001,
  ];

  function value(rnd: () => number, depth: number): unknown {
    const r = rnd();
    if (r < 0.3) return null;
    if (r < 0.35) return rnd() < 0.5;
    if (r < 0.6)
      return Array.from(
        { length: Math.floor(rnd() * 6) },
        () => CHARS[Math.floor(rnd() * CHARS.length)],
      ).join("");
    if (r < 0.8) return NUMBERS[Math.floor(rnd() * NUMBERS.length)];
    if (depth > 2) return "deep";
    if (r < 0.9) return Array.from({ length: Math.floor(rnd() * 3) }, () => value(rnd, depth + 1));
    const out: Record<string, unknown> = {};
    for (let i = 0; i < rnd() * 3; i++) out[`k${i}`] = value(rnd, depth + 1);
    return out;
  }

  function itemOf(rnd: () => number, keys: string[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      if (key === "tags") {
        const r = rnd();
        out.tags =
          r < 0.6
            ? null
            : Array.from({ length: Math.floor(rnd() * 3) }, () => ({
                namespace: value(rnd, 2),
                key: "k",
                value: value(rnd, 2),
              }));
      } else {
        out[key] = value(rnd, 0);
      }
    }
    return out;
  }

  /** Re-space a compact JSON text at random around its punctuation (never inside a token). */
  function respace(rnd: () => number, text: string): string {
    let out = "";
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      out += c;
      if (inString) {
        if (c === "\\") out += text[++i];
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if ("{}[],:".includes(c) && rnd() < 0.2) out += [" ", "\n", "\t", "\r\n"][Math.floor(rnd() * 4)];
    }
    return out;
  }

  it("1,000 pages of random items, layouts and spacing all match the SDK path", () => {
    const rnd = random(42);
    const KEYS = ["tenantId", "service", "computedAmount", "tags", "resourceId", "x", "y\u00e9", 'q"k'];
    for (let n = 0; n < 1000; n++) {
      const layouts = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () =>
        KEYS.filter(() => rnd() < 0.7).sort(() => rnd() - 0.5),
      );
      const items = Array.from({ length: Math.floor(rnd() * 6) }, () =>
        itemOf(rnd, layouts[Math.floor(rnd() * layouts.length)]!),
      );
      let text = JSON.stringify({ groupBy: ["service"], items });
      if (rnd() < 0.3) text = respace(rnd, text);
      // Valid pages with no key the SDK moves: the scanner must answer every one.
      expect(scanned(text), text).toBeDefined();
    }
  });
});
