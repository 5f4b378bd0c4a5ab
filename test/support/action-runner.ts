// Runs the BUILT action the way the GitHub runner does: `node <dist>/index.js` in a child process with a
// clean environment, every input action.yml declares set as INPUT_<NAME> (upper case, dashes kept; its
// default, or "" when it has none) and then the given ones, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY /
// GITHUB_ENV / GITHUB_PATH / GITHUB_STATE files, GITHUB_WORKSPACE and RUNNER_TEMP. Shared by the
// integration tests, the e2e suite and `npm run demo`. When the leak scan is armed (test/setup/leak-scan.ts),
// every run hands it what the run showed and the secrets it was given.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import type { BareSandboxEndpoints, SandboxEndpoints } from "../../sandbox/index.js";
import { readActionYml } from "../../scripts/action-yml.mjs";
import { captureSecret, captureText, leakScanArmed } from "./leak-scan.js";

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout split into lines. */
  lines: string[];
  /** Outputs as written to GITHUB_OUTPUT (the last value of each name). */
  outputs: Record<string, string>;
  /** The raw GITHUB_OUTPUT file. */
  outputFile: string;
  summary: string;
  /** `::error::` lines (core.setFailed), decoded as the runner shows them. */
  errors: string[];
  durationMs: number;
}

export interface RunOptions {
  /** GITHUB_WORKSPACE and the working directory (default: a temp folder of the run). */
  workspace?: string;
  /** Extra environment (e.g. ACTIONS_STEP_DEBUG, OCI_CLI_*). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Show the action's output as the runner's log would (masked, commands as text); the demo does. */
  inherit?: boolean;
}

/** The runner's name for an input's variable: INPUT_ + upper case, spaces to underscores, dashes kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
}

/** GITHUB_OUTPUT as @actions/core writes it: `name<<delimiter` / value lines / `delimiter`. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const [, name, delimiter] = m;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
    outputs[name!] = value.join("\n");
  }
  return outputs;
}

/** A workflow command's data as the runner decodes it (@actions/core escapes %, CR and LF). */
export function commandData(text: string): string {
  return text.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%");
}

/** The values registered with ::add-mask:: (what the runner would redact). */
export function maskedValues(stdout: string): string[] {
  return stdout
    .split(/\r?\n/)
    .filter((line) => line.startsWith("::add-mask::"))
    .map((line) => commandData(line.slice("::add-mask::".length)));
}

/**
 * Shows the action's output as a runner's log would: ::add-mask:: values are registered, not shown, and
 * replaced by *** wherever they appear later; group, warning and error commands are shown as text; debug
 * lines are dropped. For people watching a run (the demo); tests read the raw stdout.
 */
export class RunnerConsole {
  /** Registered values, longest first, so a value containing another is masked whole. */
  private masks: string[] = [];
  private rest = { stdout: "", stderr: "" };

  constructor(private readonly write: (stream: "stdout" | "stderr", text: string) => void) {}

  feed(stream: "stdout" | "stderr", chunk: string): void {
    const lines = (this.rest[stream] + chunk).split("\n");
    this.rest[stream] = lines.pop() ?? "";
    for (const line of lines) this.show(stream, line);
  }

  flush(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      if (this.rest[stream]) this.show(stream, this.rest[stream]);
      this.rest[stream] = "";
    }
  }

  private show(stream: "stdout" | "stderr", raw: string): void {
    const line = raw.replace(/\r$/, "");
    if (line.startsWith("::add-mask::")) {
      const value = commandData(line.slice("::add-mask::".length));
      if (value && !this.masks.includes(value)) {
        this.masks = [...this.masks, value].sort((a, b) => b.length - a.length);
      }
      return;
    }
    if (line.startsWith("::debug::") || line === "::endgroup::") return;
    let text = line;
    const command = /^::(group|warning|error|notice)(?: [^:]*)?::(.*)$/.exec(line);
    if (command) {
      const label = { group: "▸ ", warning: "Warning: ", error: "Error: ", notice: "Notice: " }[command[1]!];
      text = `${label}${commandData(command[2]!)}`;
    }
    for (const value of this.masks) text = text.split(value).join("***");
    this.write(stream, `${text}\n`);
  }
}

const declaredDefaults = (() => {
  let cached: Record<string, string> | undefined;
  return () => {
    cached ??= Object.fromEntries(readActionYml().inputs.map((input) => [input.name, input.default ?? ""]));
    return cached;
  };
})();

/** Run the bundle once with these inputs. Never throws for a failing action: read `code` and `errors`. */
export async function runBuiltAction(
  entry: string,
  inputs: Record<string, string>,
  options: RunOptions = {},
): Promise<ActionRun> {
  const runner = await mkdtemp(join(tmpdir(), "action-runner-"));
  try {
    const files = {
      GITHUB_OUTPUT: join(runner, "output"),
      GITHUB_STEP_SUMMARY: join(runner, "summary.md"),
      GITHUB_ENV: join(runner, "env"),
      GITHUB_PATH: join(runner, "path"),
      GITHUB_STATE: join(runner, "state"),
    };
    for (const file of Object.values(files)) await writeFile(file, "");
    const home = join(runner, "home");
    const temp = join(runner, "temp");
    const workspace = options.workspace ?? join(runner, "workspace");
    await mkdir(home);
    await mkdir(temp);
    await mkdir(workspace, { recursive: true });
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      LANG: "C.UTF-8",
      CI: "true",
      GITHUB_ACTIONS: "true",
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: temp,
      GIT_CONFIG_NOSYSTEM: "1",
      ...files,
    };
    for (const [name, value] of Object.entries(declaredDefaults())) env[inputVariable(name)] = value;
    for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value;
    Object.assign(env, options.env);

    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? 120_000;
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(process.execPath, [entry], {
          cwd: workspace,
          env,
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        const shown = options.inherit
          ? new RunnerConsole((stream, text) => process[stream].write(text))
          : undefined;
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          out += chunk;
          shown?.feed("stdout", chunk);
        });
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
          err += chunk;
          shown?.feed("stderr", chunk);
        });
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("error", (e) => {
          clearTimeout(timer);
          reject(e);
        });
        child.on("close", (exit, signal) => {
          clearTimeout(timer);
          shown?.flush();
          if (signal)
            reject(new Error(`the action was killed (${signal}) after ${timeoutMs} ms:\n${out}\n${err}`));
          else resolve({ code: exit ?? 1, stdout: out, stderr: err });
        });
      },
    );
    const outputFile = await readFile(files.GITHUB_OUTPUT, "utf8");
    if (leakScanArmed()) await captureRun({ stdout, stderr, files, dirs: { home, temp, workspace }, env });
    const lines = stdout.split(/\r?\n/);
    return {
      code,
      stdout,
      stderr,
      lines,
      outputs: parseOutputFile(outputFile),
      outputFile,
      summary: await readFile(files.GITHUB_STEP_SUMMARY, "utf8"),
      errors: lines.filter((line) => line.startsWith("::error::")).map((line) => commandData(line.slice(9))),
      durationMs: Date.now() - started,
    };
  } finally {
    await rm(runner, { recursive: true, force: true });
  }
}

/** Inputs and environment variables whose values are credentials: the leak scan looks for them too. */
const SECRET_INPUTS = [
  "client-secret",
  "oidc-client-secret",
  "oci-private-key",
  "oci-private-key-passphrase",
  "registry-password",
  "base-registry-password",
  "github-token",
];
const SECRET_ENV = ["ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_RUNTIME_TOKEN", "GITHUB_TOKEN"];
/** Files larger than this are not read (no run writes one; a runaway would only slow the scan). */
const LARGEST_SCANNED_FILE = 64 * 1024 * 1024;
const execFileText = promisify(execFile);

interface CapturedRun {
  stdout: string;
  stderr: string;
  /** The GITHUB_* files, by variable. */
  files: Record<string, string>;
  dirs: { home: string; temp: string; workspace: string };
  env: Record<string, string>;
}

/**
 * Hands the leak scan what a run showed: its streams, the GITHUB_* files, every file it left in HOME,
 * RUNNER_TEMP and the workspace (but the one `secret-file` names, the secret's destination), the workspace's
 * git history and config; and the secret inputs and variables it was given.
 */
async function captureRun(run: CapturedRun): Promise<void> {
  const { env, dirs } = run;
  const label = `${env[inputVariable("command")] || "action"} run`;
  for (const name of SECRET_INPUTS) captureSecret(`input ${name}`, env[inputVariable(name)] ?? "");
  for (const name of SECRET_ENV) captureSecret(`env ${name}`, env[name] ?? "");
  captureText(`${label}: stdout`, run.stdout);
  captureText(`${label}: stderr`, run.stderr);
  for (const [name, path] of Object.entries(run.files))
    captureText(`${label}: ${name}`, await readFile(path, "utf8"));
  const secretFile = env[inputVariable("secret-file")];
  const skip = new Set(secretFile ? [resolve(dirs.workspace, secretFile)] : []);
  for (const [place, dir] of Object.entries(dirs)) {
    for (const path of await filesBelow(dir)) {
      if (skip.has(path) || (await stat(path)).size > LARGEST_SCANNED_FILE) continue;
      captureText(`${label}: ${place}/${relative(dir, path)}`, await readFile(path, "utf8"));
    }
  }
  if (existsSync(join(dirs.workspace, ".git"))) {
    const log = await execFileText("git", ["log", "--all", "-p", "--format=%an %ae %s%n%b"], {
      cwd: dirs.workspace,
      maxBuffer: LARGEST_SCANNED_FILE,
    }).catch(() => ({ stdout: "" }));
    captureText(`${label}: git history`, log.stdout);
    const config = await readFile(join(dirs.workspace, ".git", "config"), "utf8").catch(() => "");
    captureText(`${label}: .git/config`, config);
  }
}

/** Every regular file below `dir` (absolute paths), the .git folder left out. */
async function filesBelow(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !relative(dir, path).split(/[\\/]/).includes(".git"));
}

/** `report` inputs that point the action at the sandbox's gateway and identity domain. */
export function sandboxReportInputs(endpoints: SandboxEndpoints): Record<string, string> {
  return {
    command: "report",
    endpoint: endpoints.gatewayUrl,
    "token-url": endpoints.tokenUrl,
    "client-id": endpoints.clientId,
    "client-secret": endpoints.clientSecret,
    scope: endpoints.scope,
  };
}

/** The sandbox's API-key user and its control-plane endpoints, as deploy and setup read them. */
function sandboxApiKeyInputs(endpoints: BareSandboxEndpoints, privateKeyPem: string): Record<string, string> {
  return {
    "oci-tenancy": endpoints.tenancyId,
    "oci-user": endpoints.ociUserId,
    "oci-fingerprint": endpoints.ociFingerprint,
    "oci-private-key": privateKeyPem,
    "oci-region": endpoints.ociRegion,
    "oci-functions-endpoint": endpoints.functionsUrl,
    "oci-apigateway-endpoint": endpoints.apigatewayUrl,
    "oci-artifacts-endpoint": endpoints.artifactsUrl,
  };
}

/** `deploy` inputs that point the action at the sandbox's control planes, registry and identity domain. */
export function sandboxDeployInputs(
  endpoints: SandboxEndpoints,
  privateKeyPem: string,
): Record<string, string> {
  return {
    command: "deploy",
    ...sandboxApiKeyInputs(endpoints, privateKeyPem),
    "application-id": endpoints.applicationId,
    "gateway-id": endpoints.gatewayId,
    registry: endpoints.registryHost,
    "registry-username": endpoints.ocirUsername,
    "registry-password": endpoints.ocirAuthToken,
    "base-image": endpoints.baseImage,
    "identity-domain-url": endpoints.identityUrl,
    audiences: endpoints.audience,
  };
}

/** `setup` inputs that point the action at a (bare) sandbox's control planes, Identity API and identity domain. */
export function sandboxSetupInputs(
  endpoints: BareSandboxEndpoints,
  privateKeyPem: string,
  secretFile: string,
): Record<string, string> {
  return {
    command: "setup",
    ...sandboxApiKeyInputs(endpoints, privateKeyPem),
    "oci-identity-endpoint": endpoints.iamUrl,
    "compartment-id": endpoints.compartmentId,
    "subnet-id": endpoints.subnetId,
    "identity-domain-url": endpoints.identityUrl,
    "secret-file": secretFile,
  };
}

/** `deploy` inputs for a bare sandbox, with what setup output (application, gateway, audience, repository). */
export function deployInputsFromSetup(
  endpoints: BareSandboxEndpoints,
  privateKeyPem: string,
  setup: Record<string, string>,
): Record<string, string> {
  const { "application-id": applicationId = "", "gateway-id": gatewayId = "" } = setup;
  return {
    ...sandboxDeployInputs({ ...endpoints, applicationId, gatewayId, gatewayUrl: "" }, privateKeyPem),
    "identity-domain-url": setup["identity-domain-url"] ?? "",
    audiences: setup.audience ?? "",
    repository: setup.repository ?? "",
    "usage-api-region": endpoints.region,
  };
}

/**
 * `report` inputs for setup's client (its secret read from setup's file) at deploy's endpoint; the token URL
 * is setup's identity-domain-url, which report completes with /oauth2/v1/token.
 */
export function reportInputsFromSetup(
  setup: Record<string, string>,
  clientSecret: string,
  endpoint: string,
): Record<string, string> {
  return {
    command: "report",
    endpoint,
    "token-url": setup["identity-domain-url"] ?? "",
    "client-id": setup["client-id"] ?? "",
    "client-secret": clientSecret,
    scope: setup.scope ?? "",
  };
}
