// Exact decimal arithmetic for money. Amounts arrive as JSON numbers (already doubles) or strings; a
// double is read through its shortest round-trip text (String(n)), which is the decimal the sender
// wrote, so 0.1 stays 0.1 and ten of them sum to exactly 1. Values are BigInt coefficients with a
// decimal scale: value = coef / 10^scale. Never sum floats.

export interface Decimal {
  readonly coef: bigint;
  /** Digits after the decimal point (>= 0). Normalised: no trailing zero digit when scale > 0. */
  readonly scale: number;
}

export const ZERO: Decimal = Object.freeze({ coef: 0n, scale: 0 });

/** Exponents beyond this are refused: no real amount needs them and they would build huge BigInts. */
const MAX_EXPONENT = 400;
const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const POW10: bigint[] = [];

function pow10(n: number): bigint {
  if (n < 64) {
    let cached = POW10[n];
    if (cached === undefined) {
      cached = 10n ** BigInt(n);
      POW10[n] = cached;
    }
    return cached;
  }
  return 10n ** BigInt(n);
}

function normalize(coef: bigint, scale: number): Decimal {
  if (coef === 0n) return ZERO;
  while (scale > 0 && coef % 10n === 0n) {
    coef /= 10n;
    scale--;
  }
  return { coef, scale };
}

/**
 * Parse a JSON number or a decimal string ("12.50", "-3", "1e-7", "1.5E+3") exactly.
 * Throws RangeError on NaN, Infinity, empty or malformed text.
 */
export function parseDecimal(value: number | string): Decimal {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
    text = String(value);
  } else if (typeof value === "string") {
    text = value.trim();
  } else {
    throw new TypeError(`not a number or decimal string: ${typeof value}`);
  }
  const m = DECIMAL_TEXT.exec(text);
  const intPart = m?.[2] ?? "";
  const fracPart = m?.[3] ?? "";
  if (!m || (intPart === "" && fracPart === "")) {
    throw new RangeError(`not a decimal number: '${text.length > 40 ? `${text.slice(0, 40)}…` : text}'`);
  }
  const exponent = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > MAX_EXPONENT) {
    throw new RangeError(`exponent out of range: '${text}'`);
  }
  let coef = BigInt(`${intPart}${fracPart}` || "0");
  if (m[1] === "-") coef = -coef;
  let scale = fracPart.length - exponent;
  if (scale < 0) {
    coef *= pow10(-scale);
    scale = 0;
  }
  return normalize(coef, scale);
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  if (a.scale === b.scale) return [a.coef, b.coef, a.scale];
  if (a.scale > b.scale) return [a.coef, b.coef * pow10(a.scale - b.scale), a.scale];
  return [a.coef * pow10(b.scale - a.scale), b.coef, b.scale];
}

export function add(a: Decimal, b: Decimal): Decimal {
  if (b.coef === 0n) return a;
  if (a.coef === 0n) return b;
  const [x, y, scale] = align(a, b);
  return normalize(x + y, scale);
}

function negate(a: Decimal): Decimal {
  return a.coef === 0n ? ZERO : { coef: -a.coef, scale: a.scale };
}

export function subtract(a: Decimal, b: Decimal): Decimal {
  return add(a, negate(b));
}

export function multiply(a: Decimal, b: Decimal): Decimal {
  return normalize(a.coef * b.coef, a.scale + b.scale);
}

export function abs(a: Decimal): Decimal {
  return a.coef < 0n ? negate(a) : a;
}

/** -1, 0 or 1. */
export function compare(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function digitsWithPoint(absCoef: bigint, scale: number): string {
  const digits = absCoef.toString();
  if (scale === 0) return digits;
  const padded = digits.padStart(scale + 1, "0");
  return `${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
}

/** The exact value as plain decimal text: no exponent, no trailing zeros ("-0.0000001", "12.5", "0"). */
export function formatExact(a: Decimal): string {
  const sign = a.coef < 0n ? "-" : "";
  return sign + digitsWithPoint(a.coef < 0n ? -a.coef : a.coef, a.scale);
}

/** Divide an absolute coefficient by 10^drop, rounding half away from zero ("half-up" on magnitudes). */
function roundAbs(absCoef: bigint, drop: number): bigint {
  const factor = pow10(drop);
  const quotient = absCoef / factor;
  const remainder = absCoef % factor;
  return remainder * 2n >= factor ? quotient + 1n : quotient;
}

/**
 * Fixed-point text with exactly `decimals` digits after the point, rounded half away from zero
 * (2.345 -> "2.35", -2.345 -> "-2.35"); a value that rounds to zero prints without a sign.
 */
export function formatFixed(a: Decimal, decimals: number): string {
  if (!Number.isInteger(decimals) || decimals < 0) throw new RangeError(`bad decimals: ${decimals}`);
  const negative = a.coef < 0n;
  let absCoef = negative ? -a.coef : a.coef;
  if (a.scale > decimals) absCoef = roundAbs(absCoef, a.scale - decimals);
  else absCoef *= pow10(decimals - a.scale);
  const text = digitsWithPoint(absCoef, decimals);
  return negative && absCoef !== 0n ? `-${text}` : text;
}

/** a / b rounded half away from zero to `decimals` places; undefined when b is zero. */
export function divide(a: Decimal, b: Decimal, decimals: number): Decimal | undefined {
  if (b.coef === 0n) return undefined;
  const numerator = a.coef * pow10(b.scale + decimals + 1);
  const denominator = b.coef * pow10(a.scale);
  // One extra digit, then round it away: exact half-up without fractions.
  let q = numerator / denominator;
  const negative = q < 0n;
  if (negative) q = -q;
  q = roundAbs(q, 1);
  return normalize(negative ? -q : q, decimals);
}

/** For charts and logs only: never for sums. */
export function toNumber(a: Decimal): number {
  return Number(formatExact(a));
}

export function sum(values: Iterable<Decimal>): Decimal {
  let total = ZERO;
  for (const v of values) total = add(total, v);
  return total;
}

/** A normalised Decimal from a safe integer coefficient and a scale. */
function fromSafeInteger(coef: number, scale: number): Decimal {
  return coef === 0 ? ZERO : normalize(BigInt(coef), scale);
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const POW10_NUMBER = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * The exact decimal parts of a JSON number when they fit in a safe integer: its shortest round-trip text
 * (as parseDecimal reads it) without exponent and with at most 15 digits. Written to `out`; false when the
 * number needs parseDecimal.
 */
export function smallDecimalParts(value: number, out: { coef: number; scale: number }): boolean {
  if (!Number.isFinite(value)) return false;
  if (Number.isInteger(value)) {
    if (Math.abs(value) > MAX_SAFE) return false;
    out.coef = value === 0 ? 0 : value; // -0 counts as 0
    out.scale = 0;
    return true;
  }
  const text = String(value);
  const dot = text.indexOf(".");
  // No exponent ("1e-7") and no more than 15 digits: the digits without the point are an exact integer.
  if (dot < 0 || text.length > 17 || text.includes("e")) return false;
  const digits = text.length - 1 - (value < 0 ? 1 : 0);
  if (digits > 15) return false;
  out.coef = Number(text.slice(0, dot) + text.slice(dot + 1));
  out.scale = text.length - dot - 1;
  return true;
}

/**
 * A running exact sum of many amounts. Amounts that fit are added as safe integers at a common scale
 * (no BigInt per amount); whatever would leave the safe range is carried in a Decimal. The result is the
 * same normalised Decimal that adding every amount with add() gives.
 */
export class ExactSum {
  private small = 0;
  private scale = 0;
  private carried: Decimal = ZERO;

  /** Add a coefficient at a scale (value = coef / 10^scale); coef must be a safe integer. */
  addParts(coef: number, scale: number): void {
    if (coef === 0) return;
    // A product of safe integers that leaves the safe range rounds to at least 2^53, so the checks are exact.
    if (scale > this.scale) {
      const scaled = this.small * (POW10_NUMBER[scale - this.scale] ?? Number.POSITIVE_INFINITY);
      if (Math.abs(scaled) > MAX_SAFE) this.spill();
      else this.small = scaled;
      this.scale = scale;
    } else if (scale < this.scale) {
      const scaled = coef * (POW10_NUMBER[this.scale - scale] ?? Number.POSITIVE_INFINITY);
      if (Math.abs(scaled) > MAX_SAFE) {
        this.carried = add(this.carried, fromSafeInteger(coef, scale));
        return;
      }
      coef = scaled;
    }
    const next = this.small + coef;
    if (Math.abs(next) > MAX_SAFE) {
      this.spill();
      this.small = coef;
    } else this.small = next;
  }

  addDecimal(value: Decimal): void {
    this.carried = add(this.carried, value);
  }

  get value(): Decimal {
    return add(this.carried, fromSafeInteger(this.small, this.scale));
  }

  private spill(): void {
    this.carried = add(this.carried, fromSafeInteger(this.small, this.scale));
    this.small = 0;
  }
}
