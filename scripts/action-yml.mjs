// Reads action.yml (the subset it uses: top-level maps, two-space keys, `description: >-` folded blocks,
// plain or quoted scalars, and the `# --- <section> inputs` markers) and renders the README's input and
// output tables from it. `node scripts/action-yml.mjs --write` refreshes README.md; `--check` fails when
// the README is out of date (a unit test runs the same check).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");

function unquote(text) {
  const t = text.trim();
  if (/^".*"$/.test(t)) return JSON.parse(t);
  if (/^'.*'$/.test(t)) return t.slice(1, -1).replace(/''/g, "'");
  return t;
}

/** { inputs: [{name, section, description, required, default}], outputs: [{name, description}], runs: {using, main} } */
export function readActionYml(text = readFileSync(join(root, "action.yml"), "utf8")) {
  const lines = text.split("\n");
  const inputs = [];
  const outputs = [];
  const runs = {};
  let top = "";
  let section = "common";
  let current;
  let field;
  for (const line of lines) {
    const marker = /^\s*# --- (\w+) inputs/.exec(line);
    if (marker) section = marker[1];
    if (/^\s*# --- end of/.test(line)) section = "common";
    if (/^\s*#/.test(line)) continue;
    const topKey = /^([a-z-]+):/.exec(line);
    if (topKey) {
      top = topKey[1];
      current = undefined;
      continue;
    }
    const inline = /^ {2}([a-z][a-z0-9-]*):\s+(\S.*)$/.exec(line);
    if (inline && top === "runs") {
      runs[inline[1]] = unquote(inline[2]);
      continue;
    }
    const key = /^ {2}([a-z][a-z0-9-]*):\s*$/.exec(line);
    if (key && (top === "inputs" || top === "outputs")) {
      current = { name: key[1], description: "" };
      if (top === "inputs")
        inputs.push(Object.assign(current, { section, required: false, default: undefined }));
      else outputs.push(current);
      field = undefined;
      continue;
    }
    if (!current) continue;
    const prop = /^ {4}([a-z]+):\s*(.*)$/.exec(line);
    if (prop) {
      const [, name, value] = prop;
      if (name === "description") {
        field = /^[>|]-?$/.test(value.trim()) ? "description" : undefined;
        current.description = field ? "" : unquote(value);
      } else {
        field = undefined;
        if (name === "required") current.required = value.trim() === "true";
        if (name === "default") current.default = unquote(value);
      }
      continue;
    }
    if (field === "description" && /^ {6}/.test(line)) {
      current.description = `${current.description} ${line.trim()}`.trim();
    }
  }
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
