// The seed flow, as a new user tries it: start `npm run sandbox`'s program, read its one JSON line, curl a
// token with Basic auth, curl the gateway with it, and get six months of items back. Then SIGTERM stops
// the sandbox and every process it started.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxEndpoints } from "../../sandbox/index.js";
import { createDataset, formatMicros } from "../../sandbox/usageapi/dataset.js";
import { alive, descendantsOf } from "../support/processes.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");

describe("npm run sandbox: the seed flow with curl", () => {
  let child: ChildProcess;
  let dir: string;
  let endpoints: SandboxEndpoints;
  let stdout = "";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sandbox-cli-"));
    // The same program `npm run sandbox` runs after building the function (global setup built it).
    child = spawn(
      process.execPath,
      [
        join(root, "node_modules", "tsx", "dist", "cli.mjs"),
        "sandbox/cli.ts",
        "--endpoints-file",
        join(dir, "endpoints.json"),
      ],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout?.setEncoding("utf8");
    endpoints = await new Promise<SandboxEndpoints>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error("the sandbox printed no endpoints within 30 s")),
        30_000,
      );
      child.stdout?.on("data", (chunk: string) => {
        stdout += chunk;
        if (stdout.includes("\n")) {
          clearTimeout(timer);
          resolve(JSON.parse(stdout.split("\n")[0]!) as SandboxEndpoints);
        }
      });
      child.once("exit", (code) => reject(new Error(`the sandbox exited early with ${code}`)));
    });
  });

  afterAll(async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("prints one JSON line with the contract's keys and writes the same JSON to the endpoints file", async () => {
    for (const key of [
      "tokenUrl",
      "jwksUrl",
      "issuer",
      "audience",
      "clientId",
      "clientSecret",
      "scope",
      "otherScope",
      "gatewayUrl",
      "usageApiUrl",
      "registryUrl",
      "tenancyId",
    ]) {
      expect(endpoints, key).toHaveProperty(key);
      expect(String((endpoints as unknown as Record<string, unknown>)[key]).length, key).toBeGreaterThan(0);
    }
    expect(new URL(endpoints.gatewayUrl).hostname).toBe("127.0.0.1");
    expect(new URL(endpoints.gatewayUrl).pathname).toBe("/usage");
    const file = JSON.parse(await readFile(join(dir, "endpoints.json"), "utf8"));
    expect(file).toEqual(endpoints);
  });

  it("answers the seed request with six months of items whose totals match the data set to the cent", async () => {
    const token = await run("curl", [
      "-sS",
      "--fail-with-body",
      "-u",
      `${endpoints.clientId}:${endpoints.clientSecret}`,
      "-d",
      "grant_type=client_credentials",
      "--data-urlencode",
      `scope=${endpoints.scope}`,
      endpoints.tokenUrl,
    ]);
    const { access_token: accessToken, token_type: tokenType } = JSON.parse(token.stdout);
    expect(tokenType).toBe("Bearer");

    const body = JSON.stringify({
      tenantId: endpoints.tenancyId,
      granularity: "MONTHLY",
      timeUsageStarted: "2025-01-01T00:00:00Z",
      timeUsageEnded: "2025-07-01T00:00:00Z",
    });
    const answer = await run("curl", [
      "-sS",
      "-w",
      "\n%{http_code}",
      "-X",
      "POST",
      `${endpoints.gatewayUrl}/request-summarized-usages`,
      "-H",
      `Authorization: Bearer ${accessToken}`,
      "-H",
      "Content-Type: application/json",
      "-d",
      body,
    ]);
    const [json, status] = answer.stdout.split(/\n(?=\d{3}$)/);
    expect(status).toBe("200");
    const parsed = JSON.parse(json!) as { items: { timeUsageStarted: string; computedAmount: number }[] };
    const months = parsed.items.map((item) => item.timeUsageStarted.slice(0, 7));
    expect(months).toEqual(["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]);
    const truth = createDataset();
    for (const item of parsed.items) {
      const month = item.timeUsageStarted.slice(0, 7);
      expect(String(item.computedAmount), month).toBe(formatMicros(truth.totalMicros(month, "COST")));
    }
  });

  it("stops every process it started on SIGTERM and removes the endpoints file", async () => {
    const pids = descendantsOf(child.pid!);
    expect(pids.length).toBeGreaterThan(0); // the function container at least
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    expect(existsSync(join(dir, "endpoints.json"))).toBe(false);
  });
});
