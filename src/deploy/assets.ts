// The function the action deploys ships inside the action: the build puts the function bundle and func.yaml
// in dist/function/ next to dist/index.js (and its chunks in dist/chunks/), because a `uses:` run has no node_modules and no esbuild. From the
// sources (tests, `tsx`), the function's own build output and func.yaml are used instead.
import { access, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { UserFacingError } from "../lib/errors.js";
import { type FuncYaml, parseFuncYaml } from "./funcyaml.js";

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Candidates in order: beside the action bundle (dist/function/, seen from dist/ or from a chunk in
 * dist/chunks/), then the repository layout seen from src/deploy/.
 */
const FUNCTION_BUNDLE_PATHS = [
  join(here, "function", "func.js"),
  join(here, "..", "function", "func.js"),
  join(here, "..", "..", "function", "dist", "func.js"),
];
const FUNC_YAML_PATHS = [
  join(here, "function", "func.yaml"),
  join(here, "..", "function", "func.yaml"),
  join(here, "..", "..", "function", "func.yaml"),
];

async function firstExisting(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    try {
      await access(path);
      return path;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/** The function bundle (one CommonJS file) that becomes /function/func.js in the image. */
export async function readFunctionBundle(paths: readonly string[] = FUNCTION_BUNDLE_PATHS): Promise<Buffer> {
  const path = await firstExisting(paths);
  if (!path) {
    throw new UserFacingError(
      `the function bundle is missing (looked for ${paths.join(", ")}); the action's dist/ is incomplete: run 'npm run build' and commit dist/`,
    );
  }
  return readFile(path);
}

/** func.yaml's defaults (run_image, memory, timeout, config); empty when the file is not there. */
export async function loadFuncYaml(paths: readonly string[] = FUNC_YAML_PATHS): Promise<FuncYaml> {
  const path = await firstExisting(paths);
  if (!path) return { config: {} };
  return parseFuncYaml(await readFile(path, "utf8"));
}
