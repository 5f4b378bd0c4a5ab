// Every bash block a user copies from README.md or docs/*.md runs as written, pasted as one script, from the
// repository root: the sandbox walk-through, the deploy by hand, the help of the local command. A block that
// cannot run here says why in an HTML comment just above it (`<!-- needs: tenancy -->`); a block with neither
// fails this test. `<!-- needs: sandbox -->` blocks run with the sandbox started and stopped around them the
// way docs/sandbox.md does it.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { commandLine, groupMembers, pollUntil } from "../support/processes.js";

const root = join(import.meta.dirname, "..", "..");
const endpointsFile = join(root, ".sandbox", "endpoints.json");

/** Why a block is not run here, by mark; `sandbox` blocks are run, inside a sandbox's lifetime. */
const MARKS: Record<string, string> = {
  tenancy: "needs a real OCI tenancy (its OCIDs, an identity domain, an API key)",
  root: "installs Debian packages as root (the e2e suite's own set-up)",
  "clean-clone": "npm ci replaces the node_modules this test runs from; CI runs it on a clean clone",
  sandbox: "run with the sandbox started before it and stopped after it",
  ci: "runs the build, the lint, the whole test suite or the bench: .ci/run runs them itself",
  foreground: "runs until Ctrl-C (docs/sandbox.md has the background form, which this test runs)",
};

const START = `npm run -s sandbox > /dev/null &
SANDBOX_PID=$!
for _ in $(seq 1 120); do [ -f .sandbox/endpoints.json ] && break; sleep 0.5; done
`;
const STOP = `\nkill "$SANDBOX_PID"\n`;

interface Block {
  where: string;
  text: string;
  mark: string | undefined;
}

/** The ```bash / ```sh blocks of a Markdown file, each with the `needs:` mark on the line above it, if any. */
function commandBlocks(file: string): Block[] {
  const lines = readFileSync(join(root, file), "utf8").split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    // Fences may be indented (a block inside a list item); the mark sits just above at any indent.
    const indent = /^( *)```(bash|sh)\s*$/.exec(lines[i] ?? "")?.[1];
    if (indent === undefined) continue;
    const mark = /^ *<!-- needs: ([\w-]+) -->$/.exec(lines[i - 1] ?? "")?.[1];
    let end = i + 1;
    while (end < lines.length && lines[end] !== `${indent}\`\`\``) end++;
    const text = lines
      .slice(i + 1, end)
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join("\n");
    blocks.push({ where: `${file}:${i + 1}`, text, mark });
    i = end;
  }
  return blocks;
}

const files = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const blocks = files.flatMap(commandBlocks);
const runnable = blocks.filter((b) => b.mark === undefined || b.mark === "sandbox");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The process group of the running script: every process it started, the background sandbox included. */
let group: number | undefined;

/** A block that failed half-way may leave its sandbox running: stop it as a user would, else kill it. */
// docs/development.md's block writes .env (npm run local-action:env): a user's own .env is left alone.
const envFile = join(root, ".env");
const hadEnv = existsSync(envFile);
afterAll(async () => {
  if (!hadEnv) await rm(envFile, { force: true });
});

afterEach(async () => {
  const pgid = group;
  group = undefined;
  if (pgid === undefined || !groupAlive(pgid)) return;
  signalGroup(pgid, "SIGTERM");
  if (await pollUntil(() => !groupAlive(pgid), 15_000)) return;
  signalGroup(pgid, "SIGKILL");
  await rm(endpointsFile, { force: true });
});

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

function groupAlive(pgid: number): boolean {
  return groupMembers(pgid).length > 0;
}

/** The block as one pasted script: bash, stopping at the first failing command. */
async function paste(script: string): Promise<Run> {
  const child = spawn("bash", ["-e", "-o", "pipefail", "-c", script], {
    cwd: root,
    detached: true, // its own process group, so that nothing it starts can outlive the test unseen
    stdio: ["ignore", "pipe", "pipe"],
  });
  group = child.pid;
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  return { code, stdout, stderr };
}

/** What a block's output must show, beyond a zero exit code (by a line the block holds). */
const CHECKS: Array<{ holds: string; check: (run: Run) => void }> = [
  {
    holds: '"$(e gatewayUrl)/request-summarized-usages"',
    check: (run) => {
      const answer = JSON.parse(run.stdout) as { items: { timeUsageStarted: string }[] };
      const months = answer.items.map((item) => item.timeUsageStarted.slice(0, 7));
      expect(months).toEqual(["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]);
      // Started with stdout silenced, the sandbox keeps the function's per-call lines out of the terminal.
      expect(run.stderr).toContain("sandbox ready");
      expect(run.stderr).not.toMatch(/^fn \{/m);
    },
  },
  {
    holds: "INPUT_COMMAND=deploy",
    check: (run) => {
      expect(run.stdout).toMatch(/^deployment-endpoint=http:\/\/127\.0\.0\.1:\d+\/usage$/m);
      expect(run.stdout).toMatch(
        /is ACTIVE: POST http:\/\/127\.0\.0\.1:\d+\/usage\/request-summarized-usages$/m,
      );
    },
  },
  {
    holds: "node dist/cli.js setup --help",
    check: (run) => expect(run.stdout).toMatch(/^usage: usage-api-action setup /),
  },
  {
    holds: `node -p "require('./.sandbox/endpoints.json').gatewayUrl"`,
    check: (run) => expect(run.stdout.trim()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/usage$/),
  },
];

describe("the bash blocks of README.md and docs/*.md", () => {
  it("are each run below or marked with why they cannot run here", () => {
    const unknown = blocks.filter((b) => b.mark !== undefined && !(b.mark in MARKS));
    expect(unknown.map((b) => `${b.where}: needs: ${b.mark}`)).toEqual([]);
    expect(runnable.length).toBeGreaterThanOrEqual(4);
    for (const { holds } of CHECKS)
      expect(
        runnable.some((b) => b.text.includes(holds)),
        holds,
      ).toBe(true);
  });

  it.each(runnable.map((b) => [b.where, b] as const))(
    "%s runs as written",
    { timeout: 150_000 },
    async (_, block) => {
      expect(existsSync(endpointsFile), "a sandbox already runs in this checkout: stop it first").toBe(false);
      const script = block.mark === "sandbox" ? `${START}${block.text}${STOP}` : block.text;
      const run = await paste(script);
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      for (const { holds, check } of CHECKS) if (block.text.includes(holds)) check(run);
      // Whatever the block started has stopped, and cleaned up after itself.
      const stopped = await pollUntil(() => !groupAlive(group!), 30_000);
      const left = groupMembers(group!).map(commandLine).join("; ");
      expect(stopped, `still running: ${left}; the block's stderr:\n${run.stderr}`).toBe(true);
      expect(existsSync(join(root, ".sandbox")), ".sandbox/ is left behind").toBe(false);
    },
  );
});
