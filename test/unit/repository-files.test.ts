// The files GitHub reads from .github/ besides the workflows, which no linter here checks: the issue forms
// (GitHub rejects a form with an unknown element type, a duplicate id or no body, and shows the blank
// template instead), the issue chooser's config, and Dependabot's config (both ecosystems, grouped).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = new URL("../..", import.meta.url).pathname;
const read = (path: string): Record<string, unknown> => parse(readFileSync(join(root, path), "utf8"));
const FORM_TYPES = new Set(["markdown", "textarea", "input", "dropdown", "checkboxes"]);

interface FormElement {
  type: string;
  id?: string;
  attributes?: { label?: string; options?: unknown[] };
}

const forms = readdirSync(join(root, ".github", "ISSUE_TEMPLATE"))
  .filter((f) => f.endsWith(".yml") && f !== "config.yml")
  .map((f) => `.github/ISSUE_TEMPLATE/${f}`);

describe(".github/", () => {
  it("has a bug report and a feature request form", () => {
    expect(forms.sort()).toEqual([
      ".github/ISSUE_TEMPLATE/bug_report.yml",
      ".github/ISSUE_TEMPLATE/feature_request.yml",
    ]);
  });

  it.each(forms)("%s is a valid issue form", (file) => {
    const form = read(file);
    expect(typeof form.name).toBe("string");
    expect(typeof form.description).toBe("string");
    const body = form.body as FormElement[];
    expect(body.length).toBeGreaterThan(1);
    const ids = body.flatMap((element) => (element.id ? [element.id] : []));
    expect(new Set(ids).size).toBe(ids.length);
    for (const element of body) {
      expect(FORM_TYPES).toContain(element.type);
      if (element.type !== "markdown") expect(element.attributes?.label).toBeTruthy();
      if (element.type === "dropdown") expect(element.attributes?.options?.length).toBeGreaterThan(1);
    }
  });

  it("sends security reports to a private advisory, not the issue list", () => {
    const config = read(".github/ISSUE_TEMPLATE/config.yml");
    expect(config.blank_issues_enabled).toBe(false);
    const links = config.contact_links as Array<{ url: string }>;
    expect(links.map((l) => l.url)).toContainEqual(
      expect.stringMatching(/^https:\/\/github\.com\/.+\/security\/advisories\/new$/),
    );
  });

  it("has Dependabot update npm and the pinned actions, grouped", () => {
    const config = read(".github/dependabot.yml");
    expect(config.version).toBe(2);
    const updates = config.updates as Array<{
      "package-ecosystem": string;
      groups?: Record<string, unknown>;
    }>;
    expect(updates.map((u) => u["package-ecosystem"]).sort()).toEqual(["github-actions", "npm"]);
    for (const update of updates) expect(Object.keys(update.groups ?? {}).length).toBeGreaterThan(0);
    expect(Object.keys(updates.find((u) => u["package-ecosystem"] === "npm")!.groups!)).toContain("oci-sdk");
  });
});
