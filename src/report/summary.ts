// The job summary as Markdown. Pure: figures in, text out. All text from the data is escaped, the
// charts' numbers are always also in a table, and the result stays under the 1 MiB step limit.
import {
  abs,
  add,
  compare,
  type Decimal,
  divide,
  formatExact,
  formatFixed,
  multiply,
  parseDecimal,
  subtract,
  ZERO,
} from "../lib/money.js";
import { clip, flatten } from "../lib/text.js";
import { type Anomaly, type AnomalyThresholds, comparedPairs } from "./anomalies.js";
import { previousMonth } from "./months.js";
import { type BudgetOn, forecastOver, type MonthOutlook } from "./outlook.js";
import { type MonthFigures, rankEntries } from "./totals.js";

/** GitHub aborts a step summary over 1024 KiB; stay well under it. */
const SUMMARY_MAX_BYTES = 1_000_000;
const CELL_MAX_CHARS = 120;
const DEFAULT_TOP = 10;

export interface SummaryMonth extends MonthFigures {
  partial: boolean;
  /** The forecast and the unsettled days (outlook.ts), when the month has either. */
  outlook?: MonthOutlook | undefined;
}

interface SummaryInput {
  /** Months written, oldest first. */
  months: SummaryMonth[];
  /** Figures of the month before the first one, used only for its change column. */
  baseline?: MonthFigures | undefined;
  failed: Array<{ month: string; reason: string }>;
  budget?: { amount: Decimal; action: "warn" | "fail" } | undefined;
  /** What the budget gate compares (input budget-on); actual when absent. */
  budgetOn?: BudgetOn | undefined;
  /** The input settle-days, for the freshness note. */
  settleDays?: number | undefined;
  granularity: string;
  queryType: string;
  files: string[];
  /** The group-by tag as namespace.key, when the months carry cost by tag. */
  tag?: string | undefined;
  anomalies?: { items: Anomaly[]; thresholds: AnomalyThresholds } | undefined;
  chart?: boolean;
  topN?: number;
  maxBytes?: number;
}

/** Escape text for a Markdown table cell or line: HTML specials, Markdown specials ($ opens math), newlines. */
export function escapeMarkdown(value: string, maxChars = CELL_MAX_CHARS): string {
  return clip(flatten(value), maxChars)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\|[\]`*_~$]/g, (c) => `\\${c}`);
}

/** Text allowed inside a quoted Mermaid label: letters, digits and a few safe marks. */
export function mermaidLabel(value: string, maxChars = 30): string {
  const text = value
    .replace(/[^\p{L}\p{N} ._/()-]+/gu, " ")
    .replace(/-{2,}/g, "-")
    .replace(/\s+/g, " ")
    .trim();
  return (text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text) || "-";
}

export function money(value: Decimal): string {
  return formatFixed(value, 2);
}

/** Change from `previous` to `current`: absolute and percent (1 decimal); percent empty when previous is 0. */
export function change(current: Decimal, previous: Decimal): { amount: string; percent: string } {
  const diff = subtract(current, previous);
  const ratio = divide(multiply(diff, parseDecimal(100)), abs(previous), 1);
  const sign = compare(diff, ZERO) > 0 ? "+" : "";
  return {
    amount: `${sign}${money(diff)}`,
    percent: ratio === undefined ? "n/a" : `${compare(ratio, ZERO) > 0 ? "+" : ""}${formatFixed(ratio, 1)}%`,
  };
}

interface Matrix {
  /** Row names, ranked by total over all months. */
  names: string[];
  /** values[row][monthIndex] */
  values: Decimal[][];
  totals: Decimal[];
  /** Rows cut from the table, and their summed values per month. */
  others?: { count: number; values: Decimal[]; total: Decimal };
}

function matrix(
  months: SummaryMonth[],
  pick: (m: SummaryMonth) => Array<[string, Decimal]>,
  top: number,
): Matrix {
  const overall = new Map<string, Decimal>();
  const perMonth = months.map((m) => new Map(pick(m)));
  for (const map of perMonth)
    for (const [name, amount] of map) overall.set(name, add(overall.get(name) ?? ZERO, amount));
  const ranked = rankEntries(overall);
  const kept = ranked.slice(0, top);
  const rest = ranked.slice(top);
  const result: Matrix = {
    names: kept.map(([name]) => name),
    values: kept.map(([name]) => perMonth.map((map) => map.get(name) ?? ZERO)),
    totals: kept.map(([, total]) => total),
  };
  if (rest.length > 0) {
    result.others = {
      count: rest.length,
      values: perMonth.map((map) => rest.reduce((acc, [name]) => add(acc, map.get(name) ?? ZERO), ZERO)),
      total: rest.reduce((acc, [, total]) => add(acc, total), ZERO),
    };
  }
  return result;
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

function currencyNote(months: SummaryMonth[]): string {
  const currencies = [...new Set(months.map((m) => m.currency))];
  return currencies.map((c) => escapeMarkdown(c)).join(", ");
}

function matrixSection(
  title: string,
  what: string,
  months: SummaryMonth[],
  data: Matrix,
  extraRows: string[][] = [],
): string[] {
  if (data.names.length === 0 && extraRows.length === 0) return [];
  const header = [what, ...months.map((m) => m.month), "Total"];
  const rows = data.names.map((name, i) => [
    escapeMarkdown(name),
    ...data.values[i]!.map(money),
    money(data.totals[i]!),
  ]);
  if (data.others) {
    rows.push([
      `Other (${data.others.count} more)`,
      ...data.others.values.map(money),
      money(data.others.total),
    ]);
  }
  rows.push(...extraRows);
  return [`### ${title} (${currencyNote(months)})`, "", ...table(header, rows), ""];
}

/** Mermaid charts that read alone: totals per month as bars, the last month's split by service as a pie. */
function chartSection(months: SummaryMonth[], services: Matrix): string[] {
  if (months.length === 0 || services.names.length === 0) return [];
  const currency = mermaidLabel(currencyNote(months).replace(/\\/g, ""));
  const lines: string[] = [];
  if (months.length > 1) {
    const totals = months.map((m) => m.total);
    lines.push(
      "```mermaid",
      "xychart-beta",
      `  title "Total per month (${currency})"`,
      `  x-axis [${months.map((m) => `"${m.month}"`).join(", ")}]`,
      ...yAxis(currency, totals),
      `  bar [${totals.map(money).join(", ")}]`,
      "```",
      "",
      "_The bars are the totals of the table above._",
      "",
    );
  }
  return [...lines, ...pieSection(months, services, currency)];
}

/** The last month's cost by service, one labelled slice per row of the service table (credits left out). */
function pieSection(months: SummaryMonth[], services: Matrix, currency: string): string[] {
  const last = months.length - 1;
  const slices: Array<[string, Decimal]> = services.names.map((name, i) => [
    name,
    services.values[i]![last]!,
  ]);
  if (services.others) slices.push([`Other (${services.others.count} more)`, services.others.values[last]!]);
  const positive = slices.filter(([, amount]) => compare(amount, ZERO) > 0);
  if (positive.length === 0) return [];
  const seen = new Set<string>();
  const rows = positive.map(([name, amount]) => {
    let label = mermaidLabel(name);
    for (let n = 2; seen.has(label); n++) label = `${mermaidLabel(name, 25)} (${n})`;
    seen.add(label);
    return `  "${label}" : ${money(amount)}`;
  });
  const left = slices.length - positive.length;
  return [
    "```mermaid",
    "pie showData",
    // A pie's title is bare text (xychart-beta's is quoted): quotes would be drawn.
    `  title Cost by service, ${months[last]!.month} (${currency})`,
    ...rows,
    "```",
    "",
    `_The slices are the ${months[last]!.month} column of the service table below${left > 0 ? `; ${left} row(s) of zero or negative cost are not drawn` : ""}._`,
    "",
  ];
}

function yAxis(currency: string, numbers: Decimal[]): string[] {
  let low = ZERO;
  let high = ZERO;
  for (const n of numbers) {
    if (compare(n, low) < 0) low = n;
    if (compare(n, high) > 0) high = n;
  }
  if (compare(low, high) === 0) high = add(low, parseDecimal(1));
  return [`  y-axis "${currency}" ${money(low)} --> ${money(high)}`];
}

/** With group-by-tag: cost per tag value and untagged, then each month's allocation coverage. */
function tagSection(input: SummaryInput, top: number): string[] {
  const { months, tag } = input;
  if (!tag || !months.some((m) => m.byTag)) return [];
  const values = matrix(months, (m) => m.byTag?.values ?? [], top);
  const untagged = months.map((m) => m.byTag?.untagged ?? ZERO);
  const untaggedRow = ["_(untagged)_", ...untagged.map(money), money(untagged.reduce(add, ZERO))];
  const label = escapeMarkdown(tag);
  const coverage = months.map((m, i) => {
    const tagged = subtract(m.total, untagged[i]!);
    const share =
      compare(m.total, ZERO) > 0 ? divide(multiply(tagged, parseDecimal(100)), m.total, 1) : undefined;
    return [
      m.month,
      money(tagged),
      money(untagged[i]!),
      share === undefined ? "n/a" : `${formatFixed(share, 1)}%`,
    ];
  });
  return [
    ...matrixSection(`Cost by tag ${label}`, label, months, values, [untaggedRow]),
    `### Allocation coverage by ${label}`,
    "",
    ...table(["Month", "Tagged", "Untagged", "Coverage"], coverage),
    "",
  ];
}

/** Month-over-month anomalies, the largest first within each month, cut to `top` rows. */
function anomaliesSection(input: SummaryInput, top: number): string[] {
  const found = input.anomalies;
  if (!found || input.months.length === 0) return [];
  const { percent, amount } = found.thresholds;
  const limits = `${formatExact(percent)}% and ${formatExact(amount)} ${currencyNote(input.months)}`;
  const lines = [`### Anomalies (changes of at least ${limits} month over month)`, ""];
  if (found.items.length === 0) {
    const compared = comparedPairs(input.months, input.baseline).map(([, m]) => m.month);
    lines.push(
      compared.length > 0
        ? `None in ${compared.join(", ")}: no service or compartment changed that much, and no service appeared or vanished.`
        : "No month could be compared: each needs the month before it, complete and with rows (see compare-previous).",
      "",
    );
    return lines;
  }
  const rows = found.items.slice(0, top).map((a) => {
    const delta = change(a.current, a.previous);
    const cells = [a.month, a.dimension, escapeMarkdown(a.name), a.kind];
    return [...cells, money(a.previous), money(a.current), delta.amount, delta.percent];
  });
  lines.push(
    ...table(["Month", "Dimension", "Name", "Kind", "Previous", "Current", "Change", "Change %"], rows),
    "",
  );
  const more = found.items.length - rows.length;
  if (more > 0) lines.push(`_${more} more: the \`anomalies\` output lists them (up to 100)._`, "");
  return lines;
}

function totalsSection(input: SummaryInput): string[] {
  const known = new Map<string, MonthFigures>();
  if (input.baseline) known.set(input.baseline.month, input.baseline);
  for (const m of input.months) known.set(m.month, m);
  const rows = input.months.map((m) => {
    const prev = known.get(previousMonth(m.month));
    const delta = prev && prev.currency === m.currency ? change(m.total, prev.total) : undefined;
    return [
      m.partial ? `${m.month} (partial)` : m.month,
      money(m.total),
      escapeMarkdown(m.currency),
      delta?.amount ?? "—",
      delta?.percent ?? "—",
      String(m.rows),
    ];
  });
  return [
    "### Total per month",
    "",
    ...table(["Month", "Total", "Currency", "Change vs previous month", "Change %", "Rows"], rows),
    "",
  ];
}

function budgetSection(input: SummaryInput): string[] {
  const budget = input.budget;
  if (!budget || input.months.length === 0) return [];
  const onForecast = input.budgetOn === "forecast";
  const rows = input.months.map((m) => {
    // With budget-on: forecast, a partial month is judged on its forecast month-end, as the gate does.
    const forecast = onForecast ? m.outlook?.forecast : undefined;
    const basis = forecast ? forecast.monthEnd : m.total;
    const used = divide(multiply(basis, parseDecimal(100)), budget.amount, 1);
    const over = compare(basis, budget.amount) > 0;
    const status = forecast
      ? forecastStatus(over, budget.action)
      : !over
        ? "✅ within budget"
        : budget.action === "fail"
          ? "❌ over budget (fails the run)"
          : "⚠️ over budget";
    const total = forecast ? `${money(basis)} (forecast month-end)` : money(basis);
    return [m.month, total, used === undefined ? "n/a" : `${formatFixed(used, 1)}%`, status];
  });
  return [
    `### Budget: ${money(budget.amount)} per month (${budget.action}${onForecast ? ", on the forecast" : ""})`,
    "",
    ...table(["Month", "Total", "Budget used", "Status"], rows),
    "",
  ];
}

function render(input: SummaryInput, top: number, chart: boolean, truncated: boolean): string {
  const lines: string[] = [
    `## OCI usage report: ${escapeMarkdown(input.queryType)}, ${escapeMarkdown(input.granularity)}`,
    "",
  ];
  if (input.failed.length > 0) {
    lines.push(
      `> [!WARNING]`,
      `> ${input.failed.length} month(s) failed; no file was written for them.`,
      "",
      "### Failed months",
      "",
      ...input.failed.map((f) => `- ${escapeMarkdown(f.month)}: ${escapeMarkdown(f.reason, 300)}`),
      "",
    );
  }
  if (input.months.length === 0) {
    lines.push("No month was reported.", "");
  } else {
    const services = matrix(input.months, (m) => m.byService, top);
    const compartments = matrix(input.months, (m) => m.byCompartment, top);
    lines.push(
      ...totalsSection(input),
      ...outlookSection(input),
      ...budgetSection(input),
      ...anomaliesSection(input, top),
    );
    if (chart) lines.push("### Charts", "", ...chartSection(input.months, services));
    lines.push(
      ...matrixSection("Top services", "Service", input.months, services),
      ...matrixSection("Top compartments", "Compartment", input.months, compartments),
      ...tagSection(input, top),
    );
  }
  if (input.files.length > 0) {
    lines.push(
      "<details><summary>Files written</summary>",
      "",
      ...input.files.map((f) => `- ${escapeMarkdown(f, 300)}`),
      "",
      "</details>",
      "",
    );
  }
  if (truncated)
    lines.push(`_Tables cut to ${top} rows to keep the summary under 1 MiB; the files hold every row._`, "");
  return lines.join("\n");
}

/** The summary Markdown, cut down (fewer rows, then no chart, then a hard cut) to fit maxBytes. */
export function buildSummary(input: SummaryInput): string {
  const maxBytes = input.maxBytes ?? SUMMARY_MAX_BYTES;
  let top = input.topN ?? DEFAULT_TOP;
  const chart = input.chart ?? true;
  let text = render(input, top, chart, false);
  while (Buffer.byteLength(text) > maxBytes && top > 1) {
    top = Math.max(1, Math.floor(top / 2));
    text = render(input, top, chart, true);
  }
  if (Buffer.byteLength(text) > maxBytes) text = render(input, top, false, true);
  if (Buffer.byteLength(text) > maxBytes) {
    const note = "\n\n_Summary cut to stay under 1 MiB; see the report files._\n";
    const room = Math.max(0, maxBytes - Buffer.byteLength(note));
    let cut = Buffer.from(text).subarray(0, room).toString("utf8");
    // Drop a possibly split last character and the partial last line.
    cut = cut.replace(/\uFFFD$/, "");
    const lastLine = cut.lastIndexOf("\n");
    text = (lastLine > 0 ? cut.slice(0, lastLine) : "") + note;
  }
  return text;
}

function forecastStatus(over: boolean, action: "warn" | "fail"): string {
  if (!over) return "✅ within budget";
  return action === "fail" ? "❌ forecast over budget (fails the run)" : "⚠️ forecast over budget";
}

/** The forecast month-end of a partial month and the days not yet settled, one row per month with either. */
function outlookSection(input: SummaryInput): string[] {
  const months = input.months.filter((m) => m.outlook?.forecast || m.outlook?.unsettledFrom);
  if (months.length === 0) return [];
  const { budget } = input;
  const gate = budget && input.budgetOn === "forecast" ? budget : undefined;
  const rows = months.map((m) => {
    const f = m.outlook?.forecast;
    const row = [
      m.partial ? `${m.month} (partial)` : m.month,
      money(f ? f.actual : m.total),
      f ? money(f.monthEnd) : "—",
      m.outlook?.unsettledFrom ? `⏳ from ${m.outlook.unsettledFrom}` : "settled",
    ];
    if (gate) row.push(!f ? "—" : forecastStatus(forecastOver(f, gate.amount), gate.action));
    return row;
  });
  const header = ["Month", "Actual so far", "Forecast month-end", "Not yet settled"];
  if (gate) header.push(`Budget ${money(gate.amount)} (on forecast)`);
  return [
    "### Forecast and freshness",
    "",
    ...table(header, rows),
    "",
    `_Forecast month-end: the actual cost so far plus the Usage API's BASIC forecast of the days left. ` +
      `Not yet settled: today and the ${input.settleDays ?? 2} day(s) before it are within the Usage API's data lag ` +
      `and may still change; the next run replaces these files._`,
    "",
  ];
}
