import { describe, expect, it } from "vitest";
import {
  credentialsHint,
  parseDistributionErrors,
  RegistryError,
  registryHttpError,
  rejectedCredentials,
} from "../../src/image/errors.js";
import { appendQuery, parseRangeEnd, resolveLocation } from "../../src/image/registry.js";

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("upload URL helpers", () => {
  it.each([
    [
      "http://r:5000/v2/a/blobs/uploads/",
      "/v2/a/blobs/uploads/u1?_state=x",
      "http://r:5000/v2/a/blobs/uploads/u1?_state=x",
    ],
    ["http://r:5000/v2/a/blobs/uploads/", "u2", "http://r:5000/v2/a/blobs/uploads/u2"],
    ["http://r:5000/v2/a/blobs/uploads/", "https://s3.example/up?sig=1", "https://s3.example/up?sig=1"],
  ])("resolves %s + %s", (base, location, expected) => {
    expect(resolveLocation(base, location)).toBe(expected);
  });

  it.each([
    ["http://r/v2/a/blobs/uploads/u1", `http://r/v2/a/blobs/uploads/u1?digest=${encodeURIComponent(DIGEST)}`],
    ["http://r/u1?_state=a%2Bb%3D", `http://r/u1?_state=a%2Bb%3D&digest=${encodeURIComponent(DIGEST)}`],
    ["http://r/u1?", `http://r/u1?digest=${encodeURIComponent(DIGEST)}`],
    ["http://r/u1?a=1&", `http://r/u1?a=1&digest=${encodeURIComponent(DIGEST)}`],
  ])("appends the digest to %s", (url, expected) => {
    expect(appendQuery(url, "digest", DIGEST)).toBe(expected);
  });

  it.each([
    ["0-149999", 149999],
    ["bytes=0-99", 99],
    [" 0-0 ", 0],
    ["", undefined],
    [undefined, undefined],
    ["0-", undefined],
  ])("reads Range %j", (value, expected) => {
    expect(parseRangeEnd(value)).toBe(expected);
  });
});

describe("registry errors", () => {
  it("reads distribution error bodies and OCI envelopes", () => {
    expect(
      parseDistributionErrors(
        '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"24"}}]}',
      ),
    ).toEqual([{ code: "MANIFEST_UNKNOWN", message: "manifest unknown", detail: { Tag: "24" } }]);
    expect(parseDistributionErrors('{"code":"TooManyRequests","message":"slow down"}')).toEqual([
      { code: "TooManyRequests", message: "slow down" },
    ]);
    expect(parseDistributionErrors("<html>502</html>")).toEqual([]);
  });

  it("writes one line with registry, request, status, code and message", () => {
    const err = registryHttpError({
      registry: "iad.ocir.io",
      status: 400,
      method: "PUT",
      path: "/v2/ns/app/manifests/1",
      body: '{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry","detail":"sha256:abc"}]}',
    });
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.message).toBe(
      "registry iad.ocir.io: PUT /v2/ns/app/manifests/1 failed with HTTP 400 (MANIFEST_BLOB_UNKNOWN: blob unknown to registry sha256:abc)",
    );
    expect(err.code).toBe("MANIFEST_BLOB_UNKNOWN");
    expect(err.message).not.toMatch(/\n|\[object Object\]/);
  });

  it("copes with a body that is not a distribution error", () => {
    const err = registryHttpError({
      registry: "r",
      status: 502,
      method: "GET",
      path: "/v2/",
      body: "<html>\n</html>",
    });
    expect(err.message).toBe("registry r: GET /v2/ failed with HTTP 502");
    expect(err.code).toBeUndefined();
  });

  it.each([
    ["iad.ocir.io", "ns/alice", "check the OCIR username (ns/alice) and auth token"],
    [
      "ocir.us-ashburn-1.oci.oraclecloud.com",
      "ns/alice",
      "check the OCIR username (ns/alice) and auth token",
    ],
    ["iad.ocir.io", "alice", "check the OCIR username (alice): it must be <tenancy-namespace>/<user>"],
    ["docker.io", "alice", "check the registry username and password"],
  ])("gives a credentials hint for %s / %s", (registry, user, hint) => {
    expect(credentialsHint(registry, user)).toContain(hint);
  });

  it("says which credentials were rejected by which registry", () => {
    expect(rejectedCredentials("iad.ocir.io", "ns/alice").message).toBe(
      "registry iad.ocir.io rejected the credentials for ns/alice: check the OCIR username (ns/alice) and auth token",
    );
  });
});
