// The throughput paths of the report writers, held to the simple paths they replace: the cached-layout
// JSON item writer against canonicalJson, the safe-integer money sum against Decimal add(), the batch
// writers against one write() per row, and the endpoint client's one-page-ahead fetching.
import { EventEmitter, once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  add,
  type Decimal,
  ExactSum,
  formatExact,
  parseDecimal,
  smallDecimalParts,
  ZERO,
} from "../../src/lib/money.js";
import type { CellValue, Column } from "../../src/report/columns.js";
import { CsvWriter } from "../../src/report/csv.js";
import { EndpointClient, type UsagePage } from "../../src/report/endpoint.js";
import { CanonicalItemWriter, canonicalJson, JsonReportWriter } from "../../src/report/json.js";

/** A usage item as the endpoint sends it: every field, most of them null, keys in the service's order. */
function usageItem(i: number): Record<string, unknown> {
  return {
    tenantId: null,
    compartmentPath: i % 3 === 0 ? null : `acme/prod/app-${i % 5}`,
    service: ["Compute", "Block Storage", '=HYPERLINK("x")', "Ω service"][i % 4],
    resourceId: `ocid1.instance.oc1.iad.${i}`,
    timeUsageStarted: "2026-01-01T00:00:00.000Z",
    computedAmount: i % 7 === 0 ? -12.5 : i / 8,
    computedQuantity: i * 1000,
    attributedCost: String(i / 8),
    unitPrice: i % 2 === 0 ? null : 0.025,
    currency: "USD",
    isForecast: false,
    tags: i % 2 === 0 ? null : [{ namespace: "ops", key: "Env", value: i % 4 === 1 ? "prod" : "-42" }],
  };
}

describe("CanonicalItemWriter", () => {
  it("writes usage items byte for byte as canonicalJson does", () => {
    const writer = new CanonicalItemWriter();
    for (let i = 0; i < 200; i++) {
      const item = usageItem(i);
      expect(writer.write(item)).toBe(canonicalJson(item));
    }
  });

  it("follows changes of layout between items (new keys, other orders)", () => {
    const writer = new CanonicalItemWriter();
    const items: unknown[] = [
      { b: 1, a: 2 },
      { a: 2, b: 1 },
      { b: 1, a: 2, c: null },
      { c: "x", b: [1, { z: 1, y: 2 }] },
      { b: 1, a: 2 },
      {},
      { "": 1, " ": 2, é: 3, Z: 4, a10: 5, a9: 6, "1": 7, "10": 8, "2": 9 },
    ];
    for (const item of items) expect(writer.write(item)).toBe(canonicalJson(item));
  });

  class Plain {
    a = 1;
    b = 2;
  }
  const inherited = Object.create({ inheritedKey: 1 }) as Record<string, unknown>;
  inherited.own = 2;
  const withProto = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as unknown;
  const holey: unknown[] = new Array(2);
  holey[1] = 1;

  it.each<[string, unknown]>([
    ["undefined, function and symbol members", { b: 1, a: undefined, c: () => 1, d: Symbol("s") }],
    ["them inside arrays", { a: [undefined, () => 1, Symbol("s"), 1] }],
    ["non-finite numbers and -0", { a: Number.NaN, b: Number.POSITIVE_INFINITY, c: -0 }],
    ["a lone surrogate and control characters", { a: "\ud800", b: "line\nbreak\u0000", c: '"q"' }],
    ["an own toJSON", { toJSON: () => "T", a: 1 }],
    ["a nested own toJSON", { a: { toJSON: () => "T" } }],
    ["a Date (no own keys)", { a: new Date(0) }],
    ["a __proto__ key", withProto],
    ["a class instance", new Plain()],
    ["inherited enumerable keys", inherited],
    ["a null-prototype object", Object.assign(Object.create(null), { b: 1, a: 2 })],
    ["an array", [{ b: 1, a: 2 }, 3]],
    ["a string", "s"],
    ["null", null],
    ["a holey array", { a: holey }],
  ])("writes %s as canonicalJson does", (_name, value) => {
    expect(new CanonicalItemWriter().write(value)).toBe(canonicalJson(value));
  });

  it("throws as canonicalJson does for a BigInt", () => {
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
    expect(() => new CanonicalItemWriter().write({ a: 1n })).toThrow(TypeError);
    expect(() => new CanonicalItemWriter().write({ a: [{ b: 1n }] })).toThrow(TypeError);
  });
});

describe("ExactSum and smallDecimalParts", () => {
  it.each<[number, number, number]>([
    [0, 0, 0],
    [-0, 0, 0],
    [12, 12, 0],
    [0.1, 1, 1],
    [-12.5, -125, 1],
    [123456789.123456, 123456789123456, 6],
    [9007199254740991, 9007199254740991, 0],
  ])("splits %d into %d / 10^%d", (value, coef, scale) => {
    const parts = { coef: Number.NaN, scale: Number.NaN };
    expect(smallDecimalParts(value, parts)).toBe(true);
    expect(parts).toEqual({ coef, scale });
    expect(formatExact(parseDecimal(value))).toBe(formatExact(add(ZERO, { coef: BigInt(coef), scale })));
  });

  it.each([1e-7, 1.5e21, 9007199254740992, 0.1234567890123456, Number.NaN, Number.POSITIVE_INFINITY])(
    "leaves %d to parseDecimal",
    (value) => {
      expect(smallDecimalParts(value, { coef: 0, scale: 0 })).toBe(false);
    },
  );

  it("sums exactly what adding Decimals gives, across scales and past 2^53", () => {
    let seed = 42;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const values = [
      () => Math.round((random() - 0.4) * 1e6) / 100,
      () => (random() - 0.5) * 1e-3,
      () => Math.round(random() * 9e15),
      () => -Math.round(random() * 9e15),
      () => random() * 1e17,
      () => (random() - 0.5) * 10 ** Math.floor(random() * 30 - 15),
      () => 0.1,
    ];
    for (let trial = 0; trial < 100; trial++) {
      const sum = new ExactSum();
      let expected: Decimal = ZERO;
      const parts = { coef: 0, scale: 0 };
      for (let i = 0; i < 200; i++) {
        const value = values[Math.floor(random() * values.length)]!();
        if (smallDecimalParts(value, parts)) sum.addParts(parts.coef, parts.scale);
        else sum.addDecimal(parseDecimal(value));
        expected = add(expected, parseDecimal(value));
      }
      expect(sum.value).toEqual(expected);
    }
  });

  it("is exactly 1 for ten 0.1s and ZERO when empty", () => {
    const sum = new ExactSum();
    expect(sum.value).toEqual(ZERO);
    for (let i = 0; i < 10; i++) sum.addParts(1, 1);
    expect(formatExact(sum.value)).toBe("1");
    expect(sum.value).toEqual(parseDecimal(1));
  });
});

describe("batch writers", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "report-fast-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writeMany gives the same bytes as one write() per row, for CSV and JSON", async () => {
    const items = Array.from({ length: 3000 }, (_, i) => usageItem(i));
    const columns: Pick<Column, "name" | "kind">[] = [
      { name: "service", kind: "text" },
      { name: "computedAmount", kind: "number" },
      { name: "compartmentPath", kind: "text" },
    ];
    const rows = items.map((item): CellValue[] => [
      item.service as string,
      item.computedAmount as number,
      item.compartmentPath as string | null,
    ]);
    const header = { month: "2026-01", query: { granularity: "MONTHLY" }, groupBy: ["service"] };
    const one = await CsvWriter.open(join(dir, "one.csv"), columns);
    for (const row of rows) await one.write(row);
    await one.close();
    const many = await CsvWriter.open(join(dir, "many.csv"), columns);
    await many.writeMany(rows.slice(0, 1000));
    await many.writeMany(rows.slice(1000));
    await many.close();
    expect(await readFile(join(dir, "many.csv"), "utf8")).toBe(await readFile(join(dir, "one.csv"), "utf8"));

    const jsonOne = await JsonReportWriter.open(join(dir, "one.json"), header);
    for (const item of items) await jsonOne.write(item);
    await jsonOne.close();
    const jsonMany = await JsonReportWriter.open(join(dir, "many.json"), header);
    await jsonMany.writeMany(items);
    await jsonMany.close();
    const text = await readFile(join(dir, "many.json"), "utf8");
    expect(text).toBe(await readFile(join(dir, "one.json"), "utf8"));
    expect(JSON.parse(text).items).toEqual(JSON.parse(JSON.stringify(items)));
    const lines = text.split("\n");
    expect(lines[5]).toBe(`    ${canonicalJson(items[0])},`);
  });
});

describe("EndpointClient with prefetch", () => {
  let server: Server;
  let base: string;
  let requests: string[];
  /** How many pages the test's handler had finished when each request arrived. */
  let handledAtArrival: number[];
  let handled: number[];
  const arrivals = new EventEmitter();
  const pages = 5;

  /** Resolves once the server has received `count` requests: an event, not a wait of some milliseconds. */
  function requested(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (requests.length < count) return;
        arrivals.off("request", check);
        resolve();
      };
      arrivals.on("request", check);
      check();
    });
  }

  beforeEach(async () => {
    requests = [];
    handledAtArrival = [];
    handled = [];
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const page = Number(new URL(req.url ?? "/", "http://x").searchParams.get("page") ?? "1");
        requests.push(`page ${page}`);
        handledAtArrival.push(handled.length);
        arrivals.emit("request");
        const body = {
          items: [
            { page, n: 1 },
            { page, n: 2 },
          ],
          nextPage: page < pages ? String(page + 1) : null,
        };
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    server.close();
  });

  function client() {
    return new EndpointClient({
      endpoint: base,
      token: { getToken: async () => "t", invalidate: () => true },
      clock: { now: Date.now, sleep: async () => {}, random: () => 0 },
      prefetch: true,
    });
  }

  it("asks for the next page while one is handled, never more than one ahead, and hands pages over in order", async () => {
    const c = client();
    const result = await c.fetchMonth(
      { granularity: "MONTHLY", queryType: "COST", timeUsageStarted: "a", timeUsageEnded: "b" },
      async (page: UsagePage) => {
        // Hold this page until the page fetched ahead has been asked for (a client that does not fetch
        // ahead never gets here: the test times out).
        await requested(Math.min(page.page + 1, pages));
        expect(requests.length).toBe(Math.min(page.page + 1, pages));
        handled.push(page.page);
        expect(page.items.map((i) => i.page)).toEqual([page.page, page.page]);
      },
    );
    expect(handled).toEqual([1, 2, 3, 4, 5]);
    expect(result).toEqual({ pages, items: 2 * pages });
    expect(requests).toEqual(["page 1", "page 2", "page 3", "page 4", "page 5"]);
    // Page n+1 was asked for while page n was handled, never sooner: one page ahead, no more.
    expect(handledAtArrival).toEqual([0, 0, 1, 2, 3]);
    await c.close();
  });

  it("stops when a page cannot be handled: the page fetched ahead settles, no page after it is asked for", async () => {
    const c = client();
    const failure = new Error("disk full");
    const err = await c
      .fetchMonth(
        { granularity: "MONTHLY", queryType: "COST", timeUsageStarted: "a", timeUsageEnded: "b" },
        (page) => {
          if (page.page === 2) throw failure;
        },
      )
      .catch((e: unknown) => e);
    expect(err).toBe(failure);
    // Page 3 was already on its way when page 2 failed; it is the last request.
    expect(requests).toEqual(["page 1", "page 2", "page 3"]);
    // Closing waits for every request still in flight: a page asked for after the failure would show here.
    await c.close();
    expect(requests).toHaveLength(3);
  });
});
