import { describe, expect, it } from "vitest";
import {
  formatReference,
  InvalidReferenceError,
  isLoopbackRegistry,
  isOcirHost,
  ocirHost,
  parseReference,
  referenceIdentifier,
  registryApiHost,
  registryBaseUrl,
  sameRegistry,
} from "../../src/image/reference.js";

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("parseReference", () => {
  it.each([
    ["node", { registry: "docker.io", repository: "library/node", tag: "latest" }],
    ["node:24", { registry: "docker.io", repository: "library/node", tag: "24" }],
    ["fnproject/node:24", { registry: "docker.io", repository: "fnproject/node", tag: "24" }],
    ["docker.io/node", { registry: "docker.io", repository: "library/node", tag: "latest" }],
    ["index.docker.io/fnproject/node:22", { registry: "docker.io", repository: "fnproject/node", tag: "22" }],
    [
      "registry-1.docker.io/library/node:24",
      { registry: "docker.io", repository: "library/node", tag: "24" },
    ],
    ["iad.ocir.io/ns/usage/fn:0.1.0", { registry: "iad.ocir.io", repository: "ns/usage/fn", tag: "0.1.0" }],
    ["IAD.OCIR.IO/ns/fn:1", { registry: "iad.ocir.io", repository: "ns/fn", tag: "1" }],
    [
      "ocir.us-ashburn-1.oci.oraclecloud.com/ns/fn:1",
      { registry: "ocir.us-ashburn-1.oci.oraclecloud.com", repository: "ns/fn", tag: "1" },
    ],
    [
      "127.0.0.1:5000/fnproject/node:24",
      { registry: "127.0.0.1:5000", repository: "fnproject/node", tag: "24" },
    ],
    ["localhost/app", { registry: "localhost", repository: "app", tag: "latest" }],
    ["localhost:5000/app:v1.2_3-x", { registry: "localhost:5000", repository: "app", tag: "v1.2_3-x" }],
    ["[::1]:5000/app:1", { registry: "[::1]:5000", repository: "app", tag: "1" }],
    [`fnproject/node@${DIGEST}`, { registry: "docker.io", repository: "fnproject/node", digest: DIGEST }],
    [
      `127.0.0.1:5000/ns/app:1@${DIGEST}`,
      { registry: "127.0.0.1:5000", repository: "ns/app", tag: "1", digest: DIGEST },
    ],
    ["a.b/x__y/z-z/w.w:t", { registry: "a.b", repository: "x__y/z-z/w.w", tag: "t" }],
    ["  fnproject/node:24  ", { registry: "docker.io", repository: "fnproject/node", tag: "24" }],
  ])("%s", (text, expected) => {
    expect(parseReference(text)).toEqual(expected);
  });

  it("leaves the tag out when asked not to default it", () => {
    expect(parseReference("fnproject/node", { defaultTag: false })).toEqual({
      registry: "docker.io",
      repository: "fnproject/node",
    });
  });

  it.each([
    ["", /is empty/],
    ["   ", /is empty/],
    ["https://iad.ocir.io/ns/fn:1", /drop the URL scheme/],
    ["Fnproject/node:24", /component "Fnproject" must be lower case/],
    ["docker.io/Fnproject/node", /must be lower case/],
    ["fnproject/node:", /tag "" must be/],
    ["fnproject/node:-bad", /tag "-bad" must be/],
    [`fnproject/node:${"t".repeat(129)}`, /tag .* must be 1-128/],
    ["fnproject//node", /empty component/],
    ["fnproject/node/", /empty component/],
    ["fn project/node", /white space/],
    ["fnproject/no--de_", /may only hold/],
    ["fnproject/node@sha256:abc", /64 lower-case hex/],
    [`fnproject/node@sha512:${"a".repeat(128)}`, /only sha256/],
    ["iad.ocir.io/fn:1", /OCIR repositories are <tenancy-namespace>\/<repository>/],
    ["bad_host.io:99999/x", /registry host "bad_host.io:99999" is malformed/],
    ["127.0.0.1:5000/", /repository name is missing/],
  ])("rejects %j", (text, message) => {
    expect(() => parseReference(text, { role: "base image" })).toThrow(InvalidReferenceError);
    expect(() => parseReference(text, { role: "base image" })).toThrow(message);
  });

  it("names the role and the reference in the message", () => {
    expect(() => parseReference("Bad/Ref", { role: "base image" })).toThrow(
      /^base image reference "Bad\/Ref" is invalid: /,
    );
  });
});

describe("reference helpers", () => {
  it.each([
    [{ registry: "docker.io", repository: "library/node", tag: "24" }, "docker.io/library/node:24"],
    [{ registry: "iad.ocir.io", repository: "ns/fn", digest: DIGEST }, `iad.ocir.io/ns/fn@${DIGEST}`],
    [{ registry: "h:1", repository: "a", tag: "t", digest: DIGEST }, `h:1/a:t@${DIGEST}`],
  ])("formats %j", (ref, text) => {
    expect(formatReference(ref)).toBe(text);
    expect(parseReference(text)).toEqual(ref);
  });

  it("asks for the digest when there is one", () => {
    expect(referenceIdentifier({ registry: "r", repository: "a", tag: "t", digest: DIGEST })).toBe(DIGEST);
    expect(referenceIdentifier({ registry: "r", repository: "a", tag: "t" })).toBe("t");
  });

  it.each([
    ["docker.io", "registry-1.docker.io", "https://registry-1.docker.io"],
    ["iad.ocir.io", "iad.ocir.io", "https://iad.ocir.io"],
    ["127.0.0.1:5000", "127.0.0.1:5000", "http://127.0.0.1:5000"],
    ["localhost:5000", "localhost:5000", "http://localhost:5000"],
    ["[::1]:5000", "[::1]:5000", "http://[::1]:5000"],
    ["10.0.0.1:5000", "10.0.0.1:5000", "https://10.0.0.1:5000"],
  ])("API host of %s", (registry, host, url) => {
    expect(registryApiHost(registry)).toBe(host);
    expect(registryBaseUrl(registry)).toBe(url);
  });

  it("treats only loopback as plain HTTP", () => {
    expect(isLoopbackRegistry("127.0.0.9:1")).toBe(true);
    expect(isLoopbackRegistry("128.0.0.1")).toBe(false);
    expect(isLoopbackRegistry("localhost.example.com")).toBe(false);
  });

  it.each([
    ["iad.ocir.io", true],
    ["us-ashburn-1.ocir.io", true],
    ["ocir.eu-frankfurt-1.oci.oraclecloud.com", true],
    ["ocir.io", false],
    ["iad.ocir.io.evil.com", false],
  ])("OCIR host %s → %s", (host, expected) => {
    expect(isOcirHost(host)).toBe(expected);
  });

  it("builds OCIR hosts from region keys", () => {
    expect(ocirHost("IAD")).toBe("iad.ocir.io");
    expect(() => ocirHost("i a d")).toThrow(/region key/);
  });

  it("compares registries by API host", () => {
    expect(sameRegistry(parseReference("node"), parseReference("registry-1.docker.io/library/x"))).toBe(true);
    expect(sameRegistry(parseReference("127.0.0.1:1/a"), parseReference("127.0.0.1:2/a"))).toBe(false);
  });
});
