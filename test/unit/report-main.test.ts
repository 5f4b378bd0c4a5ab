import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createMasker } from "../../src/lib/mask.js";
import { run } from "../../src/main.js";
import { createActionDeps } from "../../src/report/index.js";

let out: string[];

beforeEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith("INPUT_")) vi.stubEnv(key, undefined);
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

function errors(): string[] {
  return out
    .join("")
    .split(/\r?\n/)
    .filter((l) => l.startsWith("::error::"));
}

describe("run()", () => {
  it.each([
    [{}, "::error::input 'command': is required; use report, deploy or setup"],
    [
      { INPUT_COMMAND: "destroy" },
      "::error::input 'command': 'destroy' is not a command; use report, deploy or setup",
    ],
  ])("fails with one line for %j", async (env, line) => {
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    await expect(run()).resolves.toBeUndefined();
    expect(errors()).toEqual([line]);
    expect(process.exitCode).toBe(1);
  });

  it("validates the report inputs before any side effect, all in one line", async () => {
    vi.stubEnv("INPUT_COMMAND", "report");
    vi.stubEnv("INPUT_CLIENT-SECRET", "hunter2-secret");
    vi.stubEnv("INPUT_MONTHS", "2026-13");
    await run();
    const lines = errors();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^::error::input 'endpoint': is required for command 'report'.*; input 'token-url': is required.*; input 'months': '2026-13' is not a month/,
    );
    // The secret was masked first, and appears nowhere else.
    const all = out.join("");
    expect(all.indexOf("::add-mask::hunter2-secret")).toBe(0);
    expect(all.split("hunter2-secret")).toHaveLength(2);
  });
});

describe("createActionDeps", () => {
  it("writes no job summary outside a runner (no GITHUB_STEP_SUMMARY), as deploy does", async () => {
    vi.stubEnv("GITHUB_STEP_SUMMARY", undefined);
    const deps = createActionDeps(createMasker(() => {}));
    await expect(deps.writeSummary?.("# Usage")).resolves.toBeUndefined();
  });

  it("registers each secret form once through the masker it is given", () => {
    const registered: string[] = [];
    const deps = createActionDeps(createMasker((form) => registered.push(form)));
    deps.setSecret("Basic Y2xpZW50OnNlY3JldA==");
    deps.setSecret("Basic Y2xpZW50OnNlY3JldA==");
    expect(registered).toEqual(["Basic Y2xpZW50OnNlY3JldA=="]);
  });
});
