// The function as it would be written with the umbrella `oci-sdk` package instead of the per-service ones:
// the same handler source, with `oci-common` and `oci-usageapi` read from `require("oci-sdk")` and the SDK
// left unbundled, as a user who installs `oci-sdk` gets it. It is the cold-start peer the function bench
// measures side by side. `oci-sdk` (about 520 MB) is no dependency of the project: it is installed once, at
// the version of the per-service packages, into node_modules/.cache, only when this bench runs.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { build, type Plugin } from "esbuild";

const root = join(import.meta.dirname, "..");
const run = promisify(execFile);

/** The umbrella bundle's path, or why it could not be made (no registry, say): the bench says so. */
export type UmbrellaEntry = { entry: string } | { skipped: string };

/** The version every per-service package is pinned at (package.json keeps them at one). */
async function sdkVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(root, "node_modules", "oci-common", "package.json"), "utf8"));
  return String(pkg.version);
}

/** `oci-sdk` installed under `dir` (once; a failed install leaves nothing that looks finished). */
async function installUmbrella(dir: string, version: string): Promise<void> {
  const marker = join(dir, "node_modules", "oci-sdk", "package.json");
  if (existsSync(marker)) return;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  try {
    await run(
      "npm",
      [
        "install",
        "--prefix",
        dir,
        "--no-save",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        `oci-sdk@${version}`,
      ],
      { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** `oci-common` and `oci-usageapi` as the umbrella's namespaces, which stays external. */
const fromUmbrella: Plugin = {
  name: "from-umbrella",
  setup(b) {
    const namespaces: Record<string, string> = { "oci-common": "common", "oci-usageapi": "usageapi" };
    b.onResolve({ filter: /^oci-(common|usageapi)$/ }, (args) => ({
      path: args.path,
      namespace: "umbrella",
    }));
    b.onLoad({ filter: /.*/, namespace: "umbrella" }, (args) => ({
      contents: `module.exports = require("oci-sdk").${namespaces[args.path]};`,
      loader: "js",
    }));
  },
};

/** Builds (and installs, the first time) the umbrella variant of the function. */
export async function umbrellaEntry(): Promise<UmbrellaEntry> {
  const version = await sdkVersion();
  const dir = join(root, "node_modules", ".cache", "usage-api-bench", `oci-sdk-${version}`);
  try {
    await installUmbrella(dir, version);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { skipped: `npm install oci-sdk@${version} failed: ${reason}` };
  }
  const entry = join(dir, "func.js");
  await build({
    entryPoints: [join(root, "function", "src", "func.ts")],
    outfile: entry,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    logLevel: "warning",
    external: ["oci-sdk"],
    // As the real build does: the sources are ES modules, the bundle CommonJS (usage.ts makes a require).
    inject: [join(root, "function", "src", "shims", "import-meta-url.js")],
    define: { "import.meta.url": "import_meta_url" },
    plugins: [fromUmbrella],
  });
  return { entry };
}
