// The AIMD controller under scripted outcomes: one more per success up to the cap, half on each 429, never
// below one.
import { describe, expect, it } from "vitest";
import { Aimd } from "../../src/lib/aimd.js";

/** The limit after each outcome of `script` ("." a success, "T" a 429). */
function run(aimd: Aimd, script: string): number[] {
  return [...script].map((step) => {
    if (step === "T") aimd.throttled();
    else aimd.succeeded();
    return aimd.limit;
  });
}

describe("Aimd", () => {
  it("starts at one and grows by one per success up to the cap", () => {
    const aimd = new Aimd(4);
    expect(aimd.limit).toBe(1);
    expect(run(aimd, "......")).toEqual([2, 3, 4, 4, 4, 4]);
  });

  it("halves on a 429, rounding down, and never goes below one", () => {
    const aimd = new Aimd(16, 16);
    expect(run(aimd, "TTTTTT")).toEqual([8, 4, 2, 1, 1, 1]);
  });

  it("follows a scripted sequence of successes and 429s", () => {
    const aimd = new Aimd(8);
    expect(run(aimd, ".......T..T.TT....")).toEqual([2, 3, 4, 5, 6, 7, 8, 4, 5, 6, 3, 4, 2, 1, 2, 3, 4, 5]);
  });

  it("a cap of one stays at one (the sequential path)", () => {
    const aimd = new Aimd(1);
    expect(run(aimd, "..T..")).toEqual([1, 1, 1, 1, 1]);
  });

  it("starts at the cap when asked for more, and refuses a cap that is not a whole number >= 1", () => {
    expect(new Aimd(3, 10).limit).toBe(3);
    expect(() => new Aimd(0)).toThrow("AIMD cap must be a whole number >= 1, got 0");
    expect(() => new Aimd(2.5)).toThrow(RangeError);
  });
});
