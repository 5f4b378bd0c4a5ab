// Every YAML block a user copies from the README or docs/ parses, and every step of it that runs this action
// passes only inputs action.yml declares, and a `command` it knows: a renamed or misspelt input in an example
// would otherwise be silently ignored by the runner (it warns, the action sees the default).
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readActionYml } from "../../scripts/action-yml.mjs";
import { dedent, documentedFiles, yamlBlocks } from "../../scripts/markdown-yaml.mjs";

const files = documentedFiles();
const declared = new Set(readActionYml().inputs.map((input: { name: string }) => input.name));
const COMMANDS = new Set(["report", "deploy", "setup"]);
/** How the docs name this action: the local checkout, or the published repository at a tag or SHA. */
const THIS_ACTION = /^(?:\.\/?|[\w.-]+\/usage-api-action@\S+)$/;

/** Every step (anywhere in the document) whose `uses` is this action. */
function actionSteps(doc: unknown): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node !== null && typeof node === "object") {
      const record = node as Record<string, unknown>;
      if (typeof record.uses === "string" && THIS_ACTION.test(record.uses)) found.push(record);
      Object.values(record).forEach(visit);
    }
  };
  visit(doc);
  return found;
}

const blocks = files.flatMap((file) => yamlBlocks(file));

describe("the YAML a user copies from the README and docs/", () => {
  it("has examples to check", () => {
    expect(blocks.length).toBeGreaterThan(10);
    expect(blocks.flatMap((b) => actionSteps(parse(dedent(b.text)))).length).toBeGreaterThanOrEqual(8);
  });

  it.each(blocks.map((b) => [`${b.file}:${b.line}`, b] as const))(
    "%s parses and passes only declared inputs",
    (_, b) => {
      const doc: unknown = parse(dedent(b.text));
      for (const step of actionSteps(doc)) {
        const inputs = (step.with ?? {}) as Record<string, unknown>;
        const unknown = Object.keys(inputs).filter((name) => !declared.has(name));
        expect(unknown, `inputs action.yml does not declare`).toEqual([]);
        expect(COMMANDS, `command of the step`).toContain(String(inputs.command));
      }
    },
  );
});
