// The demo's view of a run: what a runner's log would show of the action's output.
import { describe, expect, it } from "vitest";
import { RunnerConsole } from "../support/action-runner.js";

function view(chunks: ["stdout" | "stderr", string][]): string[] {
  const shown: string[] = [];
  const console = new RunnerConsole((stream, text) => shown.push(`${stream}: ${text}`));
  for (const [stream, chunk] of chunks) console.feed(stream, chunk);
  console.flush();
  return shown;
}

describe("RunnerConsole", () => {
  it("never shows a masked value, in either stream, even when lines arrive in pieces", () => {
    const shown = view([
      ["stdout", "::add-mask::s3cr%25et\n::add-mask::Basic czNjcg==\nhead"],
      ["stdout", "er: Basic czNjcg== and s3cr%et\n"],
      ["stderr", "failed with s3cr%et"],
    ]);
    expect(shown).toEqual(["stdout: header: *** and ***\n", "stderr: failed with ***\n"]);
    expect(shown.join("")).not.toContain("s3cr");
    expect(shown.join("")).not.toContain("czNjcg");
  });

  it("masks a value containing another one whole", () => {
    const shown = view([["stdout", "::add-mask::abc\n::add-mask::xxabcxx\nvalue xxabcxx and abc\n"]]);
    expect(shown).toEqual(["stdout: value *** and ***\n"]);
  });

  it("shows groups, warnings and errors as text, and drops debug lines and group ends", () => {
    const shown = view([
      [
        "stdout",
        "::group::Plan\n::debug::internal\nline\n::endgroup::\n::warning::summary failed%0Asecond\n::error title=x::bad input\n",
      ],
    ]);
    expect(shown).toEqual([
      "stdout: ▸ Plan\n",
      "stdout: line\n",
      "stdout: Warning: summary failed\nsecond\n",
      "stdout: Error: bad input\n",
    ]);
  });
});
