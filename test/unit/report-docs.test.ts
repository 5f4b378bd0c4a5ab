// docs/report.md's inputs and outputs tables against action.yml (read line by line, as the other
// action.yml tests do): the same names, in the same order, with the same defaults.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OUTPUTS } from "../../src/report/inputs.js";

const actionYml = readFileSync(new URL("../../action.yml", import.meta.url), "utf8").split("\n");
const doc = readFileSync(new URL("../../docs/report.md", import.meta.url), "utf8").split("\n");

/** command plus the inputs between the report markers, with their defaults ("" when none). */
function reportInputs(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let top = "";
  let inReport = false;
  for (const line of actionYml) {
    const topKey = /^([a-z-]+):/.exec(line);
    if (topKey) top = topKey[1]!;
    if (/^\s*# --- report inputs/.test(line)) inReport = true;
    if (/^\s*# --- end of report inputs/.test(line)) inReport = false;
    if (top !== "inputs") continue;
    const key = /^ {2}([a-z][a-z0-9-]*):\s*$/.exec(line);
    if (key && (inReport || key[1] === "command")) out.push([key[1]!, ""]);
    const def = /^ {4}default:\s*(.*)$/.exec(line);
    if (def && out.length > 0 && (inReport || out.at(-1)![0] === "command")) {
      out.at(-1)![1] = def[1]!.trim().replace(/^(["'])(.*)\1$/, "$2");
    }
  }
  return out;
}

function outputs(): string[] {
  const start = actionYml.indexOf("outputs:");
  const names: string[] = [];
  for (const line of actionYml.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const key = /^ {2}([a-z][a-z0-9-]*):\s*$/.exec(line);
    if (key) names.push(key[1]!);
  }
  return names;
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
    const step = doc.findIndex((line) => /^ {8}uses: your-org\/usage-api-action@/.test(line));
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
