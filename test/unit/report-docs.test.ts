// docs/report.md's inputs and outputs tables against action.yml (read by scripts/action-yml.mjs): the same
// names, in the same order, with the same defaults.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readActionYml } from "../../scripts/action-yml.mjs";
import { OUTPUTS } from "../../src/report/inputs.js";

const doc = readFileSync(new URL("../../docs/report.md", import.meta.url), "utf8").split("\n");

/** command plus the report inputs, with their defaults ("" when none), in action.yml's order. */
function reportInputs(): Array<[string, string]> {
  return readActionYml()
    .inputs.filter((input) => input.section === "common" || input.section === "report")
    .map((input) => [input.name, input.default ?? ""]);
}

function outputs(): string[] {
  return readActionYml().outputs.map((output) => output.name);
}

/** The rows of the first table after `## heading`: cells with backticks removed. */
function table(heading: string): string[][] {
  const start = doc.indexOf(heading);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of doc.slice(start + 1)) {
    if (line.startsWith("## ")) break;
    if (!line.startsWith("|")) {
      if (rows.length > 0) break;
      continue;
    }
    rows.push(
      line
        .slice(1, -1)
        .split("|")
        .map((cell) => cell.trim().replace(/^`(.*)`$/, "$1")),
    );
  }
  return rows.slice(2);
}

describe("docs/report.md matches action.yml", () => {
  it("lists every report input, in action.yml's order, with its default", () => {
    const inputs = reportInputs();
    expect(inputs.length).toBeGreaterThan(20);
    expect(table("## Inputs").map((row) => [row[0], row[1]])).toEqual(inputs);
  });

  it("lists every output of the report command, in action.yml's order", () => {
    const report = new Set<string>(Object.values(OUTPUTS));
    expect(table("## Outputs").map((row) => row[0])).toEqual(outputs().filter((name) => report.has(name)));
  });

  it("passes only declared inputs to the action in its example workflow", () => {
    const declared = new Set(reportInputs().map(([name]) => name));
    const step = doc.findIndex((line) => /^ {8}uses: org\/usage-api-action@/.test(line));
    expect(step).toBeGreaterThan(0);
    expect(doc[step + 1]).toBe("        with:");
    const keys: string[] = [];
    for (const line of doc.slice(step + 2)) {
      const key = /^ {10}([a-z-]+):/.exec(line);
      if (!key) break;
      keys.push(key[1]!);
    }
    expect(keys).toEqual(expect.arrayContaining(["command", "endpoint", "client-secret", "scope", "commit"]));
    for (const key of keys) expect(declared).toContain(key);
  });
});
