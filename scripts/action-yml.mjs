// Reads action.yml (with the `yaml` package; the `# --- <section> inputs` comment markers say which command
// an input belongs to) and renders the README's input and output tables from it.
// `node scripts/action-yml.mjs --write` refreshes README.md; `--check` fails when the README is out of date
// (a unit test runs the same check).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LineCounter, parseDocument } from "yaml";

const root = join(import.meta.dirname, "..");

/** The section of each line: set by `# --- <section> inputs`, back to "common" after `# --- end of`. */
function sectionsByLine(text) {
  let section = "common";
  return text.split("\n").map((line) => {
    const marker = /^\s*# --- (\w+) inputs/.exec(line);
    if (marker) section = marker[1];
    if (/^\s*# --- end of/.test(line)) section = "common";
    return section;
  });
}

/** A description as one line: a folded block's line breaks (and blank lines) become single spaces. */
const oneLine = (text) => (text ?? "").replace(/\s*\n\s*/g, " ").trim();

/** { inputs: [{name, section, description, required, default}], outputs: [{name, description}], runs: {using, main} } */
export function readActionYml(text = readFileSync(join(root, "action.yml"), "utf8")) {
  const lines = new LineCounter();
  // Failsafe: every value is the text written ("false" stays a string, as the runner passes it).
  const doc = parseDocument(text, { schema: "failsafe", lineCounter: lines });
  if (doc.errors.length > 0)
    throw new Error(`action.yml is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
  const sections = sectionsByLine(text);
  const entries = (key) => doc.get(key)?.items ?? [];
  const inputs = entries("inputs").map(({ key, value }) => {
    const spec = value?.toJSON() ?? {};
    return {
      name: String(key.value),
      description: oneLine(spec.description),
      section: sections[lines.linePos(key.range[0]).line - 1],
      required: spec.required === "true",
      default: spec.default,
    };
  });
  const outputs = entries("outputs").map(({ key, value }) => ({
    name: String(key.value),
    description: oneLine(value?.toJSON()?.description),
  }));
  const runs = doc.get("runs")?.toJSON() ?? {};
  return { inputs, outputs, runs };
}

const cell = (text) => text.replace(/\|/g, "\\|").replace(/\s+/g, " ").trim();

export function renderTables(action = readActionYml()) {
  const sections = [
    ["common", "Both commands"],
    ["report", "`command: report`"],
    ["deploy", "`command: deploy`"],
    ["setup", "`command: setup`"],
  ];
  let out = "";
  for (const [section, title] of sections) {
    const rows = action.inputs.filter((input) => input.section === section);
    if (rows.length === 0) continue;
    out += `\n#### Inputs: ${title}\n\n| input | default | description |\n|---|---|---|\n`;
    for (const input of rows) {
      const def = input.default === undefined || input.default === "" ? "" : `\`${cell(input.default)}\``;
      out += `| \`${input.name}\`${input.required ? " (required)" : ""} | ${def} | ${cell(input.description)} |\n`;
    }
  }
  out += "\n#### Outputs\n\n| output | description |\n|---|---|\n";
  for (const output of action.outputs) out += `| \`${output.name}\` | ${cell(output.description)} |\n`;
  return out;
}

const START = "<!-- action-tables:start (generated from action.yml by scripts/action-yml.mjs) -->";
const END = "<!-- action-tables:end -->";

export function readmeWithTables(readme, tables = renderTables()) {
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md lacks the ${START} ... ${END} markers`);
  return `${readme.slice(0, from + START.length)}\n${tables}\n${readme.slice(to)}`;
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  const path = join(root, "README.md");
  const readme = readFileSync(path, "utf8");
  const fresh = readmeWithTables(readme);
  if (process.argv.includes("--write")) {
    writeFileSync(path, fresh);
    console.error("README.md tables refreshed from action.yml");
  } else if (fresh !== readme) {
    console.error(
      "README.md's input/output tables differ from action.yml; run: node scripts/action-yml.mjs --write",
    );
    process.exitCode = 1;
  }
}
