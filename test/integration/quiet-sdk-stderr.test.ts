// A passing `npm test` prints no oci-sdk retrier blocks ("Request cannot be retried. Not Retrying...") that
// look like failures: run a test file whose SDK call fails, as `npm test` runs it, and read what it printed.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");

describe("the test run's stderr", () => {
  it("holds no SDK retrier block for a failing SDK call", async () => {
    const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
    const file = "test/unit/sdk-failing-call.test.ts";
    const { stdout, stderr } = await run(
      process.execPath,
      [vitest, "run", "--project", "unit", "--reporter", "verbose", file],
      { cwd: root, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" }, timeout: 60_000 },
    );
    expect(stdout).toMatch(/1 passed/);
    expect(stdout).toContain("rejects with the service's error");
    for (const text of [stdout, stderr]) {
      expect(text).not.toMatch(
        /Request cannot be retried|All retry attempts have exhausted|Request failed with Exception/,
      );
    }
  });
});
