import { describe, expect, it } from "vitest";
import {
  ConfigError,
  createdFromSourceDateEpoch,
  EPOCH,
  functionConfig,
  type ImageConfig,
  parseConfig,
  serializeConfig,
} from "../../src/image/config.js";

const DIFF = `sha256:${"d".repeat(64)}`;
const BASE_DIFF = `sha256:${"b".repeat(64)}`;

function base(overrides: Partial<ImageConfig> = {}): ImageConfig {
  return {
    architecture: "arm64",
    os: "linux",
    variant: "v8",
    created: "2026-05-01T12:00:00.123Z",
    config: { Env: ["PATH=/usr/bin", "NODE_VERSION=24"], Cmd: ["node"], User: "", Labels: { a: "b" } },
    rootfs: { type: "layers", diff_ids: [BASE_DIFF] },
    history: [{ created: "2026-05-01T12:00:00Z", created_by: "ADD rootfs" }],
    ...overrides,
  };
}

describe("functionConfig", () => {
  it("sets WorkingDir and Entrypoint, removes Cmd, keeps the rest", () => {
    const input = base();
    const out = functionConfig(input, { diffId: DIFF });
    expect(out.config).toEqual({
      Env: ["PATH=/usr/bin", "NODE_VERSION=24"],
      User: "",
      Labels: { a: "b" },
      WorkingDir: "/function",
      Entrypoint: ["node", "func.js"],
    });
    expect(out.config && "Cmd" in out.config).toBe(false);
    expect([out.os, out.architecture, out.variant]).toEqual(["linux", "arm64", "v8"]);
  });

  it("appends the diff_id and one history entry with the fixed time", () => {
    const out = functionConfig(base(), { diffId: DIFF, createdBy: "test", comment: "c" });
    expect(out.rootfs).toEqual({ type: "layers", diff_ids: [BASE_DIFF, DIFF] });
    expect(out.history).toEqual([
      { created: "2026-05-01T12:00:00Z", created_by: "ADD rootfs" },
      { created: EPOCH, created_by: "test", comment: "c" },
    ]);
    expect(out.created).toBe(EPOCH);
  });

  it.each([
    ["no history", base({ history: undefined }), 1],
    ["no inner config", base({ config: undefined }), 2],
  ])("copes with %s", (_name, input, historyLength) => {
    const out = functionConfig(input, { diffId: DIFF });
    expect(out.history).toHaveLength(historyLength);
    expect(out.config?.Entrypoint).toEqual(["node", "func.js"]);
  });

  it("does not touch the base", () => {
    const input = base();
    const before = JSON.stringify(input);
    functionConfig(input, { diffId: DIFF });
    expect(JSON.stringify(input)).toBe(before);
  });

  it("takes options for the directory, entrypoint and time", () => {
    const out = functionConfig(base(), {
      diffId: DIFF,
      workingDir: "/app",
      entrypoint: ["node", "main.js"],
      created: "2026-01-02T03:04:05Z",
    });
    expect(out.config?.WorkingDir).toBe("/app");
    expect(out.config?.Entrypoint).toEqual(["node", "main.js"]);
    expect(out.created).toBe("2026-01-02T03:04:05Z");
    expect(out.history?.at(-1)?.created).toBe("2026-01-02T03:04:05Z");
  });

  it("serialises to the same bytes every time, keeping the base key order", () => {
    const a = serializeConfig(functionConfig(base(), { diffId: DIFF }));
    const b = serializeConfig(functionConfig(base(), { diffId: DIFF }));
    expect(a.equals(b)).toBe(true);
    expect(Object.keys(JSON.parse(a.toString()))).toEqual([
      "architecture",
      "os",
      "variant",
      "created",
      "config",
      "rootfs",
      "history",
    ]);
  });

  it("refuses a diff_id that is not a digest", () => {
    expect(() => functionConfig(base(), { diffId: "abc" })).toThrow(ConfigError);
  });
});

describe("parseConfig", () => {
  it.each([
    ["not json", "{", /not JSON/],
    ["no arch", JSON.stringify({ os: "linux", rootfs: { diff_ids: [] } }), /os\/architecture/],
    ["no rootfs", JSON.stringify({ os: "linux", architecture: "amd64" }), /rootfs.diff_ids/],
    ["null", "null", /not an object/],
  ])("refuses %s", (_name, text, message) => {
    expect(() => parseConfig(Buffer.from(text))).toThrow(message);
  });

  it("reads a valid config", () => {
    expect(parseConfig(serializeConfig(base())).architecture).toBe("arm64");
  });
});

describe("createdFromSourceDateEpoch", () => {
  it.each([
    [undefined, "1970-01-01T00:00:00Z"],
    ["", "1970-01-01T00:00:00Z"],
    ["0", "1970-01-01T00:00:00Z"],
    ["1767225600", "2026-01-01T00:00:00Z"],
  ])("%s → %s", (value, expected) => {
    expect(createdFromSourceDateEpoch(value)).toBe(expected);
  });

  it("refuses a non-number", () => {
    expect(() => createdFromSourceDateEpoch("yesterday")).toThrow(/whole seconds/);
  });
});
