// The `report` flow: for each month, fetch the pages and stream the rows into the CSV / JSON / FOCUS
// writers (temp file, then rename); then totals, budget, outputs, job summary and the optional commit.
// Every effect is an injected dependency, so the flow runs in tests without a runner, network or git.
import { readdir, rmdir } from "node:fs/promises";
import { join, posix } from "node:path";
import * as core from "@actions/core";
import { type AtomicWriteResult, removeStaleTemps } from "../lib/atomic.js";
import type { Clock } from "../lib/clock.js";
import { oneLine, UserFacingError } from "../lib/errors.js";
import type { Masker } from "../lib/mask.js";
import { compare, formatExact, formatFixed } from "../lib/money.js";
import { realSleep } from "../lib/retry.js";
import { runnerLog } from "../lib/runner-log.js";
import { safeLogLine } from "../lib/text.js";
import { type Anomaly, type AnomalyThresholds, anomaliesOutput, findAnomalies } from "./anomalies.js";
import { type Column, type QueryShape, type RowContext, reportColumns, rowValues } from "./columns.js";
import { type CommitOptions, commitReports } from "./commit.js";
import { CsvWriter } from "./csv.js";
import { csvRecords, rowPlan } from "./csv-rows.js";
import {
  type CallOutcome,
  EndpointClient,
  type EndpointClientOptions,
  type FetchResult,
  type UsagePage,
  type UsageRequest,
} from "./endpoint.js";
import { FatalReportError } from "./errors.js";
import { focusColumns, focusGroupBy } from "./focus.js";
import { GithubTokenSource } from "./github-token.js";
import { OUTPUTS, type ReportInputs } from "./inputs.js";
import { JsonReportWriter } from "./json.js";
import { type MonthWindow, previousMonth, windowOf } from "./months.js";
import {
  budgetedTotal,
  commitNote,
  ForecastTotals,
  forecastOutput,
  forecastRequest,
  type MonthOutlook,
  outlookHeader,
  unsettledFrom,
} from "./outlook.js";
import { type PagedSource, ParallelUsageSource } from "./parallel.js";
import { buildSummary, type SummaryMonth } from "./summary.js";
import { TokenClient, type TokenSource, type TokenSourceOptions } from "./token.js";
import { type MonthFigures, MonthTotals, UNKNOWN_CURRENCY } from "./totals.js";

interface ReportLogger {
  info(line: string): void;
  warning(line: string): void;
  /** A collapsible section of the log (core.group in the action), as the deploy command has. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

interface UsageSource {
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
  /** The bearer's source: IDCS client credentials, or the job's GitHub OIDC token (`auth`). */
  createTokenClient(options: TokenSourceOptions): TokenSource & { close?(): Promise<void> };
  createEndpointClient(options: EndpointClientOptions): PagedSource;
  commit(options: CommitOptions): Promise<string | undefined>;
}

interface ReportResult {
  /** Files of the months written, relative to root, POSIX separators. */
  files: string[];
  months: SummaryMonth[];
  failed: Array<{ month: string; reason: string }>;
  changed: boolean;
  commitSha: string | undefined;
  markdown: string | undefined;
}

export function fileBase(inputs: Pick<ReportInputs, "granularity" | "queryType">): string {
  return `usage-${inputs.granularity.toLowerCase()}-${inputs.queryType.toLowerCase()}`;
}

/** The body POSTed for one month. */
function usageRequest(inputs: ReportInputs, window: MonthWindow): UsageRequest {
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

/** The FOCUS file's own body: the month's query grouped by the dimensions FOCUS needs (focus.ts). */
function focusRequest(inputs: ReportInputs, body: UsageRequest): UsageRequest {
  return { ...body, groupBy: focusGroupBy(inputs.groupBy) };
}

interface Sink {
  /** Write one page of items, in order (from its canonicalJson texts or its scanned rows when it has them). */
  writePage(page: Pick<UsagePage, "items" | "canonical" | "rows">): Promise<void>;
  close(): Promise<AtomicWriteResult>;
  abort(): Promise<void>;
}

/** A sink and its file, relative to root. */
interface NamedSink {
  rel: string;
  sink: Sink;
  /** The FOCUS file, fed by its own query rather than the report's. */
  focus: boolean;
}

/** What every step of one run works with. Log lines go through `info`/`warn`, made safe for the runner. */
interface Run {
  inputs: ReportInputs;
  deps: ReportDeps;
  info(line: string): void;
  warn(line: string): void;
  /** No attempt (token, page, retry) starts after this time. */
  deadline: number;
  plainColumns: Column[];
  focusColumns: Column[];
}

interface Clients {
  token: TokenSource & { close?(): Promise<void> };
  endpoint: UsageSource;
}

type MonthFailure = { month: string; reason: string };

/** What fetching the months left: the files written, each reported month's totals, the failures. */
interface Fetched {
  files: string[];
  reported: Array<{ totals: MonthTotals; window: MonthWindow; outlook: MonthOutlook }>;
  failed: MonthFailure[];
  /** A report file's content changed. */
  changed: boolean;
  /** A fatal error stopped the run; the months after it were not attempted. */
  fatal: boolean;
}

interface CommitOutcome {
  sha?: string | undefined;
  /** One line, when the commit failed (the reports were still written). */
  error?: string | undefined;
}

function monthsLabel(months: string[]): string {
  if (months.length === 0) return "";
  return months.length === 1 ? months[0]! : `${months[0]}..${months[months.length - 1]}`;
}

/**
 * The `report` command, step by step: fetch every month into its files (and the month before, for the
 * change column), work out the figures, check the budget, commit, set the outputs, write the summary, and
 * fail in one line if a month, the commit or (with budget-action: fail) the budget failed.
 */
export async function runReport(inputs: ReportInputs, deps: ReportDeps): Promise<ReportResult> {
  const run = startRun(inputs, deps);
  const fetched = await deps.log.group("Fetch the usage reports", () => fetchReports(run));
  const { figures, baseline } = monthFigures(run, fetched);
  const overBudget = checkBudget(run, figures);
  const anomalies = findAnomalies(figures, baseline, thresholdsOf(inputs));
  const commit = await commitFiles(run, fetched.files, figures);
  setOutputs(run, fetched, { figures, anomalies }, commit);
  const markdown = await writeSummary(run, fetched, { figures, baseline, anomalies }, commit);
  failIfProblems(inputs, fetched.failed, commit, overBudget);
  const { files, failed, changed } = fetched;
  return { files, months: figures, failed, changed, commitSha: commit.sha, markdown };
}

function startRun(inputs: ReportInputs, deps: ReportDeps): Run {
  const shape: QueryShape = {
    granularity: inputs.granularity,
    queryType: inputs.queryType,
    groupBy: inputs.groupBy,
    groupByTag: inputs.groupByTag,
  };
  return {
    inputs,
    deps,
    info: (line) => deps.log.info(safeLogLine(line)),
    warn: (line) => deps.log.warning(safeLogLine(line)),
    deadline: deps.clock.now() + inputs.timeBudgetMs,
    plainColumns: reportColumns(shape),
    focusColumns: focusColumns(shape, inputs.focusVersion),
  };
}

function openClients(run: Run): Clients {
  const { inputs, deps, deadline } = run;
  const { clock } = deps;
  const token = deps.createTokenClient({
    auth: inputs.auth,
    setSecret: deps.setSecret,
    clock,
    deadline,
    log: run.info,
  });
  let observe: ((outcome: CallOutcome) => void) | undefined;
  const client = deps.createEndpointClient({
    endpoint: inputs.endpoint,
    token,
    clock,
    deadline,
    log: run.info,
    onCall: (outcome) => observe?.(outcome),
  });
  if (inputs.maxConcurrency <= 1) return { token, endpoint: client };
  const parallel = new ParallelUsageSource(client, inputs.maxConcurrency, run.info);
  observe = parallel.observe;
  return { token, endpoint: parallel };
}

/** Every month's reports, then the month before the first one for the change column; the clients closed. */
async function fetchReports(run: Run): Promise<Fetched & { baseline: MonthFigures | undefined }> {
  await sweepStaleTemps(run);
  const { token, endpoint } = openClients(run);
  try {
    const fetched = await reportMonths(run, endpoint);
    return { ...fetched, baseline: await fetchBaseline(run, endpoint, fetched) };
  } finally {
    await Promise.all([token.close?.(), endpoint.close?.()].map((p) => p?.catch(() => {})));
  }
}

/** A report file's name (any granularity and query type), as fileBase and openSinks make it. */
const REPORT_FILE = /^usage-[a-z]+-[a-z]+\.(csv|json|focus\.csv)$/;

/**
 * The temp files a killed earlier run left in output-dir's month folders (hidden, so neither the commit
 * step nor an artifact upload takes them), deleted before this run writes; a folder left empty goes too.
 */
async function sweepStaleTemps(run: Run): Promise<void> {
  const dir = join(run.deps.root, run.inputs.outputDir);
  const months = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const month of months.filter((name) => /^\d{4}-\d{2}$/.test(name))) {
    const folder = join(dir, month);
    const gone = await removeStaleTemps(folder, (name) => REPORT_FILE.test(name));
    if (gone.length === 0) continue;
    removed += gone.length;
    await rmdir(folder).catch(() => {});
  }
  if (removed > 0) run.info(`removed ${removed} temp file(s) that an interrupted earlier run left`);
}

/** Each month in turn; a failed month is recorded and the next one tried, unless the failure was fatal. */
async function reportMonths(run: Run, endpoint: UsageSource): Promise<Fetched> {
  const fetched: Fetched = { files: [], reported: [], failed: [], changed: false, fatal: false };
  for (const window of run.inputs.months) {
    if (fetched.fatal) {
      fetched.failed.push({ month: window.month, reason: `not attempted after an earlier fatal error` });
      continue;
    }
    try {
      await reportMonth(run, endpoint, window, fetched);
    } catch (err) {
      const reason = oneLine(err);
      fetched.failed.push({ month: window.month, reason });
      // A fatal error (a refused client secret, say) is the run's one error line; a month warning would say
      // it twice. A month that fails alone is warned about now, while the next months are fetched.
      if (err instanceof FatalReportError) fetched.fatal = true;
      else run.warn(`month ${window.month} failed: ${reason}`);
    }
  }
  return fetched;
}

/** One month: its pages streamed into every sink, then the files moved into place; on failure, none. */
async function reportMonth(
  run: Run,
  endpoint: UsageSource,
  window: MonthWindow,
  fetched: Fetched,
): Promise<void> {
  const body = usageRequest(run.inputs, window);
  const month = new MonthTotals(window.month, run.inputs.groupByTag);
  const sinks: NamedSink[] = [];
  try {
    const outlook = await monthOutlook(run, endpoint, body, window);
    await openSinks(run, window, body, outlook, sinks);
    const result = await endpoint.fetchMonth(body, async (page) => {
      month.addPage(page);
      for (const { sink, focus } of sinks) if (!focus) await sink.writePage(page);
    });
    await fetchFocus(run, endpoint, body, sinks);
    const written = await closeSinks(sinks, fetched);
    fetched.files.push(...written);
    fetched.reported.push({ totals: month, window, outlook });
    run.info(
      `month ${window.month}${window.partial ? " (partial: the current month)" : ""}: ${result.items} rows in ${result.pages} page(s) -> ${written.join(", ")}`,
    );
  } catch (err) {
    for (const { sink } of sinks) await sink.abort().catch(() => {});
    await rmdir(join(run.deps.root, run.inputs.outputDir, window.month)).catch(() => {});
    throw err;
  }
}

/** The month's forecast (partial months) and first unsettled day; a failed forecast is only a warning. */
async function monthOutlook(
  run: Run,
  endpoint: UsageSource,
  body: UsageRequest,
  window: MonthWindow,
): Promise<MonthOutlook> {
  const outlook: MonthOutlook = {
    unsettledFrom: unsettledFrom(window, new Date(run.deps.clock.now()), run.inputs.settleDays),
  };
  const request = forecastRequest(body, window);
  if (!request) return outlook;
  try {
    const totals = new ForecastTotals(window.month);
    await endpoint.fetchMonth(request, (page) => {
      for (const item of page.items) totals.add(item);
    });
    outlook.forecast = totals.result(window);
  } catch (err) {
    run.warn(`could not fetch the forecast of ${window.month} (${oneLine(err)}); the summary shows none`);
  }
  return outlook;
}

/** The FOCUS query's pages, streamed into the FOCUS sink alone (the month's totals come from the report's). */
async function fetchFocus(
  run: Run,
  endpoint: UsageSource,
  body: UsageRequest,
  sinks: NamedSink[],
): Promise<void> {
  const focus = sinks.filter((s) => s.focus);
  if (focus.length === 0) return;
  await endpoint.fetchMonth(focusRequest(run.inputs, body), async (page) => {
    for (const { sink } of focus) await sink.writePage(page);
  });
}

/** The month's CSV, JSON and FOCUS writers the inputs ask for, pushed onto `into` as each opens. */
async function openSinks(
  run: Run,
  window: MonthWindow,
  body: UsageRequest,
  outlook: MonthOutlook,
  into: NamedSink[],
): Promise<void> {
  const { inputs, deps } = run;
  const ctx: RowContext = {
    month: window.month,
    billingPeriodStart: window.start,
    billingPeriodEnd: window.periodEnd,
    fallbackCurrency: inputs.currency,
    tenantId: inputs.tenantId,
  };
  const { tenantId: _omitted, ...query } = body;
  const kinds: Array<[wanted: boolean, suffix: string, open: (path: string) => Promise<Sink>]> = [
    [inputs.csv, ".csv", (path) => csvSink(path, run.plainColumns, ctx)],
    [
      inputs.json,
      ".json",
      (path) =>
        jsonSink(path, {
          month: window.month,
          query,
          groupBy: inputs.groupBy,
          outlook: outlookHeader(outlook),
        }),
    ],
    [inputs.focus, ".focus.csv", (path) => csvSink(path, run.focusColumns, ctx)],
  ];
  const relDir = posix.join(inputs.outputDir, window.month);
  for (const [wanted, suffix, open] of kinds) {
    if (!wanted) continue;
    const rel = posix.join(relDir, `${fileBase(inputs)}${suffix}`);
    into.push({ rel, sink: await open(join(deps.root, rel)), focus: suffix === ".focus.csv" });
  }
}

async function csvSink(path: string, columns: Column[], ctx: RowContext): Promise<Sink> {
  const csv = await CsvWriter.open(path, columns);
  const plan = rowPlan(columns, ctx);
  return {
    // `page.items` is read only when needed: reading it makes the items of a scanned page.
    writePage: (page) => {
      const rows = page.rows;
      return plan !== undefined && rows?.bytes !== undefined
        ? csv.writeBytes((scratch) => csvRecords(rows, plan, scratch))
        : csv.writeEach(page.items, (item) => rowValues(columns, item, ctx));
    },
    close: () => csv.close(),
    abort: () => csv.abort(),
  };
}

async function jsonSink(path: string, header: Parameters<typeof JsonReportWriter.open>[1]): Promise<Sink> {
  const json = await JsonReportWriter.open(path, header);
  return {
    writePage: (page) => {
      if (page.rows !== undefined) return json.writeRows(page.rows);
      const { canonical } = page;
      return canonical === undefined
        ? json.writeMany(page.items)
        : json.writeCanonical(canonical, page.items.length);
    },
    close: () => json.close(),
    abort: () => json.abort(),
  };
}

/** Close the sinks in order; a closed sink leaves the list, so that a later failure aborts only the rest. */
async function closeSinks(sinks: NamedSink[], fetched: Fetched): Promise<string[]> {
  const written: string[] = [];
  while (sinks.length > 0) {
    const { rel, sink } = sinks[0]!;
    const result = await sink.close();
    sinks.shift();
    if (result.changed) fetched.changed = true;
    written.push(rel);
  }
  return written;
}

/** The month before the first one, totals only, for the first month's change column. */
async function fetchBaseline(
  run: Run,
  endpoint: UsageSource,
  fetched: Fetched,
): Promise<MonthFigures | undefined> {
  const { inputs, deps } = run;
  const first = inputs.months[0];
  if (!inputs.comparePrevious || fetched.fatal || !first || fetched.reported.length === 0) return undefined;
  const before = windowOf(previousMonth(first.month), new Date(deps.clock.now()));
  try {
    const previous = new MonthTotals(before.month);
    await endpoint.fetchMonth(usageRequest(inputs, before), (page) => {
      previous.addPage(page);
    });
    return previous.result(inputs.currency);
  } catch (err) {
    run.warn(
      `could not fetch ${before.month} for the change column (${oneLine(err)}); the first month shows no change`,
    );
    return undefined;
  }
}

/** Each month's figures in the run's currency (the input, else the first the rows carried). */
function monthFigures(
  run: Run,
  fetched: Fetched & { baseline: MonthFigures | undefined },
): { figures: SummaryMonth[]; baseline: MonthFigures | undefined } {
  const currencies = new Set<string>();
  for (const { totals } of fetched.reported)
    if (totals.detectedCurrency) currencies.add(totals.detectedCurrency);
  const runCurrency = run.inputs.currency ?? [...currencies][0];
  const figures = fetched.reported.map(({ totals, window, outlook }): SummaryMonth => {
    const result = totals.result(runCurrency);
    if (result.currencies.length > 1)
      run.warn(
        `month ${window.month} mixes currencies (${result.currencies.join(", ")}); its total adds them up as they are`,
      );
    return { ...result, partial: window.partial, ...(hasOutlook(outlook) ? { outlook } : {}) };
  });
  let { baseline } = fetched;
  if (baseline && baseline.currency === UNKNOWN_CURRENCY && runCurrency)
    baseline = { ...baseline, currency: runCurrency };
  return { figures, baseline };
}

function hasOutlook(outlook: MonthOutlook): boolean {
  return outlook.forecast !== undefined || outlook.unsettledFrom !== undefined;
}

/**
 * Each month's total (with budget-on: forecast, a partial month's forecast month-end) against the budget,
 * in the report currency: one line per month over it.
 */
function checkBudget(run: Run, figures: SummaryMonth[]): string[] {
  const { budget, budgetOn } = run.inputs;
  if (!budget) return [];
  const overBudget: string[] = [];
  for (const m of figures) {
    const { amount, forecast } = budgetedTotal(m, budgetOn);
    if (compare(amount, budget) > 0) {
      const what = forecast ? "forecast month-end total" : "total";
      const text = `${m.month} ${what} ${formatFixed(amount, 2)} ${m.currency} is over the budget of ${formatExact(budget)}`;
      overBudget.push(text);
      run.warn(`budget: ${text}`);
    }
  }
  return overBudget;
}

async function commitFiles(run: Run, files: string[], figures: SummaryMonth[]): Promise<CommitOutcome> {
  const { inputs, deps } = run;
  if (!inputs.commit || files.length === 0) return {};
  return deps.log.group("Commit the reports", async () => {
    try {
      const sha = await deps.commit({
        cwd: deps.root,
        paths: files,
        message:
          inputs.commitMessage.replace(/\{months\}/g, monthsLabel(figures.map((m) => m.month))) +
          commitNote(figures),
        branch: inputs.commitBranch,
        log: run.info,
      });
      run.info(sha ? `committed and pushed ${sha}` : "reports unchanged: no commit");
      return { sha };
    } catch (err) {
      const error = oneLine(err);
      run.warn(`commit failed: ${error}`);
      return { error };
    }
  });
}

function thresholdsOf(inputs: ReportInputs): AnomalyThresholds {
  return { percent: inputs.anomalyPercent, amount: inputs.anomalyAmount };
}

/** What the figures of the months say: each month's totals, the month before, the anomalies between them. */
interface Insight {
  figures: SummaryMonth[];
  baseline?: MonthFigures | undefined;
  anomalies: Anomaly[];
}

function setOutputs(run: Run, fetched: Fetched, insight: Insight, commit: CommitOutcome): void {
  const { deps, inputs } = run;
  const { figures, anomalies } = insight;
  const last = figures[figures.length - 1];
  deps.setOutput(OUTPUTS.files, JSON.stringify(fetched.files));
  deps.setOutput(OUTPUTS.months, JSON.stringify(figures.map((m) => m.month)));
  deps.setOutput(OUTPUTS.total, last ? formatExact(last.total) : "");
  deps.setOutput(OUTPUTS.currency, last ? last.currency : "");
  deps.setOutput(OUTPUTS.changed, String(fetched.changed));
  deps.setOutput(OUTPUTS.commitSha, commit.sha ?? "");
  deps.setOutput(OUTPUTS.anomalies, anomaliesOutput(anomalies, thresholdsOf(inputs), last?.currency ?? ""));
  deps.setOutput(OUTPUTS.forecast, forecastOutput(figures));
}

/** The job summary's Markdown (when the inputs ask for one), written; a failure here is only a warning. */
async function writeSummary(
  run: Run,
  fetched: Fetched,
  { figures, baseline, anomalies }: Insight,
  commit: CommitOutcome,
): Promise<string | undefined> {
  const { inputs, deps } = run;
  if (!inputs.summary) return undefined;
  let markdown: string | undefined;
  try {
    markdown = buildSummary({
      months: figures,
      baseline,
      failed: fetched.failed,
      budget: inputs.budget ? { amount: inputs.budget, action: inputs.budgetAction } : undefined,
      budgetOn: inputs.budgetOn,
      settleDays: inputs.settleDays,
      granularity: inputs.granularity,
      queryType: inputs.queryType,
      files: fetched.files,
      tag: inputs.groupByTag ? `${inputs.groupByTag.namespace}.${inputs.groupByTag.key}` : undefined,
      anomalies: { items: anomalies, thresholds: thresholdsOf(inputs) },
    });
    if (commit.error) markdown += `\n**Commit failed:** the reports were written but not pushed.\n`;
    await deps.writeSummary?.(markdown);
  } catch (err) {
    run.warn(`could not write the job summary: ${oneLine(err)}`);
  }
  return markdown;
}

/** Failed months, a failed commit and (with budget-action: fail) months over budget end the run in one line. */
function failIfProblems(
  inputs: ReportInputs,
  failed: MonthFailure[],
  commit: CommitOutcome,
  overBudget: string[],
): void {
  const problems: string[] = [];
  if (failed.length > 0) {
    problems.push(
      `${failed.length} of ${inputs.months.length} month(s) failed: ${failed.map((f) => `${f.month} (${f.reason})`).join("; ")}`,
    );
  }
  if (commit.error) problems.push(`commit failed: ${commit.error}`);
  if (overBudget.length > 0 && inputs.budgetAction === "fail")
    problems.push(`over budget: ${overBudget.join("; ")}`);
  if (problems.length > 0) throw new UserFacingError(problems.join("; "));
}

/**
 * The action's clock: the wall clock, shifted to USAGE_API_ACTION_TEST_NOW (an ISO time) when that is set,
 * so that tests of the built action can run "in" a partial month. Time still flows from there.
 */
export function actionNow(env: NodeJS.ProcessEnv = process.env): () => number {
  const fixed = env.USAGE_API_ACTION_TEST_NOW;
  if (!fixed) return Date.now;
  const at = Date.parse(fixed);
  if (!Number.isFinite(at))
    throw new UserFacingError(
      `USAGE_API_ACTION_TEST_NOW '${oneLine(fixed).slice(0, 40)}' is not an ISO time such as 2025-05-20T10:00:00Z; unset it`,
    );
  const offset = at - Date.now();
  return () => Date.now() + offset;
}

/**
 * The real dependencies: @actions/core, undici clients, git, the wall clock. `mask` is the action's one
 * masker (main.ts hands the same one to both commands).
 */
export function createActionDeps(
  mask: Masker,
  root = process.env.GITHUB_WORKSPACE || process.cwd(),
): ReportDeps {
  return {
    root,
    clock: { now: actionNow(), sleep: realSleep, random: Math.random },
    log: runnerLog,
    // The token client derives the forms of what it masks; each is registered once across the run.
    setSecret: (value) => mask.exact(value),
    setOutput: (name, value) => core.setOutput(name, value),
    writeSummary: async (markdown) => {
      // Outside a runner (a bare `node dist/index.js`) there is no summary file to write to.
      if (!process.env.GITHUB_STEP_SUMMARY) return;
      await core.summary.addRaw(markdown, true).write();
    },
    createTokenClient: ({ auth, ...options }) =>
      auth.kind === "github-oidc"
        ? new GithubTokenSource({
            audience: auth.audience,
            clock: options.clock,
            setSecret: options.setSecret,
            log: options.log,
          })
        : new TokenClient({ ...options, ...auth }),
    // One page ahead: the endpoint works on the next page while this one is written.
    createEndpointClient: (options) => new EndpointClient({ ...options, prefetch: true }),
    commit: commitReports,
  };
}
