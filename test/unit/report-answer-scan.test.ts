// scanPage against the path it stands in for: parsePage (JSON.parse and its checks) and canonicalJson of
// each item, as the JSON report writes them. Whenever the fast path answers, its items, groupBy, nextPage
// and canonical texts must be exactly those; whenever parsePage would refuse a page, it must not answer.
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../sandbox/core/random.js";
import { LayoutCache, type ScannedAnswer, scanPage } from "../../src/report/answer-scan.js";
import { parsePage } from "../../src/report/endpoint.js";
import { canonicalJson } from "../../src/report/json.js";
import { JSON_MUTATIONS } from "../support/random.js";
import { PAGE_CASES, usageItem, usagePage } from "../support/usage-item.js";

const item = usageItem;
const page = usagePage;

const SEPARATOR = ",\n    ";

/** The fast path's answer (as a string, and as bytes for an ASCII page), checked against the slow path. */
function scanned(text: string, cache = new LayoutCache()): ScannedAnswer | undefined {
  const result = scanPage(text, cache);
  const ascii = Buffer.byteLength(text) === text.length;
  const viaBytes = ascii ? scanPage(text, new LayoutCache(), Buffer.from(text, "latin1")) : undefined;
  if (ascii) expect(viaBytes === undefined).toBe(result === undefined);
  if (result === undefined) return undefined;
  const slow = parsePage(text);
  // The same items: keys, order and values.
  expect(JSON.stringify(result.items)).toBe(JSON.stringify(slow.items));
  expect(result.items).toEqual(slow.items);
  expect(result.items.map((i) => Object.keys(i))).toEqual(slow.items.map((i) => Object.keys(i)));
  expect(result.groupBy).toEqual(slow.groupBy);
  expect(result.nextPage).toBe(slow.nextPage);
  const expected = slow.items.map((item) => canonicalJson(item)).join(SEPARATOR);
  expect(typeof result.canonical).toBe("string");
  expect(result.canonical).toBe(expected);
  if (viaBytes !== undefined) {
    expect(viaBytes.canonical).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(viaBytes.canonical as Uint8Array).toString("utf8")).toBe(expected);
    expect(viaBytes.items).toEqual(slow.items);
  }
  return result;
}

describe("pages the fast path reads, exactly as the slow path", () => {
  const cases: Array<[string, string]> = [
    ...PAGE_CASES,
    [
      "every value null",
      page([
        { a: null, b: null },
        { a: null, b: null },
      ]),
    ],
    [
      "keys in different orders",
      page([item(), { ...item(), service: undefined, zeta: "z", alpha: 1 }, item()]),
    ],
    [
      "keys that sort in surprising ways",
      page([{ b: 1, B: 2, _: 3, a: 4, "\u00e9": 5, Z: 6, "a-b": 7, ab: 8 }]),
    ],
    [
      "numbers JavaScript prints as written",
      page([{ a: 0, b: -0.5, c: 0.000001, d: 123456789012345, e: 1.5 }]),
    ],
    ["strings beyond ASCII", page([item({ service: "r\u00e9seau \u4e2d\u6587 \u2028" }), item()])],
    ["spacing around the page", ` \n${page([item()])}\n `],
    ["spacing between top-level members", '{ "groupBy" : [ "s" ] , "items" : [ {"a":1} , {"a":2} ] }'],
    [
      "more than 30 keys",
      page([
        Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${39 - i}`, i % 3 ? null : `v${i}`])),
      ]),
    ],
  ];

  it.each(cases)("%s", (_name, text) => {
    expect(scanned(text)).toBeDefined();
  });

  it("keeps layouts across pages, more than it holds, in any order", () => {
    const cache = new LayoutCache();
    for (let round = 0; round < 3; round++) {
      for (let n = 1; n <= 12; n++) {
        const keys = Array.from({ length: n }, (_, i) => `key${(i * 7 + round) % 13}`);
        const items = Array.from({ length: 4 }, (_, j) =>
          Object.fromEntries(keys.map((k, i) => [k, (i + j) % 2 ? null : `${k}-${j}`])),
        );
        expect(scanned(page(items), cache)).toBeDefined();
      }
    }
  });
});

describe("pages left to the slow path", () => {
  const cases: Array<[string, string]> = [
    // Not JSON, or not a page: parsePage says what is wrong.
    ["empty text", ""],
    ["truncated", page([item()]).slice(0, -5)],
    ["trailing text", `${page([item()])}x`],
    ["not an object", "[]"],
    ["null", "null"],
    ["no items", '{"groupBy":[]}'],
    ["items not an array", '{"items":{"a":1}}'],
    ["an item that is not an object", '{"items":[1]}'],
    ["an item that is null", '{"items":[null]}'],
    ["an item that is an array", '{"items":[[]]}'],
    ["a nextPage that is a number", page([item()], { nextPage: 5 })],
    ["an empty nextPage", page([item()], { nextPage: "" })],
    ["bad JSON in another member", '{"note":[1,],"items":[]}'],
    ["a bad escape in a key", '{"it\\x":1,"items":[]}'],
    ["a bad escape in nextPage", '{"items":[],"nextPage":"\\q"}'],
    ["a trailing comma in an item", '{"items":[{"a":1,}]}'],
    ["a missing comma between items", '{"items":[{"a":1}{"a":2}]}'],
    // JSON the expression does not vouch for: parsePage reads it.
    ["members given twice", '{"items":[],"items":[{"a":1}]}'],
    ["a __proto__ member", '{"__proto__":{},"items":[]}'],
    ["a duplicate key in an item", '{"items":[{"a":1,"a":2}]}'],
    ["a __proto__ key in an item", '{"items":[{"__proto__":1}]}'],
    ["an integer-like key", '{"items":[{"b":1,"10":2}]}'],
    ["an escaped string", page([item({ service: 'a"b' })])],
    ["an escaped key", '{"items":[{"\\u0061":1}]}'],
    ["a control character escaped", page([item({ service: "a\nb" })])],
    ["an astral character", page([item({ service: "\ud83d\ude00" })])],
    ["a nested value", page([item({ tags: [{ key: "k" }] })])],
    ["an object value", page([item({ extra: {} })])],
    ["a number with an exponent", '{"items":[{"a":1e21}]}'],
    ["a number with a trailing zero", '{"items":[{"a":1.50}]}'],
    ["minus zero", '{"items":[{"a":-0}]}'],
    ["a tiny number", '{"items":[{"a":0.0000001}]}'],
    ["a long number", '{"items":[{"a":12345678901234567}]}'],
    ["spacing inside an item", '{"items":[{"a": 1}]}'],
  ];

  it.each(cases)("%s", (_name, text) => {
    expect(scanPage(text, new LayoutCache())).toBeUndefined();
    expect(scanPage(text, new LayoutCache(), Buffer.from(text))).toBeUndefined();
  });

  it("leaves the whole page to the slow path when one item is not plain", () => {
    const text = page([item(), item(), item({ service: "tab\there" }), item()]);
    expect(scanPage(text, new LayoutCache())).toBeUndefined();
  });

  it("uses the bytes only when they are the text's (an ASCII page)", () => {
    const text = page([item({ service: "r\u00e9seau" })]);
    const result = scanPage(text, new LayoutCache(), Buffer.from(text));
    expect(typeof result?.canonical).toBe("string");
  });
});

describe("every prefix and one-character change of a page", () => {
  const text = page([{ a: 1, b: "x", c: null }, { a: -2.5, b: "y", c: true }, { d: 0 }], { nextPage: "n" });

  it("never answers for a prefix", () => {
    for (let i = 0; i < text.length; i++)
      expect(scanPage(text.slice(0, i), new LayoutCache())).toBeUndefined();
    expect(scanned(text)).toBeDefined();
  });

  it("answers as the slow path, or not at all, for each character replaced", () => {
    const replacements = JSON_MUTATIONS;
    let answered = 0;
    for (let i = 0; i < text.length; i += 2) {
      for (const r of replacements) {
        const changed = text.slice(0, i) + r + text.slice(i + 1);
        let valid = true;
        try {
          parsePage(changed);
        } catch {
          valid = false;
        }
        const result = valid ? scanned(changed) : scanPage(changed, new LayoutCache());
        if (!valid) expect(result).toBeUndefined();
        if (result !== undefined) answered++;
      }
    }
    expect(answered).toBeGreaterThan(50);
  });
});

describe("generated pages", () => {
  const random = mulberry32;
  const PLAIN = ["", "a", "ocid1.x", "=1+2", "-3", " spaced ", "r\u00e9seau", "\u2028", "{},[]:", "null"];
  const NUMBERS = [0, 1, -1, 1.5, -58.74, 1199.2576, 0.1, 123456789012345, 0.000001, -0.25];

  it("1,000 pages of random flat items and layouts match the slow path, and all take the fast path", () => {
    const rnd = random(7);
    const KEYS = ["tenantId", "service", "computedAmount", "resourceId", "x", "B", "_k", "\u00e9"];
    const cache = new LayoutCache();
    for (let n = 0; n < 1000; n++) {
      const layouts = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () =>
        KEYS.filter(() => rnd() < 0.7).sort(() => rnd() - 0.5),
      );
      const items = Array.from({ length: Math.floor(rnd() * 6) }, () => {
        const keys = layouts[Math.floor(rnd() * layouts.length)]!;
        return Object.fromEntries(
          keys.map((k) => {
            const r = rnd();
            const value =
              r < 0.4
                ? null
                : r < 0.5
                  ? rnd() < 0.5
                  : r < 0.75
                    ? PLAIN[Math.floor(rnd() * PLAIN.length)]
                    : NUMBERS[Math.floor(rnd() * NUMBERS.length)];
            return [k, value];
          }),
        );
      });
      const extra = rnd() < 0.5 ? { nextPage: `p${n}` } : {};
      expect(scanned(page(items, extra), cache), page(items, extra)).toBeDefined();
    }
  });
});
