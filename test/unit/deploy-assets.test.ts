import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadFuncYaml, readFunctionBundle } from "../../src/deploy/assets.js";
import { FuncYamlError, parseFuncYaml } from "../../src/deploy/funcyaml.js";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("func.yaml defaults", () => {
  it("reads the project's func.yaml: run_image, memory, timeout and config, comments ignored", async () => {
    const yaml = await loadFuncYaml();
    expect(yaml.runImage).toBe("fnproject/node:24");
    expect(yaml.memory).toBe(256);
    expect(yaml.timeout).toBe(60);
    expect(yaml.config.UPSTREAM_PAGE_LIMIT).toBe("1000");
    expect(yaml.config).not.toHaveProperty("USAGE_API_REGION");
    expect(yaml.config).not.toHaveProperty("USAGE_API_ENDPOINT");
  });

  it.each([
    [
      "config:\n  A: \"x # not a comment\"\n  B: plain # comment\n  C: 'it''s'\n",
      { A: "x # not a comment", B: "plain", C: "it's" },
    ],
    ["config:\n  A: 1\nannotations:\n  B: 2\n", { A: "1" }],
  ])("parses scalars in %j", (text, config) => {
    expect(parseFuncYaml(text).config).toEqual(config);
  });

  it("rejects a memory that is not a number", () => {
    expect(() => parseFuncYaml("memory: lots\n")).toThrow(FuncYamlError);
    expect(() => parseFuncYaml("name: x\ntimeout: -5\n")).toThrow(
      "func.yaml line 2: timeout is not a whole number",
    );
  });

  it("rejects a file that is not YAML, naming the line", () => {
    expect(() => parseFuncYaml("config:\n  A: [1,\n")).toThrow(/^func\.yaml line 3 is not valid YAML: /);
  });

  it("falls back to empty defaults, and the second candidate path, when files are missing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "assets-"));
    dirs.push(dir);
    expect(await loadFuncYaml([join(dir, "nope.yaml")])).toEqual({ config: {} });
    await writeFile(join(dir, "func.js"), "module.exports = 1;\n");
    expect((await readFunctionBundle([join(dir, "missing.js"), join(dir, "func.js")])).toString()).toBe(
      "module.exports = 1;\n",
    );
    await expect(readFunctionBundle([join(dir, "missing.js")])).rejects.toThrow(
      /the function bundle is missing .* run 'npm run build' and commit dist\//,
    );
  });
});
