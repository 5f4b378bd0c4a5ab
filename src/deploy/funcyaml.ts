// The defaults deploy takes from function/func.yaml (the fn CLI's file, kept so `fn deploy` still works):
// run_image, memory, timeout and the config map. Read with the failsafe schema, so every value is the
// text written (config values stay strings: "1000", never a number to print back).
import { isMap, isScalar, LineCounter, type Node, parseDocument } from "yaml";

export interface FuncYaml {
  runImage?: string;
  memory?: number;
  timeout?: number;
  config: Record<string, string>;
}

export class FuncYamlError extends Error {
  override name = "FuncYamlError";
}

export function parseFuncYaml(text: string): FuncYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { schema: "failsafe", lineCounter: lines });
  const error = doc.errors[0];
  if (error !== undefined) {
    const at = error.linePos?.[0]?.line;
    throw new FuncYamlError(
      `func.yaml${at === undefined ? "" : ` line ${at}`} is not valid YAML: ${error.message.split("\n")[0]}`,
    );
  }
  const result: FuncYaml = { config: {} };
  if (!isMap(doc.contents)) return result;
  const lineOf = (node: Node) => lines.linePos(node.range?.[0] ?? 0).line;
  for (const { key, value } of doc.contents.items) {
    const name = isScalar(key) ? String(key.value) : undefined;
    if (name === "config" && isMap(value)) readConfig(value.items, result.config);
    if (!isScalar(value) || value.value === "") continue;
    const text = String(value.value);
    if (name === "run_image") result.runImage = text;
    if (name === "memory") result.memory = toInt(text, name, lineOf(value));
    if (name === "timeout") result.timeout = toInt(text, name, lineOf(value));
  }
  return result;
}

function readConfig(
  items: readonly { key: unknown; value: unknown }[],
  config: Record<string, string>,
): void {
  for (const { key, value } of items) {
    if (isScalar(key) && (value === null || isScalar(value))) {
      config[String(key.value)] = value === null ? "" : String(value.value);
    }
  }
}

function toInt(value: string, key: string, line: number): number {
  if (!/^\d+$/.test(value)) throw new FuncYamlError(`func.yaml line ${line}: ${key} is not a whole number`);
  return Number(value);
}
