// Exact money: the project's lib/money.ts (safe-integer fast path, BigInt beyond) against big.js, the kept
// decimal library, summing the same JSON amounts as the report does (computedAmount of every row). Both must
// give the same exact total; the figure is the time per amount, medians of repeated runs side by side.
import Big from "big.js";
import { mulberry32 } from "../sandbox/core/random.js";
import { ExactSum, formatExact, parseDecimal, smallDecimalParts } from "../src/lib/money.js";
import { median, round } from "./stats.js";

export interface MoneyBench {
  amounts: number;
  runs: number;
  projectNsPerAmount: number;
  bigJsNsPerAmount: number;
  ratio: number;
  total: string;
}

/** Amounts shaped like the Usage API's: up to 6 decimals, a few large, some negative (credits). */
function amounts(count: number, seed: number): number[] {
  const random = mulberry32(seed);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const scale = 10 ** Math.floor(random() * 7);
    const magnitude = random() < 0.02 ? 1_000_000 : 100;
    const value = Math.round(random() * magnitude * scale) / scale;
    out.push(random() < 0.05 ? -value : value);
  }
  return out;
}

function sumProject(values: readonly number[]): string {
  const total = new ExactSum();
  const parts = { coef: 0, scale: 0 };
  for (const v of values) {
    if (smallDecimalParts(v, parts)) total.addParts(parts.coef, parts.scale);
    else total.addDecimal(parseDecimal(v));
  }
  return formatExact(total.value);
}

function sumBigJs(values: readonly number[]): string {
  let total = new Big(0);
  for (const v of values) total = total.plus(v);
  return total.toFixed();
}

function timeNs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start);
}

export function benchMoney(count = 1_000_000, runs = 7): MoneyBench {
  const values = amounts(count, 7);
  const expected = sumProject(values);
  if (sumBigJs(values) !== expected) throw new Error("big.js and lib/money disagree on the total");
  const project: number[] = [];
  const bigjs: number[] = [];
  for (let i = 0; i < runs; i++) {
    project.push(timeNs(() => sumProject(values)) / count);
    bigjs.push(timeNs(() => sumBigJs(values)) / count);
  }
  const p = median(project);
  const b = median(bigjs);
  return {
    amounts: count,
    runs,
    projectNsPerAmount: round(p),
    bigJsNsPerAmount: round(b),
    ratio: round(b / p, 2),
    total: expected,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(benchMoney());
