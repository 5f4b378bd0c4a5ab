import { describe, expect, it } from "vitest";
import {
  add,
  compare,
  divide,
  formatExact,
  formatFixed,
  multiply,
  parseDecimal,
  subtract,
  sum,
  ZERO,
} from "../../src/lib/money.js";

const d = parseDecimal;

describe("parseDecimal", () => {
  it.each<[number | string, string]>([
    [0, "0"],
    [-0, "0"],
    [0.1, "0.1"],
    [12.5, "12.5"],
    [-12.5, "-12.5"],
    [1e-7, "0.0000001"],
    [1.5e21, "1500000000000000000000"],
    [123456789.123456, "123456789.123456"],
    ["12.50", "12.5"],
    ["-0.000", "0"],
    ["1E+3", "1000"],
    ["1.25e-2", "0.0125"],
    ["+7", "7"],
    [".5", "0.5"],
    ["9999999999.999999999999", "9999999999.999999999999"],
    [" 3.00 ", "3"],
  ])("%j -> %s", (input, exact) => {
    expect(formatExact(d(input))).toBe(exact);
  });

  it.each<[unknown]>([
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [""],
    ["abc"],
    ["1.2.3"],
    ["1e"],
    ["--1"],
    ["1e99999"],
    [null],
    [{}],
  ])("refuses %j", (input) => {
    expect(() => d(input as number)).toThrow();
  });
});

describe("exact sums", () => {
  it("ten times 0.1 is exactly 1 (floats give 0.9999999999999999)", () => {
    let total = ZERO;
    let float = 0;
    for (let i = 0; i < 10; i++) {
      total = add(total, d(0.1));
      float += 0.1;
    }
    expect(float).not.toBe(1);
    expect(formatExact(total)).toBe("1");
  });

  it("sums many values with negatives to the cent", () => {
    const values: number[] = [];
    for (let i = 0; i < 10_000; i++) values.push(((i % 7) - 3) * 0.01 + (i % 3) * 1.1);
    values.push(-1234.56, 0.07, -0.07);
    // Reference: integers of 1/100 cents, computed exactly.
    const reference = values.reduce((acc, v) => acc + BigInt(Math.round(v * 10_000)), 0n);
    const total = sum(values.map((v) => d(v)));
    expect(formatFixed(total, 4)).toBe(formatFixed({ coef: reference, scale: 4 }, 4));
    expect(formatExact(sum([d(0.1), d(0.2), d(-0.3)]))).toBe("0");
  });

  it("subtracts, multiplies and compares exactly", () => {
    expect(formatExact(subtract(d("10.00"), d("0.01")))).toBe("9.99");
    expect(formatExact(multiply(d("0.0123"), d("1000")))).toBe("12.3");
    expect(compare(d("1.10"), d("1.1"))).toBe(0);
    expect(compare(d("-2"), d("1"))).toBe(-1);
    expect(compare(d("0.0000001"), ZERO)).toBe(1);
  });
});

describe("formatting", () => {
  it.each<[string, number, string]>([
    ["2.345", 2, "2.35"],
    ["2.344999", 2, "2.34"],
    ["-2.345", 2, "-2.35"],
    ["-0.004", 2, "0.00"],
    ["0.005", 2, "0.01"],
    ["12", 2, "12.00"],
    ["1234.5", 0, "1235"],
    ["0.5", 0, "1"],
    ["-0.5", 0, "-1"],
  ])("formatFixed(%s, %i) = %s (half away from zero)", (value, decimals, text) => {
    expect(formatFixed(d(value), decimals)).toBe(text);
  });

  it.each<[string, string, number, string | undefined]>([
    ["1", "3", 4, "0.3333"],
    ["2", "3", 2, "0.67"],
    ["-2", "3", 2, "-0.67"],
    ["10", "4", 1, "2.5"],
    ["1", "0", 2, undefined],
  ])("divide(%s, %s, %i) = %s", (a, b, decimals, text) => {
    const q = divide(d(a), d(b), decimals);
    expect(q === undefined ? undefined : formatExact(q)).toBe(text);
  });
});
