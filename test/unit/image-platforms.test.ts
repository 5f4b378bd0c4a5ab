import { describe, expect, it } from "vitest";
import {
  formatPlatform,
  type IndexDescriptor,
  isAttestation,
  normalizePlatform,
  PlatformError,
  parsePlatforms,
  platformMatches,
  platformsForShape,
  selectChildren,
} from "../../src/image/platforms.js";

const d = (c: string) => `sha256:${c.repeat(64)}`;
const amd64 = { os: "linux", architecture: "amd64" };
const arm64 = { os: "linux", architecture: "arm64" };

describe("platformsForShape", () => {
  it.each([
    ["GENERIC_X86", ["linux/amd64"]],
    ["GENERIC_ARM", ["linux/arm64"]],
    ["GENERIC_X86_ARM", ["linux/amd64", "linux/arm64"]],
    ["generic_x86_arm", ["linux/amd64", "linux/arm64"]],
  ])("%s → %j", (shape, expected) => {
    expect(platformsForShape(shape).map(formatPlatform)).toEqual(expected);
  });

  it("refuses an unknown shape and lists the known ones", () => {
    expect(() => platformsForShape("GENERIC_RISCV")).toThrow(/GENERIC_X86, GENERIC_ARM, GENERIC_X86_ARM/);
  });
});

describe("parsePlatforms", () => {
  it.each([
    ["linux/amd64", ["linux/amd64"]],
    ["linux/arm64,linux/amd64", ["linux/arm64", "linux/amd64"]],
    ["linux/amd64\nlinux/arm64/v8  linux/aarch64", ["linux/amd64", "linux/arm64"]],
    ["linux/x86_64", ["linux/amd64"]],
    ["GENERIC_X86_ARM", ["linux/amd64", "linux/arm64"]],
    [" linux/amd64 , linux/amd64 ", ["linux/amd64"]],
  ])("%j → %j", (text, expected) => {
    expect(parsePlatforms(text).map(formatPlatform)).toEqual(expected);
  });

  it.each([
    ["", /no platform/],
    ["amd64", /not os\/architecture/],
    ["linux/amd64/v2/x", /not os\/architecture/],
    ["windows/amd64", /only linux/],
    ["linux/s390x", /amd64 and linux\/arm64 only/],
    ["linux/arm/v7", /amd64 and linux\/arm64 only/],
  ])("refuses %j", (text, message) => {
    expect(() => parsePlatforms(text)).toThrow(PlatformError);
    expect(() => parsePlatforms(text)).toThrow(message);
  });
});

describe("platformMatches", () => {
  it.each([
    [amd64, amd64, true],
    [arm64, { os: "linux", architecture: "arm64", variant: "v8" }, true],
    [{ os: "linux", architecture: "arm64", variant: "v8" }, arm64, true],
    [{ os: "linux", architecture: "aarch64" }, arm64, true],
    [amd64, arm64, false],
    [amd64, { os: "windows", architecture: "amd64" }, false],
    [{ os: "linux", architecture: "arm" }, { os: "linux", architecture: "arm", variant: "v7" }, true],
    [
      { os: "linux", architecture: "arm", variant: "v6" },
      { os: "linux", architecture: "arm", variant: "v7" },
      false,
    ],
  ])("%j ~ %j → %s", (want, have, expected) => {
    expect(platformMatches(want, have)).toBe(expected);
  });

  it("normalises aliases", () => {
    expect(normalizePlatform({ os: "Linux", architecture: "x86_64" })).toEqual(amd64);
    expect(normalizePlatform({ os: "linux", architecture: "armhf" })).toEqual({
      os: "linux",
      architecture: "arm",
      variant: "v7",
    });
  });
});

describe("selectChildren", () => {
  const index: IndexDescriptor[] = [
    { digest: d("1"), size: 1, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
    { digest: d("2"), size: 1, platform: amd64 },
    {
      digest: d("3"),
      size: 1,
      platform: { os: "unknown", architecture: "unknown" },
      annotations: { "vnd.docker.reference.type": "attestation-manifest" },
    },
    { digest: d("4"), size: 1, platform: { os: "linux", architecture: "s390x" } },
  ];

  it("keeps the index order, whatever the order asked", () => {
    expect(selectChildren(index, [amd64, arm64], "b").map((c) => c.digest)).toEqual([d("1"), d("2")]);
    expect(selectChildren(index, [arm64, amd64], "b").map((c) => c.digest)).toEqual([d("1"), d("2")]);
    expect(selectChildren(index, [amd64], "b").map((c) => c.digest)).toEqual([d("2")]);
  });

  it("never picks an attestation", () => {
    expect(isAttestation(index[2] as IndexDescriptor)).toBe(true);
    expect(() => selectChildren(index, [{ os: "unknown", architecture: "unknown" }], "b")).toThrow(
      /has no unknown\/unknown/,
    );
  });

  it("names the missing platform and what the base has", () => {
    const only = index.slice(1, 2);
    expect(() => selectChildren(only, [amd64, arm64], "docker.io/fnproject/node:24")).toThrow(
      "base image docker.io/fnproject/node:24 has no linux/arm64 image (it has: linux/amd64); pick a base with those platforms or change 'platforms'",
    );
  });

  it("takes the first of duplicate platforms", () => {
    const dup: IndexDescriptor[] = [
      { digest: d("5"), size: 1, platform: amd64 },
      { digest: d("6"), size: 1, platform: { os: "linux", architecture: "amd64", variant: "v1" } },
    ];
    expect(selectChildren(dup, [amd64], "b").map((c) => c.digest)).toEqual([d("5")]);
  });
});
