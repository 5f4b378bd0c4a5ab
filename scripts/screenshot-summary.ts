// Renders a job summary (default: the demo's .demo/report-summary.md) the way GitHub shows it: Markdown to
// HTML with GitHub's own stylesheet, the Mermaid charts drawn, in headless Chromium; saves a PNG of the page
// (default docs/report-summary.png, the README's picture). Run `npm run demo` first.
//   npx tsx scripts/screenshot-summary.ts [summary.md] [out.png]
// Chromium: `apt-get install -y chromium` (CHROMIUM_PATH picks another binary). Not run in CI.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { marked } from "marked";
import { chromium } from "playwright-core";

const root = join(import.meta.dirname, "..");
const require = createRequire(import.meta.url);
const [
  summaryFile = join(root, ".demo", "report-summary.md"),
  outFile = join(root, "docs", "report-summary.png"),
] = process.argv.slice(2);

/** Chromium's flags for a quiet, offline, sandbox-less headless run (a container as root). */
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The summary as GitHub's page body: its Markdown rendered, each ```mermaid block left for Mermaid to draw. */
function summaryHtml(markdown: string, css: string): string {
  const renderer = new marked.Renderer();
  const code = renderer.code.bind(renderer);
  renderer.code = (token) =>
    token.lang === "mermaid" ? `<pre class="mermaid">${escapeHtml(token.text)}</pre>` : code(token);
  const body = marked.parse(markdown, { gfm: true, renderer, async: false });
  return `<!doctype html><html><head><meta charset="utf-8"><style>${css}
  body { margin: 0; background: #fff; }
  .markdown-body { box-sizing: border-box; width: 980px; padding: 32px; }
  pre.mermaid { background: #fff; text-align: center; }
  </style></head><body><article class="markdown-body">${body}</article></body></html>`;
}

async function main(): Promise<void> {
  const markdown = await readFile(summaryFile, "utf8");
  const css = await readFile(require.resolve("github-markdown-css/github-markdown-light.css"), "utf8");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: CHROMIUM_FLAGS,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 980, height: 800 }, deviceScaleFactor: 1 });
    await page.setContent(summaryHtml(markdown, css));
    await page.addScriptTag({ path: require.resolve("mermaid/dist/mermaid.min.js") });
    await page.evaluate(async () => {
      const mermaid = (
        globalThis as unknown as { mermaid: { initialize(o: object): void; run(): Promise<void> } }
      ).mermaid;
      mermaid.initialize({ startOnLoad: false, theme: "default" });
      await mermaid.run();
    });
    await page.locator("article").screenshot({ path: outFile });
    process.stdout.write(`wrote ${outFile}\n`);
  } finally {
    await browser.close();
  }
}

await main();
