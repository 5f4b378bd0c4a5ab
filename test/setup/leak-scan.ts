// Integration and reliability test files: after every test, everything the action runs of the file showed
// so far is scanned for every secret the sandbox issued and every secret input given (test/support/leak-scan.ts);
// a finding fails the test. At the end the file prints one line with its figures.
import { basename } from "node:path";
import { afterAll, afterEach, expect } from "vitest";
import { armLeakScan, describeFindings, leakScanTotals, scanCaptured } from "../support/leak-scan.js";

armLeakScan();

function assertNothingLeaked(): void {
  const { findings } = scanCaptured();
  if (findings.length > 0) {
    throw new Error(
      `leak scan: ${findings.length} finding(s); a secret shows where a reader can see it:\n${describeFindings(findings)}`,
    );
  }
}

let file = "a test file";

afterEach(() => {
  file = basename(expect.getState().testPath ?? file);
  assertNothingLeaked();
});

afterAll(() => {
  // Whatever a file's last hooks captured after its last test.
  assertNothingLeaked();
  const { texts, bytes, secrets } = leakScanTotals();
  console.log(
    `leak scan ${file}: ${texts} texts scanned (${(bytes / 1024).toFixed(0)} KiB), ${secrets} secrets checked, findings: 0`,
  );
});
