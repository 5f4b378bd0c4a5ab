// The `report` flow: for each month, fetch the pages and stream the rows into the CSV / JSON / FOCUS
// writers (temp file, then rename); then totals, budget, outputs, job summary and the optional commit.
// Every effect is an injected dependency, so the flow runs in tests without a runner, network or git.
import { rmdir } from "node:fs/promises";
import { join, posix } from "node:path";
import * as core from "@actions/core";
import type { AtomicWriteResult } from "../lib/atomic.js";
import { oneLine, UserFacingError } from "../lib/errors.js";
import { compare, formatExact, formatFixed } from "../lib/money.js";
import { realSleep } from "../lib/retry.js";
import { focusColumns, type QueryShape, type RowContext, reportColumns, rowValues } from "./columns.js";
import { type CommitOptions, commitReports } from "./commit.js";
import { CsvWriter } from "./csv.js";
import {
  EndpointClient,
  type EndpointClientOptions,
  type FetchResult,
  type UsagePage,
  type UsageRequest,
} from "./endpoint.js";
import { OUTPUTS, type ReportInputs } from "./inputs.js";
import { JsonReportWriter } from "./json.js";
import { type MonthWindow, previousMonth, windowOf } from "./months.js";
import { buildSummary, type SummaryMonth } from "./summary.js";
import {
  type Clock,
  FatalReportError,
  TokenClient,
  type TokenClientOptions,
  type TokenSource,
} from "./token.js";
import { type MonthFigures, MonthTotals, UNKNOWN_CURRENCY } from "./totals.js";

export interface ReportLogger {
  info(line: string): void;
  warning(line: string): void;
}

export interface UsageSource {
  fetchMonth(body: UsageRequest, onPage: (page: UsagePage) => Promise<void> | void): Promise<FetchResult>;
  close?(): Promise<void>;
}

export interface ReportDeps {
  /** The workspace: output-dir is relative to it, and git runs in it. */
  root: string;
  clock: Clock;
  log: ReportLogger;
  setSecret(value: string): void;
  setOutput(name: string, value: string): void;
  /** Append Markdown to the job summary; a failure here is only a warning. */
  writeSummary?(markdown: string): Promise<void>;
  createTokenClient(options: TokenClientOptions): TokenSource & { close?(): Promise<void> };
  createEndpointClient(options: EndpointClientOptions): UsageSource;
  commit(options: CommitOptions): Promise<string | undefined>;
}

export interface ReportResult {
  /** Files of the months written, relative to root, POSIX separators. */
  files: string[];
  months: SummaryMonth[];
  failed: Array<{ month: string; reason: string }>;
  changed: boolean;
  commitSha: string | undefined;
  markdown: string | undefined;
}

/** A line for the log that the runner cannot read as a workflow command (no line breaks, no leading ::). */
export function safeLogLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").replace(/^(\s*)::/, "$1: :");
}

export function fileBase(inputs: Pick<ReportInputs, "granularity" | "queryType">): string {
  return `usage-${inputs.granularity.toLowerCase()}-${inputs.queryType.toLowerCase()}`;
}

/** The body POSTed for one month. */
export function usageRequest(inputs: ReportInputs, window: MonthWindow): UsageRequest {
  return {
    ...(inputs.tenantId ? { tenantId: inputs.tenantId } : {}),
    granularity: inputs.granularity,
    queryType: inputs.queryType,
    timeUsageStarted: window.start,
    timeUsageEnded: window.end,
    ...(inputs.groupBy.length > 0 ? { groupBy: inputs.groupBy } : {}),
    ...(inputs.groupByTag ? { groupByTag: [inputs.groupByTag] } : {}),
    ...(inputs.compartmentDepth !== undefined ? { compartmentDepth: inputs.compartmentDepth } : {}),
  };
}

interface Sink {
  /** Write one page of items, in order. */
  writePage(items: readonly Record<string, unknown>[]): Promise<void>;
  close(): Promise<AtomicWriteResult>;
  abort(): Promise<void>;
}

function monthsLabel(months: string[]): string {
  if (months.length === 0) return "";
  return months.length === 1 ? months[0]! : `${months[0]}..${months[months.length - 1]}`;
}

export async function runReport(inputs: ReportInputs, deps: ReportDeps): Promise<ReportResult> {
  const { clock } = deps;
  const info = (line: string) => deps.log.info(safeLogLine(line));
  const warn = (line: string) => deps.log.warning(safeLogLine(line));
  const deadline = clock.now() + inputs.timeBudgetMs;

  const token = deps.createTokenClient({
    tokenUrl: inputs.tokenUrl,
    clientId: inputs.clientId,
    clientSecret: inputs.clientSecret,
    scope: inputs.scope,
    setSecret: deps.setSecret,
    clock,
    deadline,
    log: info,
  });
  const endpoint = deps.createEndpointClient({
    endpoint: inputs.endpoint,
    token,
    clock,
    deadline,
    log: info,
  });

  const shape: QueryShape = {
    granularity: inputs.granularity,
    queryType: inputs.queryType,
    groupBy: inputs.groupBy,
    groupByTag: inputs.groupByTag,
  };
  const plainColumns = reportColumns(shape);
  const focus = focusColumns(shape);
  const base = fileBase(inputs);

  const files: string[] = [];
  const totals: Array<{ totals: MonthTotals; window: MonthWindow }> = [];
  const failed: Array<{ month: string; reason: string }> = [];
  let changed = false;
  let fatal: Error | undefined;

  async function reportMonth(window: MonthWindow): Promise<void> {
    const relDir = posix.join(inputs.outputDir, window.month);
    const dir = join(deps.root, relDir);
    const ctx: RowContext = {
      month: window.month,
      billingPeriodStart: window.start,
      billingPeriodEnd: window.periodEnd,
      fallbackCurrency: inputs.currency,
    };
    const body = usageRequest(inputs, window);
    const { tenantId: _omitted, ...query } = body;
    const sinks: Array<{ rel: string; sink: Sink }> = [];
    const month = new MonthTotals(window.month);
    try {
      if (inputs.csv) {
        const rel = posix.join(relDir, `${base}.csv`);
        const csv = await CsvWriter.open(join(deps.root, rel), plainColumns);
        sinks.push({
          rel,
          sink: {
            writePage: (items) => csv.writeEach(items, (item) => rowValues(plainColumns, item, ctx)),
            close: () => csv.close(),
            abort: () => csv.abort(),
          },
        });
      }
      if (inputs.json) {
        const rel = posix.join(relDir, `${base}.json`);
        const json = await JsonReportWriter.open(join(deps.root, rel), {
          month: window.month,
          query,
          groupBy: inputs.groupBy,
        });
        sinks.push({
          rel,
          sink: {
            writePage: (items) => json.writeMany(items),
            close: () => json.close(),
            abort: () => json.abort(),
          },
        });
      }
      if (inputs.focus) {
        const rel = posix.join(relDir, `${base}.focus.csv`);
        const csv = await CsvWriter.open(join(deps.root, rel), focus);
        sinks.push({
          rel,
          sink: {
            writePage: (items) => csv.writeEach(items, (item) => rowValues(focus, item, ctx)),
            close: () => csv.close(),
            abort: () => csv.abort(),
          },
        });
      }
      const fetched = await endpoint.fetchMonth(body, async (page) => {
        for (const item of page.items) month.add(item);
        for (const { sink } of sinks) await sink.writePage(page.items);
      });
      const written: string[] = [];
      while (sinks.length > 0) {
        const { rel, sink } = sinks[0]!;
        const result = await sink.close();
        sinks.shift();
        if (result.changed) changed = true;
        written.push(rel);
      }
      files.push(...written);
      totals.push({ totals: month, window });
      info(
        `month ${window.month}${window.partial ? " (partial: the current month)" : ""}: ${fetched.items} rows in ${fetched.pages} page(s) -> ${written.join(", ")}`,
      );
    } catch (err) {
      for (const { sink } of sinks) await sink.abort().catch(() => {});
      await rmdir(dir).catch(() => {});
      throw err;
    }
  }

  let baseline: MonthFigures | undefined;
  let commitSha: string | undefined;
  let commitError: string | undefined;
  let markdown: string | undefined;
  const currencies = new Set<string>();
  const figures: SummaryMonth[] = [];
  try {
    for (const window of inputs.months) {
      if (fatal) {
        failed.push({ month: window.month, reason: `not attempted after an earlier fatal error` });
        continue;
      }
      try {
        await reportMonth(window);
      } catch (err) {
        const reason = oneLine(err);
        failed.push({ month: window.month, reason });
        warn(`month ${window.month} failed: ${reason}`);
        if (err instanceof FatalReportError) fatal = err;
      }
    }

    // The month before the first one, totals only, for the first month's change column.
    const first = inputs.months[0];
    if (inputs.comparePrevious && !fatal && first && totals.length > 0) {
      const before = windowOf(previousMonth(first.month), new Date(clock.now()));
      try {
        const previous = new MonthTotals(before.month);
        await endpoint.fetchMonth(usageRequest(inputs, before), (page) => {
          for (const item of page.items) previous.add(item);
        });
        baseline = previous.result(inputs.currency);
      } catch (err) {
        warn(
          `could not fetch ${before.month} for the change column (${oneLine(err)}); the first month shows no change`,
        );
      }
    }
  } finally {
    await Promise.all([token.close?.(), endpoint.close?.()].map((p) => p?.catch(() => {})));
  }

  for (const { totals: t } of totals) if (t.detectedCurrency) currencies.add(t.detectedCurrency);
  const runCurrency = inputs.currency ?? [...currencies][0];
  for (const { totals: t, window } of totals) {
    const result = t.result(runCurrency);
    if (result.currencies.length > 1)
      warn(
        `month ${window.month} mixes currencies (${result.currencies.join(", ")}); its total adds them up as they are`,
      );
    figures.push({ ...result, partial: window.partial });
  }
  if (baseline && baseline.currency === UNKNOWN_CURRENCY && runCurrency)
    baseline = { ...baseline, currency: runCurrency };

  // Budget: each month's total against the budget, in the report currency.
  const overBudget: string[] = [];
  if (inputs.budget) {
    for (const m of figures) {
      if (compare(m.total, inputs.budget) > 0) {
        const text = `${m.month} total ${formatFixed(m.total, 2)} ${m.currency} is over the budget of ${formatExact(inputs.budget)}`;
        overBudget.push(text);
        warn(`budget: ${text}`);
      }
    }
  }

  const months = figures.map((m) => m.month);
  if (inputs.commit && files.length > 0) {
    try {
      commitSha = await deps.commit({
        cwd: deps.root,
        paths: files,
        message: inputs.commitMessage.replace(/\{months\}/g, monthsLabel(months)),
        branch: inputs.commitBranch,
        log: info,
      });
      info(commitSha ? `committed and pushed ${commitSha}` : "reports unchanged: no commit");
    } catch (err) {
      commitError = oneLine(err);
      warn(`commit failed: ${commitError}`);
    }
  }

  const last = figures[figures.length - 1];
  deps.setOutput(OUTPUTS.files, JSON.stringify(files));
  deps.setOutput(OUTPUTS.months, JSON.stringify(months));
  deps.setOutput(OUTPUTS.total, last ? formatExact(last.total) : "");
  deps.setOutput(OUTPUTS.currency, last ? last.currency : "");
  deps.setOutput(OUTPUTS.changed, String(changed));
  deps.setOutput(OUTPUTS.commitSha, commitSha ?? "");

  if (inputs.summary) {
    try {
      markdown = buildSummary({
        months: figures,
        baseline,
        failed,
        budget: inputs.budget ? { amount: inputs.budget, action: inputs.budgetAction } : undefined,
        granularity: inputs.granularity,
        queryType: inputs.queryType,
        files,
      });
      if (commitError) markdown += `\n**Commit failed:** the reports were written but not pushed.\n`;
      await deps.writeSummary?.(markdown);
    } catch (err) {
      warn(`could not write the job summary: ${oneLine(err)}`);
    }
  }

  const problems: string[] = [];
  if (failed.length > 0) {
    problems.push(
      `${failed.length} of ${inputs.months.length} month(s) failed: ${failed.map((f) => `${f.month} (${f.reason})`).join("; ")}`,
    );
  }
  if (commitError) problems.push(`commit failed: ${commitError}`);
  if (overBudget.length > 0 && inputs.budgetAction === "fail")
    problems.push(`over budget: ${overBudget.join("; ")}`);
  if (problems.length > 0) throw new UserFacingError(problems.join("; "));

  return { files, months: figures, failed, changed, commitSha, markdown };
}

/** The real dependencies: @actions/core, undici clients, git, the wall clock. */
export function createActionDeps(root = process.env.GITHUB_WORKSPACE || process.cwd()): ReportDeps {
  return {
    root,
    clock: { now: Date.now, sleep: realSleep, random: Math.random },
    log: { info: (line) => core.info(line), warning: (line) => core.warning(line) },
    setSecret: (value) => core.setSecret(value),
    setOutput: (name, value) => core.setOutput(name, value),
    writeSummary: async (markdown) => {
      await core.summary.addRaw(markdown, true).write();
    },
    createTokenClient: (options) => new TokenClient(options),
    // One page ahead: the endpoint works on the next page while this one is written.
    createEndpointClient: (options) => new EndpointClient({ ...options, prefetch: true }),
    commit: commitReports,
  };
}
