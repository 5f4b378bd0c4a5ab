// Builds the bundles: the Oracle Function (function/dist/func.js), the action (dist/index.js) and the local
// command (dist/cli.js, the package's `bin`).
// Usage: node scripts/build.mjs [function|action ...]   (no argument builds both)
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { bundledPackages, renderLicenses } from "./licenses.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Modules the function bundle takes from function/src/shims instead, matched by their exact name (an
 * esbuild alias would also take "oci-common/lib/..." to the shim's folder).
 */
function exactShims(shim) {
  const shims = new Map([
    ["oci-common", shim("oci-common.cjs")],
    ["sshpk", shim("rsa-keys.cjs")],
    ["jssha", shim("sha256.cjs")],
  ]);
  return {
    name: "exact-shims",
    setup(build) {
      build.onResolve({ filter: /^(oci-common|sshpk|jssha)$/ }, (args) => ({ path: shims.get(args.path) }));
    },
  };
}

/** oci-usageapi's model index, as tsc wrote it: one require and one export per model. */
const MODEL_EXPORT =
  /^const (\w+) = __importStar\(require\("(\.\/[a-z0-9-]+)"\)\);\nexports\.(\w+) = \1\.\3;$/gm;

/**
 * oci-usageapi's model index with each model required when first read rather than all 55 at once (the
 * function reads a handful): every `const X = __importStar(require("./x")); exports.X = X.X;` becomes a getter.
 * Given `kept`, the names of the models the bundle carries, any other model's getter refuses in one line
 * instead, and its module is left out of the bundle.
 * Throws when a require is left over, so that a changed index fails the build instead of loading half lazily.
 */
export function lazyModelIndex(source, kept) {
  let rewritten = 0;
  const out = source.replace(MODEL_EXPORT, (_, _local, path, name) => {
    rewritten += 1;
    const get =
      kept === undefined || kept.has(name)
        ? `__importStar(require("${path}")).${name}`
        : `notCarried("${name}")`;
    return `Object.defineProperty(exports, "${name}", { enumerable: true, get: () => ${get} });`;
  });
  const requires = source.split("require(").length - 1;
  if (rewritten === 0 || rewritten !== requires) {
    throw new Error(`oci-usageapi's model index has ${requires} requires, ${rewritten} of the expected form`);
  }
  if (kept === undefined) return out;
  return `${out}
function notCarried(name) {
    throw new Error(\`oci-usageapi's model \${name} is not in the function bundle, which carries the models of ${KEPT_OPERATIONS.join(", ")} only (scripts/build.mjs)\`);
}
`;
}

/** The UsageapiClient operations the function calls (function/src/usage.ts); the bundle carries these only. */
export const KEPT_OPERATIONS = ["requestSummarizedUsages"];

/** One operation of UsageapiClient as tsc wrote it: its doc comment, then `name(nameRequest) {` to `    }`. */
const OPERATION =
  /^ {4}\/\*\*\n(?: {5}\*.*\n)*? {5}\*\/\n {4}(\w+)\(\1Request\) \{\n[\s\S]*?\n {4}\}\n(?= {4}\/\*\*\n|\}\nexports\.UsageapiClient = )/gm;

/**
 * oci-usageapi's client.js with every operation but KEPT_OPERATIONS replaced by one that refuses in one line:
 * the 33 operations are 46 KB of the bundle to read and compile at each cold start, and the function calls one.
 * Throws when an operation is not of the expected form, or a kept one is missing.
 */
export function operationsOnly(source, kept = KEPT_OPERATIONS) {
  const seen = [];
  const out = source.replace(OPERATION, (method, name) => {
    seen.push(name);
    return kept.includes(name) ? method : `    ${name}() {\n        return notCarried("${name}");\n    }\n`;
  });
  const operations = source.split("return __awaiter(this, void 0, void 0, function* () {").length - 1;
  const missing = kept.filter((name) => !seen.includes(name));
  if (seen.length === 0 || seen.length !== operations || missing.length > 0) {
    throw new Error(
      `oci-usageapi's client has ${operations} operations, ${seen.length} of the expected form${missing.length > 0 ? `; ${missing.join(", ")} not found` : ""}`,
    );
  }
  return `${out}
function notCarried(name) {
    return Promise.reject(new Error(\`UsageapiClient#\${name} is not in the function bundle, which carries ${kept.join(", ")} only (scripts/build.mjs)\`));
}
`;
}

/**
 * The models a client source reaches: those it names (`model.X`), then those each of them names, through
 * the model index's map of names to files.
 */
export async function reachableModels(modelDir, clientSource) {
  const index = await readFile(join(modelDir, "index.js"), "utf8");
  const files = new Map([...index.matchAll(MODEL_EXPORT)].map(([, , path, name]) => [name, path]));
  const named = (text) =>
    [...text.matchAll(/\bmodel\.([A-Z]\w*)/g)].map((m) => m[1]).filter((n) => files.has(n));
  const reached = new Set();
  const pending = named(clientSource);
  while (pending.length > 0) {
    const name = pending.pop();
    if (reached.has(name)) continue;
    reached.add(name);
    pending.push(...named(await readFile(join(modelDir, `${files.get(name)}.js`), "utf8")));
  }
  return reached;
}

/** Loads oci-usageapi's client through operationsOnly, and its model index through lazyModelIndex. */
const usageapiOperations = {
  name: "oci-usageapi-operations",
  setup(build) {
    build.onLoad({ filter: /[\\/]oci-usageapi[\\/]lib[\\/]client\.js$/ }, async (args) => ({
      contents: operationsOnly(await readFile(args.path, "utf8")),
      loader: "js",
    }));
    build.onLoad({ filter: /[\\/]oci-usageapi[\\/]lib[\\/]model[\\/]index\.js$/ }, async (args) => {
      const modelDir = dirname(args.path);
      const client = operationsOnly(await readFile(join(modelDir, "..", "client.js"), "utf8"));
      return {
        contents: lazyModelIndex(await readFile(args.path, "utf8"), await reachableModels(modelDir, client)),
        loader: "js",
      };
    });
  },
};

/**
 * The function bundle: one CommonJS file holding the FDK, oci-common and oci-usageapi. What keeps its cold
 * start short (docs/architecture.md, "The function's cold start"): Headers and Response are light classes
 * (shims/web-headers.ts) so that Node's internal undici never loads; oci-common's index loads each module
 * when first read (shims/oci-common.cjs), and oci-usageapi's model index each model (lazyModelIndex); of
 * oci-usageapi, only the operation the function calls and the models it reaches are carried (operationsOnly); the
 * signer's sshpk and jsSHA do their RSA key and SHA-256 work on node:crypto (shims/rsa-keys.cjs, sha256.cjs).
 */
export async function buildFunction(outdir = join(root, "function", "dist")) {
  const shim = (name) => join(root, "function", "src", "shims", name);
  const outfile = join(outdir, "func.js");
  const result = await build({
    entryPoints: [join(root, "function", "src", "func.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    minify: true,
    legalComments: "eof",
    metafile: true,
    logLevel: "warning",
    inject: [shim("web-headers.ts"), shim("import-meta-url.js")],
    define: { "import.meta.url": "import_meta_url" },
    plugins: [exactShims(shim), usageapiOperations],
    alias: {
      "isomorphic-fetch": shim("no-fetch-polyfill.cjs"),
      "node-fetch": shim("no-fetch-polyfill.cjs"),
      "es6-promise": shim("es6-promise.cjs"),
      jsonwebtoken: shim("jwt-decode.cjs"),
    },
  });
  // The repository root is "type": "module"; mark the bundle's folder as CommonJS.
  await writeFile(join(outdir, "package.json"), '{ "type": "commonjs" }\n');
  await writeLicenses(outdir, "The function bundle (func.js)", result.metafile);
  return { outfile, metafile: result.metafile };
}

/**
 * The action bundle, committed as dist/index.js, with what `deploy` ships in the image: the function bundle
 * (dist/function/func.js, built by buildFunction) and func.yaml's defaults (dist/function/func.yaml). A `uses:`
 * run has neither node_modules nor esbuild, so both must be in dist/.
 */
export async function buildAction(outdir = join(root, "dist")) {
  const entry = join(root, "src", "index.ts");
  if (!existsSync(entry)) return null;
  // Chunk names carry content hashes: drop the old ones, or they would linger beside the new.
  await rm(join(outdir, "chunks"), { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  // One build for both entries, split into chunks: the action and the local command share their code, and
  // each command's code (and its SDK clients) is a chunk of its own, loaded only when that command runs.
  const result = await build({
    entryPoints: { index: entry, cli: join(root, "src", "bin.ts") },
    outdir,
    entryNames: "[name]",
    chunkNames: "chunks/[name]-[hash]",
    splitting: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: false,
    legalComments: "eof",
    metafile: true,
    logLevel: "warning",
    // Bundled CommonJS dependencies (@actions/core v3 among them) still call require() for Node
    // built-ins; an ESM bundle has no require unless one is created (in each chunk: each is a module).
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  // The bundles are ES modules wherever they are written (a temp folder in tests, dist/ in a checkout):
  // say so, rather than rely on Node's module-syntax detection or on a package.json further up.
  await writeFile(join(outdir, "package.json"), '{ "type": "module" }\n');
  await writeLicenses(outdir, "The action bundle (index.js, cli.js and chunks/)", result.metafile);
  // The local command runs as an executable (`npx`, `bin`).
  const cli = join(outdir, "cli.js");
  await writeFile(cli, `#!/usr/bin/env node\n${await readFile(cli, "utf8")}`);
  await chmod(cli, 0o755);
  const functionDir = join(outdir, "function");
  await buildFunction(functionDir);
  await copyFile(join(root, "function", "func.yaml"), join(functionDir, "func.yaml"));
  return { outfile: join(outdir, "index.js"), metafile: result.metafile };
}

/** licenses.txt beside a bundle: the packages it holds, with their licence texts (scripts/licenses.mjs). */
async function writeLicenses(outdir, bundle, metafile) {
  await writeFile(join(outdir, "licenses.txt"), renderLicenses(bundle, bundledPackages(metafile)));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const targets = process.argv.slice(2);
  const all = targets.length === 0;
  if (all || targets.includes("function")) {
    const { outfile } = await buildFunction();
    console.error(`built ${outfile.slice(root.length + 1)}`);
  }
  if (all || targets.includes("action")) {
    const built = await buildAction();
    if (built) console.error(`built ${built.outfile.slice(root.length + 1)}`);
  }
}
