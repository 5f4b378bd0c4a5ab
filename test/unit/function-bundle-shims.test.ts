// The stand-ins the function bundle carries (function/src/shims, wired in scripts/build.mjs): the light
// Headers and Response behave as Node's own on everything the SDK path does with them; the lazy oci-common
// index and oci-usageapi model index have the indexes' exports, each one right when read first; the
// non-RSA stand-in refuses any use.
import { readFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Headers as LightHeaders, Response as LightResponse } from "../../function/src/shims/web-headers.js";
import { lazyModelIndex } from "../../scripts/build.mjs";

const require = createRequire(import.meta.url);
const shimsDir = join(import.meta.dirname, "..", "..", "function", "src", "shims");

/** What a call gave: its value, or the error's class and text. */
function outcome(call: () => unknown): unknown {
  try {
    return { value: call() };
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

async function settled(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return { value: await call() };
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

type HeaderOp =
  | { op: "append" | "set"; name: string; value: string }
  | { op: "get" | "has" | "delete"; name: string };

const names = fc.constantFrom(
  "x-date",
  "X-Date",
  "host",
  "Content-Type",
  "opc-request-id",
  "set-cookie",
  "Set-Cookie",
  "a b",
  "(request-target)",
  "é",
  "",
);
const values = fc.oneof(
  fc.constantFrom("", " v ", "\tv\r\n", "a\nb", "a\rb", "a\0b", "Signature x", "ÿé", "a, b", "\n"),
  fc.string({ maxLength: 12 }),
);
const headerOp: fc.Arbitrary<HeaderOp> = fc.oneof(
  fc.record({ op: fc.constantFrom("append" as const, "set" as const), name: names, value: values }),
  fc.record({ op: fc.constantFrom("get" as const, "has" as const, "delete" as const), name: names }),
);

type AnyHeaders = Pick<Headers, "append" | "set" | "get" | "has" | "delete" | "forEach" | "getSetCookie"> &
  Iterable<[string, string]>;

function apply(headers: AnyHeaders, op: HeaderOp): unknown {
  switch (op.op) {
    case "append":
      return outcome(() => headers.append(op.name, op.value));
    case "set":
      return outcome(() => headers.set(op.name, op.value));
    case "get":
      return outcome(() => headers.get(op.name));
    case "has":
      return outcome(() => headers.has(op.name));
    case "delete":
      return outcome(() => headers.delete(op.name));
  }
}

function contents(headers: AnyHeaders): unknown {
  const seen: string[][] = [];
  headers.forEach((value, name) => {
    seen.push([name, value]);
  });
  return { iterated: [...headers], forEach: seen, cookies: headers.getSetCookie() };
}

describe("the bundle's Headers", () => {
  it("answers every sequence of calls as Node's Headers does (values, errors, order)", () => {
    fc.assert(
      fc.property(fc.array(headerOp, { maxLength: 20 }), (ops) => {
        const web = new Headers();
        const light = new LightHeaders();
        for (const op of ops) expect(apply(light, op)).toEqual(apply(web, op));
        expect(contents(light)).toEqual(contents(web));
        expect(contents(new LightHeaders(light))).toEqual(contents(new Headers(web)));
      }),
      { numRuns: 300 },
    );
  });

  it("takes a record or a list of pairs, as Node's does", () => {
    const record = { "X-Date": "d", host: "h" };
    expect([...new LightHeaders(record)]).toEqual([...new Headers(record)]);
    const pairs: [string, string][] = [
      ["b", "1"],
      ["A", "2"],
      ["b", "3"],
    ];
    expect([...new LightHeaders(pairs)]).toEqual([...new Headers(pairs)]);
    expect([...new LightHeaders(pairs).keys()]).toEqual([...new Headers(pairs).keys()]);
    expect([...new LightHeaders(pairs).values()]).toEqual([...new Headers(pairs).values()]);
  });
});

type Body = string | Buffer | null;
const BODIES: Body[] = [
  null,
  "",
  '{"items":[]}',
  '\ufeff{"a":1}',
  "lone \ud800 surrogate",
  Buffer.from('{"code":"NotAuthorizedOrNotFound","message":"no"}'),
  Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
  Buffer.from([0x61, 0xff, 0xc3, 0x62]),
  "not json",
];

async function describeResponse(response: Response | LightResponse, read: "text" | "json") {
  return {
    status: response.status,
    statusText: response.statusText,
    ok: response.ok,
    headers: [...response.headers],
    body: await settled(() => response[read]()),
    again: await settled(() => response.text()),
  };
}

describe("the bundle's Response", () => {
  it("gives the SDK the same status, headers, text and JSON as Node's Response", async () => {
    for (const body of BODIES) {
      for (const read of ["text", "json"] as const) {
        const init = {
          status: 200,
          statusText: "OK",
          headers: [["opc-request-id", "r1"]] as [string, string][],
        };
        const web = await describeResponse(new Response(body, init), read);
        const light = await describeResponse(new LightResponse(body, init), read);
        expect(light, `${read} of ${String(body)}`).toEqual(web);
      }
    }
  });

  it("keeps a given Content-Type and copies the headers it is given", () => {
    const given = new LightHeaders({ "content-type": "application/json", "retry-after": "3" });
    const light = new LightResponse("{}", { status: 429, headers: given });
    const web = new Response("{}", {
      status: 429,
      headers: new Headers({ "content-type": "application/json", "retry-after": "3" }),
    });
    expect([...light.headers]).toEqual([...web.headers]);
    expect(light.headers).not.toBe(given);
    expect(light.ok).toBe(false);
  });

  it("refuses what Node's Response refuses, with the same error", () => {
    const cases: [Body, { status?: number; statusText?: string }][] = [
      ["x", { status: 600 }],
      ["x", { status: 199 }],
      ["x", { status: 204 }],
      [null, { status: 204 }],
      ["x", { status: 304 }],
      ["x", { status: 200, statusText: "a\nb" }],
      ["x", { status: 200, statusText: "fine" }],
    ];
    for (const [body, init] of cases) {
      expect(outcome(() => new LightResponse(body, init).status)).toEqual(
        outcome(() => new Response(body, init).status),
      );
    }
  });

  it("fails a read of a broken-off body with the stream's own error, as Node's does", async () => {
    const broken = new Error("the connection closed before the answer was complete");
    const stream = () => new ReadableStream({ start: (controller) => controller.error(broken) });
    const web = await settled(() => new Response(stream(), { status: 200 }).json());
    const light = await settled(() => new LightResponse(stream(), { status: 200 }).json());
    expect(light).toEqual(web);
    expect(light).toEqual({ error: `Error: ${broken.message}` });
  });

  it("clones an unread answer with its body", async () => {
    const light = new LightResponse(Buffer.from('{"a":1}'), { status: 500, statusText: "Internal" });
    const copy = light.clone();
    expect(await copy.json()).toEqual({ a: 1 });
    expect(await light.text()).toBe('{"a":1}');
    expect(copy.statusText).toBe("Internal");
  });
});

describe("the bundle's oci-common index", () => {
  const shimPath = join(shimsDir, "oci-common.cjs");
  const forgetOciCommon = () => {
    for (const key of Object.keys(require.cache)) {
      if (key.includes("/node_modules/oci-common/") || key === shimPath) delete require.cache[key];
    }
  };
  const shape = (value: unknown) =>
    typeof value === "function"
      ? `function ${value.name}`
      : typeof value === "object" && value !== null
        ? `object ${Object.keys(value).sort().join(",")}`
        : String(value);

  it("has the index's exports, and each, read first in a fresh process, is the index's", () => {
    forgetOciCommon();
    const index = require("oci-common") as Record<string, unknown>;
    const expected = Object.fromEntries(Object.keys(index).map((name) => [name, shape(index[name])]));
    forgetOciCommon();
    expect(Object.keys(require(shimPath)).sort()).toEqual(Object.keys(expected).sort());
    for (const name of Object.keys(expected)) {
      // Each export read first: oci-common's modules require each other in cycles, so the order matters.
      forgetOciCommon();
      expect(shape((require(shimPath) as Record<string, unknown>)[name]), name).toBe(expected[name]);
    }
    forgetOciCommon();
    // 46 fresh loads of oci-common: about 3 s alone, more on a shared machine.
  }, 30_000);

  it("loads nothing of oci-common until an export is read", () => {
    forgetOciCommon();
    require(shimPath);
    expect(Object.keys(require.cache).filter((key) => key.includes("/node_modules/oci-common/"))).toEqual([]);
    forgetOciCommon();
  });
});

describe("the bundle's stand-in for sshpk's non-RSA algorithms", () => {
  it("refuses any use with one line naming the reason", () => {
    const standIn = require(join(shimsDir, "no-ec-nacl.cjs")) as Record<string, unknown>;
    const message =
      "the function bundle signs with RSA keys only (the resource principal's key); this key type is not supported";
    expect(() => standIn.sign).toThrow(message);
    expect(() => "box" in standIn).toThrow(message);
    expect(standIn.__esModule).toBeUndefined();
  });
});

describe("the bundle's oci-usageapi model index", () => {
  const indexPath = require.resolve("oci-usageapi/lib/model/index.js");
  /** The rewritten index, compiled as a module at the index's own path (its requires resolve the same). */
  const loadLazy = (source: string) => {
    const mod = new Module(indexPath) as Module & { _compile(code: string, file: string): void };
    mod.filename = indexPath;
    mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
      dirname(indexPath),
    );
    mod._compile(source, indexPath);
    return mod.exports as Record<string, unknown>;
  };

  it("has every model of the index, each the same class when read", () => {
    const source = readFileSync(indexPath, "utf8");
    const real = require(indexPath) as Record<string, unknown>;
    const lazy = loadLazy(lazyModelIndex(source));
    expect(Object.keys(lazy)).toEqual(Object.keys(real));
    expect(Object.keys(real).length).toBe(55);
    for (const name of Object.keys(real)) expect(lazy[name], name).toBe(real[name]);
  });

  it("fails the build on an index of another form", () => {
    const source = readFileSync(indexPath, "utf8");
    expect(() => lazyModelIndex(`${source}\nconst extra = require("./filter");\n`)).toThrow(
      "oci-usageapi's model index has 56 requires, 55 of the expected form",
    );
    expect(() => lazyModelIndex("module.exports = {};")).toThrow("0 of the expected form");
  });
});
