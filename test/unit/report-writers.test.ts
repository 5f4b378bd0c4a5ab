import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AtomicFileWriter } from "../../src/lib/atomic.js";
import type { Column } from "../../src/report/columns.js";
import { CsvWriter, cellText, csvRecord, neutralizeFormula } from "../../src/report/csv.js";
import { canonicalJson, JsonReportWriter } from "../../src/report/json.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "report-writers-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("neutralizeFormula (OWASP CSV injection)", () => {
  it.each([
    ["=1+2", "'=1+2"],
    ['=HYPERLINK("http://x","y")', `'=HYPERLINK("http://x","y")`],
    ["+1", "'+1"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\t=1", "'\t=1"],
    ["\r=1", "'\r=1"],
    ["\n=1", "'\n=1"],
    ["\0x", "'\0x"],
    ["＝1+1", "'＝1+1"],
    ["＋1", "'＋1"],
    ["－1", "'－1"],
    ["＠A1", "'＠A1"],
    ["a,=1+2", "a,=1+2"],
    ["plain", "plain"],
    ["", ""],
    ["1=1", "1=1"],
  ])("%j -> %j", (input, output) => {
    expect(neutralizeFormula(input)).toBe(output);
  });

  it("leaves number cells alone, negative ones included", () => {
    expect(cellText("number", -12.5)).toBe("-12.5");
    expect(cellText("number", 0)).toBe("0");
    expect(cellText("number", 1e-7)).toBe("0.0000001");
    expect(cellText("number", "-3.50")).toBe("-3.5");
    expect(cellText("number", null)).toBe("");
    // A non-numeric string in a number column is data from outside: escape it like text.
    expect(cellText("number", "=1")).toBe("'=1");
    expect(cellText("text", "-12.5")).toBe("'-12.5");
  });

  it("writes decimal cells with a decimal point, so a whole-number column still reads as decimals", () => {
    expect(cellText("decimal", 72)).toBe("72.0");
    expect(cellText("decimal", -47.67)).toBe("-47.67");
    expect(cellText("decimal", 1e-7)).toBe("0.0000001");
    expect(cellText("decimal", 1e21)).toBe("1000000000000000000000.0");
    expect(cellText("decimal", "12")).toBe("12.0");
    expect(cellText("decimal", null)).toBe("");
    expect(cellText("decimal", Number.NaN)).toBe("");
  });
});

const COLUMNS: Pick<Column, "name" | "kind">[] = [
  { name: "name", kind: "text" },
  { name: "amount", kind: "number" },
  { name: "tag", kind: "text" },
];

const NASTY = [
  ["=1+2", -12.5, '=HYPERLINK("http://x","y")'],
  ["a,=1+2", 0, 'a";=1+2'],
  ["line\nbreak", 3.25, "\n=1"],
  ["\r\nstart", -0.01, "\0nul"],
  ["＝full", 1e-7, "＠mention"],
  ["emoji 😀 \u202Eevil", 123456789.123, "x".repeat(10_000)],
  ["", null, null],
] as const;

describe("CsvWriter", () => {
  it("writes RFC 4180 with a header, escapes text cells only, and parses back to the same rows", async () => {
    const path = join(dir, "out.csv");
    const writer = await CsvWriter.open(path, COLUMNS);
    for (const row of NASTY) await writer.write(row as unknown as (string | number | null)[]);
    const result = await writer.close();
    expect(result.changed).toBe(true);
    const text = await readFile(path, "utf8");
    expect(text.startsWith("name,amount,tag\r\n")).toBe(true);
    expect(text.endsWith("\r\n")).toBe(true);
    const parsed = parse(text, { columns: true, relax_column_count: false }) as Record<string, string>[];
    expect(parsed).toHaveLength(NASTY.length);
    const expected = NASTY.map(([name, amount, tag]) => ({
      name: neutralizeFormula(name),
      amount: amount === null ? "" : amount === 1e-7 ? "0.0000001" : String(amount),
      tag: tag === null ? "" : neutralizeFormula(tag),
    }));
    expect(parsed).toEqual(expected);
    // Numbers are plain, unquoted, unprefixed.
    expect(text).toContain(",-12.5,");
    expect(text).not.toContain("'-12.5");
    // The delimiter/quote breakout stays in one quoted field.
    expect(text).toContain('"a"";=1+2"');
  });

  it("writes many rows with backpressure and nothing is lost", async () => {
    const path = join(dir, "big.csv");
    const writer = await CsvWriter.open(path, COLUMNS);
    for (let i = 0; i < 20_000; i++) await writer.write([`row ${i}`, i / 100, i % 2 ? "-x" : "y"]);
    await writer.close();
    const rows = parse(await readFile(path, "utf8"), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(20_000);
    expect(rows[19_999]).toEqual({ name: "row 19999", amount: "199.99", tag: "'-x" });
  });

  // The writer joins a record without csv-stringify when no cell needs quoting: the bytes must be the same.
  const CSV_OPTIONS = { record_delimiter: "windows", eof: true } as const;
  const cellChars = fc.constantFrom(
    "a",
    "Z",
    "0",
    ",",
    '"',
    "\r",
    "\n",
    " ",
    "'",
    "=",
    "-",
    "\t",
    "é",
    "😀",
    "\u2028",
  );
  const cell = fc.oneof(fc.string({ unit: cellChars, maxLength: 8 }), fc.string({ maxLength: 8 }));

  it("csvRecord writes what csv-stringify writes for one record, whatever the cells", () => {
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 6 }), (cells) => {
        expect(csvRecord(cells)).toBe(stringify([cells], CSV_OPTIONS));
      }),
      { numRuns: 2000 },
    );
  });

  it("writes the bytes csv-stringify writes for the header and the rows' cells, across batches", async () => {
    const value = fc.oneof(cell, fc.double({ noNaN: true }), fc.integer(), fc.constant(null));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(value, value, value), { maxLength: 1200 }), async (rows) => {
        const path = join(dir, "same.csv");
        const writer = await CsvWriter.open(path, COLUMNS);
        await writer.writeMany(rows.slice(0, 700));
        for (const row of rows.slice(700)) await writer.write(row);
        await writer.close();
        const cells = rows.map((row) => row.map((v, i) => cellText(COLUMNS[i]!.kind, v)));
        const header = COLUMNS.map((c) => neutralizeFormula(c.name));
        expect(await readFile(path, "utf8")).toBe(stringify([header, ...cells], CSV_OPTIONS));
      }),
      { numRuns: 40 },
    );
  });

  it("abort leaves the old file untouched and no temp file", async () => {
    const path = join(dir, "keep.csv");
    await writeFile(path, "old\r\n");
    const writer = await CsvWriter.open(path, COLUMNS);
    await writer.write(["new", 1, "x"]);
    await writer.abort();
    expect(await readFile(path, "utf8")).toBe("old\r\n");
    expect(await readdir(dir)).toEqual(["keep.csv"]);
  });
});

describe("JsonReportWriter", () => {
  const header = {
    month: "2026-01",
    query: { queryType: "COST", granularity: "MONTHLY", groupBy: ["service"] },
    groupBy: ["service"],
  };
  const items = [
    { service: "B", computedAmount: -1.5, tags: [{ value: "=x", key: "k", namespace: "n" }], currency: null },
    { computedAmount: 0.1, service: "A", extra: undefined },
  ];

  async function writeJson(path: string, list: unknown[]): Promise<string> {
    const writer = await JsonReportWriter.open(path, header);
    for (const item of list) await writer.write(item);
    await writer.close();
    return readFile(path, "utf8");
  }

  it("writes a canonical layout with sorted keys and a trailing newline", async () => {
    const text = await writeJson(join(dir, "a.json"), items);
    expect(text).toBe(
      [
        "{",
        '  "month": "2026-01",',
        '  "query": {"granularity":"MONTHLY","groupBy":["service"],"queryType":"COST"},',
        '  "groupBy": ["service"],',
        '  "items": [',
        '    {"computedAmount":-1.5,"currency":null,"service":"B","tags":[{"key":"k","namespace":"n","value":"=x"}]},',
        '    {"computedAmount":0.1,"service":"A"}',
        "  ]",
        "}",
        "",
      ].join("\n"),
    );
    expect(JSON.parse(text)).toEqual({
      ...header,
      query: header.query,
      items: JSON.parse(JSON.stringify(items)),
    });
  });

  it("is byte-identical for the same data, whatever the key order", async () => {
    const a = await writeJson(join(dir, "a.json"), items);
    const reordered = items.map((item) => Object.fromEntries(Object.entries(item).reverse()));
    const b = await writeJson(join(dir, "b.json"), reordered);
    const hash = (s: string) => createHash("sha256").update(s).digest("hex");
    expect(hash(b)).toBe(hash(a));
  });

  it("writes an empty month as an empty items array", async () => {
    const text = await writeJson(join(dir, "empty.json"), []);
    expect(JSON.parse(text).items).toEqual([]);
    expect(text.endsWith('"items": []\n}\n')).toBe(true);
  });

  it("streams large months in chunks", async () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ i, service: `s${i % 7}` }));
    const parsed = JSON.parse(await writeJson(join(dir, "many.json"), many));
    expect(parsed.items).toHaveLength(5000);
    expect(parsed.items[4999]).toEqual({ i: 4999, service: "s1" });
  });

  it("canonicalJson sorts nested keys", () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}',
    );
  });
});

describe("AtomicFileWriter", () => {
  it("replaces the target only on commit, with a temp file named .<name>.<pid>.<rand>.tmp beside it", async () => {
    const path = join(dir, "sub", "file.txt");
    await AtomicFileWriter.open(path).then((w) => w.write("first").then(() => w.commit()));
    const writer = await AtomicFileWriter.open(path);
    expect(writer.tempPath).toMatch(new RegExp(`/sub/\\.file\\.txt\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
    await writer.write("second");
    expect(await readFile(path, "utf8")).toBe("first");
    const result = await writer.commit();
    expect(result).toEqual({ path, changed: true, bytes: 6 });
    expect(await readFile(path, "utf8")).toBe("second");
    expect(await readdir(join(dir, "sub"))).toEqual(["file.txt"]);
  });

  it("abort leaves nothing: no target, no temp file", async () => {
    const path = join(dir, "never.txt");
    const writer = await AtomicFileWriter.open(path);
    await writer.write("partial");
    await writer.abort();
    await writer.abort();
    expect(await readdir(dir)).toEqual([]);
    await expect(writer.write("more")).rejects.toThrow(/write after aborted/);
  });

  it("reports unchanged when the bytes are the same, and leaves the file as it was", async () => {
    const path = join(dir, "same.txt");
    for (const expected of [true, false, false]) {
      const writer = await AtomicFileWriter.open(path);
      await writer.write("x".repeat(200_000));
      expect((await writer.commit()).changed).toBe(expected);
    }
    const writer = await AtomicFileWriter.open(path);
    await writer.write(`${"x".repeat(199_999)}y`);
    expect((await writer.commit()).changed).toBe(true);
    expect(await readdir(dir)).toEqual(["same.txt"]);
  });
});

describe("writers fed by the page reader", () => {
  const header = { month: "2025-06", query: { granularity: "MONTHLY" }, groupBy: ["service"] };
  const items = [
    { service: "COMPUTE", computedAmount: -1.5, tags: null, note: 'q"\\\n\u00e9' },
    { service: "OBJECT STORAGE", computedAmount: 2, unit: "GB" },
    { computedAmount: 0.1, service: null },
  ];
  const canonical = items.map((item) => canonicalJson(item)).join(",\n    ");

  it.each([
    ["a string", canonical],
    ["bytes", Buffer.from(canonical)],
  ])("JsonReportWriter.writeCanonical with %s writes what writeMany writes", async (_kind, joined) => {
    const viaItems = join(dir, "items.json");
    const viaCanonical = join(dir, "canonical.json");
    let writer = await JsonReportWriter.open(viaItems, header);
    await writer.writeMany(items);
    await writer.writeMany(items);
    await writer.close();
    writer = await JsonReportWriter.open(viaCanonical, header);
    await writer.writeCanonical(joined, items.length);
    await writer.writeCanonical(typeof joined === "string" ? "" : Buffer.alloc(0), 0);
    await writer.writeMany(items.slice(0, 1));
    await writer.writeCanonical(
      typeof joined === "string"
        ? canonical.slice(canonical.indexOf(",\n    ") + 6)
        : Buffer.from(canonical.slice(canonical.indexOf(",\n    ") + 6)),
      items.length - 1,
    );
    await writer.close();
    expect(await readFile(viaCanonical, "utf8")).toBe(await readFile(viaItems, "utf8"));
  });

  it("JsonReportWriter.writeCanonical writes a page larger than the flush size as it is", async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({ i, text: "x".repeat(60) }));
    const joined = many.map((item) => canonicalJson(item)).join(",\n    ");
    const viaItems = join(dir, "items.json");
    const viaCanonical = join(dir, "canonical.json");
    let writer = await JsonReportWriter.open(viaItems, header);
    await writer.writeMany(many);
    await writer.close();
    writer = await JsonReportWriter.open(viaCanonical, header);
    await writer.writeCanonical(joined, many.length);
    await writer.close();
    expect(await readFile(viaCanonical, "utf8")).toBe(await readFile(viaItems, "utf8"));
  });

  it("CsvWriter.writeEach writes what writeMany writes", async () => {
    const rows = Array.from({ length: 1500 }, (_, i) => [
      `=name ${i}`,
      i % 3 === 0 ? -i / 7 : String(i),
      "x,y",
    ]);
    const viaMany = join(dir, "many.csv");
    const viaEach = join(dir, "each.csv");
    let csv = await CsvWriter.open(viaMany, COLUMNS);
    await csv.writeMany(rows);
    await csv.close();
    csv = await CsvWriter.open(viaEach, COLUMNS);
    await csv.writeEach(rows, (row) => row);
    await csv.close();
    expect(await readFile(viaEach, "utf8")).toBe(await readFile(viaMany, "utf8"));
  });
});
