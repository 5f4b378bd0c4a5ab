// The README's input and output tables are generated from action.yml; they must not drift from it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readActionYml, readmeWithTables, renderTables } from "../../scripts/action-yml.mjs";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("has the input and output tables of the current action.yml", () => {
    expect(readmeWithTables(readme)).toBe(readme);
  });

  it("lists every input and output of action.yml", () => {
    const action = readActionYml();
    expect(action.inputs.length).toBeGreaterThan(40);
    for (const input of action.inputs) expect(readme).toContain(`| \`${input.name}\``);
    for (const output of action.outputs) expect(readme).toContain(`| \`${output.name}\` |`);
  });

  it("shows the two commands a newcomer runs", () => {
    expect(readme).toContain("npm ci && npm run demo");
    expect(readme).toContain("npm test");
  });

  it("renders a changed description into the tables", () => {
    const action = readActionYml();
    action.inputs[0]!.description = "changed text";
    expect(renderTables(action)).toContain("changed text");
    expect(readmeWithTables(readme, renderTables(action))).not.toBe(readme);
  });
});
