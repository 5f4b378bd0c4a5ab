import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { run } from "../../src/main.js";

let out: string[];

beforeEach(() => {
  for (const key of Object.keys(process.env)) {
    if (key.startsWith("INPUT_") || key.startsWith("OCI_CLI_")) vi.stubEnv(key, undefined);
  }
  vi.stubEnv("GITHUB_OUTPUT", undefined);
  out = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  process.exitCode = undefined;
});

const errors = () =>
  out
    .join("")
    .split(/\r?\n/)
    .filter((l) => l.startsWith("::error::"));

describe("run() with command deploy", () => {
  it("fails with one line listing every missing input, before any call", async () => {
    vi.stubEnv("INPUT_COMMAND", "deploy");
    await expect(run()).resolves.toBeUndefined();
    const lines = errors();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^::error::input 'oci-tenancy': is required for command 'deploy'.*OCI_CLI_TENANCY.*; input 'application-id': is required.*; input 'gateway-id': is required.*; input 'audiences': is required/,
    );
    expect(process.exitCode).toBe(1);
  });

  it("masks the private key line by line and the registry password before reporting a bad input", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    vi.stubEnv("INPUT_COMMAND", "deploy");
    vi.stubEnv("INPUT_OCI-PRIVATE-KEY", pem);
    vi.stubEnv("INPUT_REGISTRY-PASSWORD", "t0ken-Secret-1");
    vi.stubEnv("INPUT_BASE-IMAGE", "Bad/Image");
    await run();
    const all = out.join("");
    const bodyLines = pem.split("\n").filter((l) => l.length >= 8 && !l.startsWith("-----"));
    const logLines = all.split(/\r?\n/);
    for (const line of bodyLines) {
      expect(logLines).toContain(`::add-mask::${line}`);
      // Only mask commands carry it.
      for (const l of logLines.filter((x) => x.includes(line))) expect(l).toMatch(/^::add-mask::/);
    }
    expect(logLines).toContain("::add-mask::t0ken-Secret-1");
    for (const l of logLines.filter((x) => x.includes("t0ken-Secret-1"))) expect(l).toMatch(/^::add-mask::/);
    expect(errors()[0]).toMatch(/input 'base-image': base image reference "Bad\/Image" is invalid/);
  });
});
