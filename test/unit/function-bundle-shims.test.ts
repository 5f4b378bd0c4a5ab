// The stand-ins the function bundle carries (function/src/shims, wired in scripts/build.mjs): the light
// Headers and Response behave as Node's own on everything the SDK path does with them; the lazy oci-common
// index and oci-usageapi model index have the indexes' exports, each one right when read first; the
// sshpk and jsSHA stand-ins give sshpk's keys and signatures and jsSHA's digests, and refuse the rest; the
// trimmed oci-usageapi client keeps requestSummarizedUsages and the models it reaches, and refuses the rest.
import crypto, { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { Headers as LightHeaders, Response as LightResponse } from "../../function/src/shims/web-headers.js";
import { KEPT_OPERATIONS, lazyModelIndex, operationsOnly, reachableModels } from "../../scripts/build.mjs";

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

/** What oci-common and http-signature use of sshpk (its typings lack some of it). */
interface SshpkSurface {
  parsePrivateKey(data: string | Buffer, format: string, options: { passphrase?: string }): SshpkKey;
  PrivateKey: { isPrivateKey(value: unknown, version: number[]): boolean };
  parseKey(data: string, format: string): unknown;
}
interface SshpkKey {
  type: string;
  size: number;
  toBuffer(format: string, options: object): Buffer;
  toPublic(): { toString(format: string): string };
  createSign(hash: string): {
    update(text: string): unknown;
    sign(): { hashAlgorithm: string; toString(): string };
  };
}

describe("the bundle's sshpk and jsSHA on node:crypto", () => {
  const rsaKeys = require(join(shimsDir, "rsa-keys.cjs")) as SshpkSurface;
  const Sha256 = require(join(shimsDir, "sha256.cjs")) as new (
    variant: string,
    input: string,
  ) => { update(text: string): unknown; getHash(format: string): string };
  const sshpk = require("sshpk") as SshpkSurface;
  const JsSha = require("jssha") as typeof Sha256;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pems = {
    pkcs8: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    pkcs1: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    "pkcs1, encrypted": privateKey
      .export({ type: "pkcs1", format: "pem", cipher: "aes-128-cbc", passphrase: "secret" })
      .toString(),
  };

  it("reads an RSA PEM key and writes it and its public half as sshpk does", () => {
    for (const [format, pem] of Object.entries(pems)) {
      for (const data of [pem, Buffer.from(pem)]) {
        const real = sshpk.parsePrivateKey(data, "auto", { passphrase: "secret" });
        const light = rsaKeys.parsePrivateKey(data, "auto", { passphrase: "secret" });
        expect([light.type, light.size], format).toEqual([real.type, real.size]);
        expect(light.toBuffer("pem", {}).equals(real.toBuffer("pem", {})), format).toBe(true);
        expect(light.toPublic().toString("pem"), format).toBe(real.toPublic().toString("pem"));
        expect(rsaKeys.PrivateKey.isPrivateKey(light, [1, 2])).toBe(true);
        expect(rsaKeys.PrivateKey.isPrivateKey(real, [1, 2])).toBe(false);
      }
    }
  });

  it("parses a key once, however often the supplier, the signer and http-signature read it", () => {
    const { privateKey: fresh } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = fresh.export({ type: "pkcs8", format: "pem" }).toString();
    const parse = vi.spyOn(crypto, "createPrivateKey");
    try {
      const first = rsaKeys.parsePrivateKey(pem, "auto", {});
      const written = first.toBuffer("pem", {});
      expect(rsaKeys.parsePrivateKey(Buffer.from(pem), "auto", {})).toBe(first);
      expect(rsaKeys.parsePrivateKey(written, "auto", {})).toBe(first);
      expect(parse).toHaveBeenCalledTimes(1);
      // Another passphrase is another parse (an unencrypted key ignores it).
      expect(rsaKeys.parsePrivateKey(pem, "auto", { passphrase: "other" }).toBuffer("pem", {})).toEqual(
        written,
      );
      expect(parse).toHaveBeenCalledTimes(2);
    } finally {
      parse.mockRestore();
    }
  });

  it("signs any text to the same signature as sshpk", () => {
    const real = sshpk.parsePrivateKey(pems.pkcs8, "auto", {});
    const light = rsaKeys.parsePrivateKey(pems.pkcs8, "auto", {});
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.constantFrom("sha256", "sha512"), (text, hash) => {
        const signer = light.createSign(hash);
        signer.update(text);
        const mine = signer.sign();
        const theirSigner = real.createSign(hash);
        theirSigner.update(text);
        const theirs = theirSigner.sign();
        expect(mine.hashAlgorithm).toBe(theirs.hashAlgorithm);
        expect(mine.toString()).toBe(theirs.toString());
      }),
      { numRuns: 50 },
    );
  });

  it("hashes any text to jsSHA's SHA-256", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "grapheme" }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          const mine = new Sha256("SHA-256", "TEXT");
          const theirs = new JsSha("SHA-256", "TEXT");
          mine.update(text);
          theirs.update(text);
          expect(mine.getHash("B64")).toBe(theirs.getHash("B64"));
        },
      ),
    );
  });

  it("refuses what the resource principal's signing never does, in one line", () => {
    const rsaOnly =
      "the function bundle signs with RSA keys only (the resource principal's key); this key type is not supported";
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({
      type: "pkcs8",
      format: "pem",
    });
    expect(() => rsaKeys.parsePrivateKey(ec, "auto", {})).toThrow(rsaOnly);
    expect(() => rsaKeys.parsePrivateKey("not a key", "auto", {})).toThrow(
      /^the private key is not a readable PEM key: /,
    );
    expect(() => rsaKeys.parsePrivateKey(pems.pkcs8, "ssh", {})).toThrow(
      "the function bundle reads PEM keys only, not ssh",
    );
    expect(() => rsaKeys.parseKey("key", "auto")).toThrow(
      "the function bundle reads RSA private keys only (it signs, and never verifies); public keys and certificates are not supported",
    );
    expect(() => new Sha256("SHA-1", "TEXT")).toThrow(
      "the function bundle hashes SHA-256 of text only, not SHA-1 of TEXT",
    );
    expect(() => new Sha256("SHA-256", "TEXT").getHash("HEX")).toThrow(
      "the function bundle gives SHA-256 digests as B64 only, not HEX",
    );
  });
});

describe("the SDK's resource-principal signing with the bundle's sshpk and jsSHA", () => {
  const shimmed = { sshpk: join(shimsDir, "rsa-keys.cjs"), jssha: join(shimsDir, "sha256.cjs") };
  const ociCommonDir = dirname(require.resolve("oci-common"));
  const forgetSigning = () => {
    for (const key of Object.keys(require.cache)) {
      if (/\/node_modules\/(oci-common|http-signature|sshpk|jssha)\//.test(key)) delete require.cache[key];
    }
  };
  /** oci-common loaded afresh, with sshpk and jsSHA the packages or the bundle's stand-ins. */
  const freshOciCommon = (standIns: boolean) => {
    forgetSigning();
    if (standIns) {
      for (const [name, path] of Object.entries(shimmed)) {
        const resolved = require.resolve(name, { paths: [ociCommonDir] });
        const mod = new Module(resolved);
        mod.filename = resolved;
        mod.exports = require(path);
        mod.loaded = true;
        require.cache[resolved] = mod;
      }
    }
    return require("oci-common") as typeof import("oci-common");
  };

  it("signs a request to the same headers as with sshpk and jsSHA", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rp-sign-"));
    const saved = { ...process.env };
    try {
      const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
      const exp = Math.floor(Date.now() / 1000) + 3600;
      writeFileSync(
        join(dir, "rpst"),
        `${part({ alg: "RS256" })}.${part({ res_tenant: "ocid1.tenancy.oc1..t", exp })}.sig`,
      );
      writeFileSync(join(dir, "private.pem"), privateKey.export({ type: "pkcs8", format: "pem" }));
      Object.assign(process.env, {
        OCI_RESOURCE_PRINCIPAL_VERSION: "2.2",
        OCI_RESOURCE_PRINCIPAL_RPST: join(dir, "rpst"),
        OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM: join(dir, "private.pem"),
        OCI_RESOURCE_PRINCIPAL_REGION: "us-ashburn-1",
      });
      const sign = async (standIns: boolean, body: string) => {
        const common = freshOciCommon(standIns);
        const provider = common.ResourcePrincipalAuthenticationDetailsProvider.builder();
        const headers = new Headers({ "x-date": "Thu, 03 Dec 2026 16:00:00 GMT" });
        const uri = "https://usageapi.us-ashburn-1.oci.oraclecloud.com/20200107/usage?limit=500&page=a%2Bb";
        await new common.DefaultRequestSigner(provider).signHttpRequest({
          method: "POST",
          uri,
          headers,
          body,
        });
        return Object.fromEntries(headers);
      };
      for (const body of [
        '{"tenantId":"ocid1.tenancy.oc1..t","granularity":"MONTHLY"}',
        '{"a":"é ü 😀"}',
        "",
      ]) {
        const real = await sign(false, body);
        expect(real.authorization).toMatch(/^Signature version="1",/);
        expect(await sign(true, body)).toEqual(real);
      }
    } finally {
      process.env = saved;
      forgetSigning();
      rmSync(dir, { recursive: true, force: true });
    }
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

  it("with the models kept, has those the same and refuses the others in one line", () => {
    const source = readFileSync(indexPath, "utf8");
    const real = require(indexPath) as Record<string, unknown>;
    const kept = new Set(["Filter", "Tag"]);
    const lazy = loadLazy(lazyModelIndex(source, kept));
    expect(Object.keys(lazy)).toEqual(Object.keys(real));
    expect(lazy.Filter).toBe(real.Filter);
    expect(lazy.Tag).toBe(real.Tag);
    expect(() => lazy.Schedule).toThrow(
      "oci-usageapi's model Schedule is not in the function bundle, which carries the models of requestSummarizedUsages only (scripts/build.mjs)",
    );
  });
});

describe("the bundle's oci-usageapi client", () => {
  const clientPath = require.resolve("oci-usageapi/lib/client.js");
  const modelDir = dirname(require.resolve("oci-usageapi/lib/model/index.js"));
  type ClientClass = { prototype: Record<string, (...args: unknown[]) => unknown> };
  const loadClient = (source: string) => {
    const mod = new Module(clientPath) as Module & { _compile(code: string, file: string): void };
    mod.filename = clientPath;
    mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
      dirname(clientPath),
    );
    mod._compile(source, clientPath);
    return (mod.exports as { UsageapiClient: ClientClass }).UsageapiClient;
  };
  const methods = (cls: ClientClass) => Object.getOwnPropertyNames(cls.prototype).sort();

  it("keeps requestSummarizedUsages as written and refuses every other operation in one line", async () => {
    const real = (require(clientPath) as { UsageapiClient: ClientClass }).UsageapiClient;
    const lite = loadClient(operationsOnly(readFileSync(clientPath, "utf8")));
    expect(methods(lite)).toEqual(methods(real));
    expect(KEPT_OPERATIONS).toEqual(["requestSummarizedUsages"]);
    expect(String(lite.prototype.requestSummarizedUsages)).toBe(
      String(real.prototype.requestSummarizedUsages),
    );
    expect(String(lite.prototype.close)).toBe(String(real.prototype.close));
    const operations = methods(real).filter((name) =>
      String(real.prototype[name]).includes(`Calling operation UsageapiClient#${name}.`),
    );
    expect(operations.length).toBe(33);
    for (const name of operations.filter((name) => name !== "requestSummarizedUsages")) {
      await expect(lite.prototype[name]?.call({})).rejects.toThrow(
        `UsageapiClient#${name} is not in the function bundle, which carries requestSummarizedUsages only (scripts/build.mjs)`,
      );
    }
  });

  it("fails the build on a client of another form", () => {
    const source = readFileSync(clientPath, "utf8");
    const odd = source.replace("    listQueries(listQueriesRequest) {", "    listQueries(request) {");
    expect(() => operationsOnly(odd)).toThrow(
      "oci-usageapi's client has 33 operations, 32 of the expected form",
    );
    expect(() => operationsOnly(source, ["listEverything"])).toThrow("; listEverything not found");
  });

  it("carries the models requestSummarizedUsages reaches, and those they reach", async () => {
    const client = operationsOnly(readFileSync(clientPath, "utf8"));
    expect([...(await reachableModels(modelDir, client))].sort()).toEqual([
      "Dimension",
      "Filter",
      "Forecast",
      "RequestSummarizedUsagesDetails",
      "Tag",
      "UsageAggregation",
      "UsageSummary",
    ]);
  });
});
