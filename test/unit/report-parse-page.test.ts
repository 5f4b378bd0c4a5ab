// parsePage, the one reader of an endpoint answer since the page scanner went (BENCHMARKS.md, page
// scanners), and the JSON report's item writer after it: every page JSON.parse reads gives JSON.parse's
// items, groupBy and nextPage, and the JSON report writes each item byte for byte as canonicalJson; every
// malformed page is refused with the message that says what is wrong.
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../sandbox/core/random.js";
import { EndpointError, parsePage } from "../../src/report/endpoint.js";
import { CanonicalItemWriter, canonicalJson } from "../../src/report/json.js";
import { JSON_MUTATIONS } from "../support/random.js";
import { PAGE_CASES, usageItem, usagePage } from "../support/usage-item.js";

const item = usageItem;
const page = usagePage;

const NOT_JSON = "the endpoint answered HTTP 200 with a body that is not JSON";
const NOT_A_PAGE = "the endpoint answered HTTP 200 with JSON that is not an object with an 'items' array";
const NO_ITEMS = "the endpoint answered HTTP 200 without an 'items' array";
const BAD_ITEM = "the endpoint answered HTTP 200 with an 'items' entry that is not an object";
const BAD_NEXT_PAGE = "the endpoint answered HTTP 200 with a 'nextPage' that is not a non-empty string";

/** parsePage's answer, checked against JSON.parse, and the JSON report's bytes against canonicalJson. */
function read(text: string, writer = new CanonicalItemWriter()): ReturnType<typeof parsePage> {
  const result = parsePage(text);
  const parsed = JSON.parse(text) as {
    items: Record<string, unknown>[];
    groupBy?: unknown;
    nextPage?: unknown;
  };
  expect(result.items).toEqual(parsed.items);
  expect(result.items.map((i) => Object.keys(i))).toEqual(parsed.items.map((i) => Object.keys(i)));
  expect(result.groupBy).toEqual(
    Array.isArray(parsed.groupBy) ? parsed.groupBy.filter((g) => typeof g === "string") : undefined,
  );
  expect(result.nextPage).toBe(parsed.nextPage ?? undefined);
  for (const item of result.items) expect(writer.write(item)).toBe(canonicalJson(item));
  return result;
}

describe("pages read as JSON.parse reads them, items written as canonicalJson writes them", () => {
  const cases: Array<[string, string]> = [
    ...PAGE_CASES,
    [
      "keys in different orders",
      page([item(), { ...item(), service: undefined, zeta: "z", alpha: 1 }, item()]),
    ],
    [
      "keys that sort in surprising ways",
      page([{ b: 1, B: 2, _: 3, a: 4, "\u00e9": 5, Z: 6, "a-b": 7, ab: 8 }]),
    ],
    ["numbers", page([{ a: 0, b: -0.5, c: 0.000001, d: 123456789012345, e: 1.5 }])],
    ["strings beyond ASCII", page([item({ service: "r\u00e9seau \u4e2d\u6587 \u2028" }), item()])],
    ["spacing around the page", ` \n${page([item()])}\n `],
    ["spacing between members", '{ "groupBy" : [ "s" ] , "items" : [ {"a": 1} , {"a":2} ] }'],
    [
      "more than 30 keys",
      page([Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${39 - i}`, i]))]),
    ],
    ["members given twice", '{"items":[],"items":[{"a":1}]}'],
    ["a __proto__ member", '{"__proto__":{},"items":[]}'],
    ["a duplicate key in an item", '{"items":[{"a":1,"a":2}]}'],
    ["an integer-like key", '{"items":[{"b":1,"10":2}]}'],
    ["escapes", page([item({ service: 'a"b\n\t\u0001' })])],
    ["an escaped key", '{"items":[{"\\u0061":1}]}'],
    ["an astral character", page([item({ service: "\ud83d\ude00" })])],
    ["nested values", page([item({ tags: [{ key: "k", value: "v" }], extra: {} })])],
    [
      "numbers JavaScript prints otherwise",
      '{"items":[{"a":1e21,"b":1.50,"c":-0,"d":0.0000001,"e":12345678901234567}]}',
    ],
  ];

  it.each(cases)("%s", (_name, text) => {
    read(text);
  });
});

describe("malformed pages, refused with what is wrong", () => {
  const cases: Array<[string, string, string]> = [
    ["empty text", "", NOT_JSON],
    ["truncated", page([item()]).slice(0, -5), NOT_JSON],
    ["trailing text", `${page([item()])}x`, NOT_JSON],
    ["not an object", "[]", NOT_A_PAGE],
    ["null", "null", NOT_A_PAGE],
    ["no items", '{"groupBy":[]}', NO_ITEMS],
    ["items not an array", '{"items":{"a":1}}', NO_ITEMS],
    ["an item that is not an object", '{"items":[1]}', BAD_ITEM],
    ["an item that is null", '{"items":[null]}', BAD_ITEM],
    ["an item that is an array", '{"items":[[]]}', BAD_ITEM],
    ["a nextPage that is a number", page([item()], { nextPage: 5 }), BAD_NEXT_PAGE],
    ["an empty nextPage", page([item()], { nextPage: "" }), BAD_NEXT_PAGE],
    ["bad JSON in another member", '{"note":[1,],"items":[]}', NOT_JSON],
    ["a bad escape in a key", '{"it\\x":1,"items":[]}', NOT_JSON],
    ["a bad escape in nextPage", '{"items":[],"nextPage":"\\q"}', NOT_JSON],
    ["a trailing comma in an item", '{"items":[{"a":1,}]}', NOT_JSON],
    ["a missing comma between items", '{"items":[{"a":1}{"a":2}]}', NOT_JSON],
  ];

  it.each(cases)("%s", (_name, text, message) => {
    expect(() => parsePage(text)).toThrow(new EndpointError(message));
  });
});

describe("every prefix and one-character change of a page", () => {
  const text = page([{ a: 1, b: "x", c: null }, { a: -2.5, b: "y", c: true }, { d: 0 }], { nextPage: "n" });

  it("refuses every prefix as not JSON", () => {
    for (let i = 0; i < text.length; i++) expect(() => parsePage(text.slice(0, i))).toThrow(NOT_JSON);
    read(text);
  });

  it("reads each page with a character replaced as JSON.parse does, or refuses it in one line", () => {
    let answered = 0;
    for (let i = 0; i < text.length; i += 2) {
      for (const r of JSON_MUTATIONS) {
        const changed = text.slice(0, i) + r + text.slice(i + 1);
        try {
          read(changed);
          answered++;
        } catch (err) {
          expect(err).toBeInstanceOf(EndpointError);
          expect((err as Error).message).not.toContain("\n");
        }
      }
    }
    expect(answered).toBeGreaterThan(50);
  });
});

describe("generated pages", () => {
  const PLAIN = [
    "",
    "a",
    "ocid1.x",
    "=1+2",
    "-3",
    " spaced ",
    "r\u00e9seau",
    "\u2028",
    "{},[]:",
    "null",
    'q"\\',
  ];
  const NUMBERS = [0, 1, -1, 1.5, -58.74, 1199.2576, 0.1, 123456789012345, 0.000001, -0.25, 1e21];

  it("1,000 pages of random items and layouts are read and written exactly", () => {
    const rnd = mulberry32(7);
    const KEYS = ["tenantId", "service", "computedAmount", "resourceId", "x", "B", "_k", "\u00e9", "10"];
    const writer = new CanonicalItemWriter();
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
      read(page(items, rnd() < 0.5 ? { nextPage: `p${n}` } : {}), writer);
    }
  });
});
