// Once per e2e run: check the Debian tools (a missing one FAILS the suite, with the apt-get line), build the
// action and the function bundle into a temp folder (the committed dist/ is never touched), and build the
// runnable fake base image. The test files get the paths through inject("e2e").
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { buildAction } from "../../scripts/build.mjs";
import { buildFakeBase, type FakeBase } from "./base-image.js";
import { requireTools } from "./tools.js";

export interface E2eContext {
  /** Temp folder of this run; every test file makes its own sub-folders in it. */
  workDir: string;
  /** The built action: <dist>/index.js and <dist>/function/func.js. */
  dist: string;
  base: FakeBase;
}

declare module "vitest" {
  export interface ProvidedContext {
    e2e: E2eContext;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  requireTools();
  const workDir = await mkdtemp(join(tmpdir(), "usage-e2e-"));
  try {
    const dist = join(workDir, "dist");
    const built = await buildAction(dist);
    if (!built) throw new Error("scripts/build.mjs found no src/index.ts to build");
    const base = await buildFakeBase(workDir);
    project.provide("e2e", { workDir, dist, base });
  } catch (err) {
    await rm(workDir, { recursive: true, force: true });
    throw err;
  }
  return async () => {
    await rm(workDir, { recursive: true, force: true });
  };
}
