// The defaults deploy takes from function/func.yaml (the fn CLI's file, kept so `fn deploy` still works):
// run_image, memory, timeout and the config map. Only the flat subset func.yaml uses is read (top-level
// scalars and one level of `config:`), so no YAML library is bundled for it.

export interface FuncYaml {
  runImage?: string;
  memory?: number;
  timeout?: number;
  config: Record<string, string>;
}

export class FuncYamlError extends Error {
  override name = "FuncYamlError";
}

/** A YAML scalar: quoted ('…' or "…") or plain, with a trailing `# comment` removed from plain ones. */
function scalar(raw: string): string {
  const text = raw.trim();
  if (text.startsWith('"')) {
    const end = text.indexOf('"', 1);
    if (end < 0) throw new FuncYamlError(`unterminated string: ${text.slice(0, 40)}`);
    return JSON.parse(text.slice(0, end + 1)) as string;
  }
  if (text.startsWith("'")) {
    const m = /^'((?:[^']|'')*)'/.exec(text);
    if (!m) throw new FuncYamlError(`unterminated string: ${text.slice(0, 40)}`);
    return m[1]!.replace(/''/g, "'");
  }
  return text.replace(/\s+#.*$/, "").trim();
}

export function parseFuncYaml(text: string): FuncYaml {
  const result: FuncYaml = { config: {} };
  let section: string | undefined;
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (/^\s*(#|$)/.test(line)) continue;
    const top = /^([A-Za-z_][A-Za-z0-9_]*):(.*)$/.exec(line);
    if (top) {
      const key = top[1]!;
      const value = scalar(top[2]!);
      section = value === "" ? key : undefined;
      if (key === "run_image" && value !== "") result.runImage = value;
      if (key === "memory" && value !== "") result.memory = toInt(value, key, index);
      if (key === "timeout" && value !== "") result.timeout = toInt(value, key, index);
      continue;
    }
    const nested = /^\s+([A-Za-z_][A-Za-z0-9_]*):(.*)$/.exec(line);
    if (nested && section === "config") {
      result.config[nested[1]!] = scalar(nested[2]!);
    }
  }
  return result;
}

function toInt(value: string, key: string, index: number): number {
  if (!/^\d+$/.test(value))
    throw new FuncYamlError(`func.yaml line ${index + 1}: ${key} is not a whole number`);
  return Number(value);
}
