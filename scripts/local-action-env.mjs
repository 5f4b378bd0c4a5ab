// `npm run local-action:env`: writes .env for `npm run local-action` from .env.example, with the report
// inputs of the running sandbox (.sandbox/endpoints.json, waited for while `npm run sandbox` starts), and
// creates the scratch workspace and the empty job summary the run writes to. .env holds the client secret:
// it is written 0600 and is git-ignored.
// Usage: node scripts/local-action-env.mjs [--endpoints FILE] [--out FILE] [--wait SECONDS]
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";

const root = join(import.meta.dirname, "..");

/** The .env.example variables that the sandbox's endpoints fill in. */
const FROM_SANDBOX = {
  INPUT_ENDPOINT: "gatewayUrl",
  "INPUT_TOKEN-URL": "tokenUrl",
  "INPUT_CLIENT-ID": "clientId",
  "INPUT_CLIENT-SECRET": "clientSecret",
  INPUT_SCOPE: "scope",
};

/** .env.example's text with the sandbox's values in, and GITHUB_* paths made absolute against `base`. */
function sandboxEnv(example, endpoints, base = root) {
  return example
    .split("\n")
    .map((line) => {
      const m = /^([A-Z][\w-]*)=(.*)$/.exec(line);
      if (!m) return line;
      const [, name, value] = m;
      const field = FROM_SANDBOX[name];
      if (field) {
        if (typeof endpoints[field] !== "string")
          throw new Error(`the sandbox endpoints have no '${field}' for ${name}`);
        return `${name}=${endpoints[field]}`;
      }
      if (name === "GITHUB_WORKSPACE" || name === "GITHUB_STEP_SUMMARY")
        return `${name}=${resolve(base, value)}`;
      return line;
    })
    .join("\n");
}

/** The value of one variable in a .env text. */
export function envValue(text, name) {
  return new RegExp(`^${name}=(.*)$`, "m").exec(text)?.[1];
}

/** Writes `out` (0600) and the folders and summary file it names; returns the text written. */
export async function writeSandboxEnv({ endpointsFile, out, base = root }) {
  const example = await readFile(join(root, ".env.example"), "utf8");
  const text = sandboxEnv(example, JSON.parse(await readFile(endpointsFile, "utf8")), base);
  await writeFile(out, text, { mode: 0o600 });
  await chmod(out, 0o600);
  await mkdir(envValue(text, "GITHUB_WORKSPACE"), { recursive: true });
  const summary = envValue(text, "GITHUB_STEP_SUMMARY");
  await mkdir(dirname(summary), { recursive: true });
  await writeFile(summary, "");
  return text;
}

async function waitFor(file, seconds) {
  for (let waited = 0; !existsSync(file); waited++) {
    if (waited >= seconds)
      throw new Error(
        `${file} did not appear within ${seconds} s: start the sandbox first (npm run sandbox)`,
      );
    await sleep(1000);
  }
}

if (process.argv[1] === import.meta.filename) {
  const { values } = parseArgs({
    options: {
      endpoints: { type: "string", default: join(root, ".sandbox", "endpoints.json") },
      out: { type: "string", default: join(root, ".env") },
      wait: { type: "string", default: "120" },
    },
  });
  try {
    await waitFor(values.endpoints, Number(values.wait));
    await writeSandboxEnv({ endpointsFile: values.endpoints, out: values.out });
    console.error(`wrote ${values.out} from ${values.endpoints}; now: npm run local-action`);
  } catch (err) {
    console.error(`local-action:env: ${err.message}`);
    process.exitCode = 1;
  }
}
