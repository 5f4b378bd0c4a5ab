import { describe, expect, it } from "vitest";
import { MonthsError, parseMonths, previousMonth, windowOf } from "../../src/report/months.js";

const at = (iso: string) => new Date(iso);

describe("parseMonths", () => {
  it.each([
    ["previous", "2026-03-15T10:00:00Z", ["2026-02"]],
    ["", "2026-03-15T10:00:00Z", ["2026-02"]],
    ["PREVIOUS", "2026-01-01T00:00:00Z", ["2025-12"]],
    ["previous", "2026-03-31T23:59:59.999Z", ["2026-02"]],
    ["2025-02", "2026-03-15T10:00:00Z", ["2025-02"]],
    ["2025-11..2026-02", "2026-03-15T10:00:00Z", ["2025-11", "2025-12", "2026-01", "2026-02"]],
    ["2025-11 .. 2025-11", "2026-03-15T10:00:00Z", ["2025-11"]],
    ["last-3", "2026-02-10T00:00:00Z", ["2025-11", "2025-12", "2026-01"]],
    ["last-1", "2026-02-10T00:00:00Z", ["2026-01"]],
  ])("%j at %s -> %j", (spec, now, months) => {
    expect(parseMonths(spec, at(now)).map((w) => w.month)).toEqual(months);
  });

  it("gives UTC windows [first of month, first of next month)", () => {
    const [w] = parseMonths("2024-02", at("2026-03-15T10:00:00Z"));
    expect(w).toEqual({
      month: "2024-02",
      start: "2024-02-01T00:00:00.000Z",
      end: "2024-03-01T00:00:00.000Z",
      periodEnd: "2024-03-01T00:00:00.000Z",
      partial: false,
    });
    const [dec] = parseMonths("2025-12", at("2026-03-15T10:00:00Z"));
    expect([dec!.start, dec!.end]).toEqual(["2025-12-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"]);
  });

  it("allows the current month, flagged partial, ending tomorrow at 00:00Z", () => {
    const [w] = parseMonths("2026-03", at("2026-03-15T10:00:00Z"));
    expect(w).toEqual({
      month: "2026-03",
      start: "2026-03-01T00:00:00.000Z",
      end: "2026-03-16T00:00:00.000Z",
      periodEnd: "2026-04-01T00:00:00.000Z",
      partial: true,
    });
    // On the last day of the month the end is the first of the next month.
    expect(parseMonths("2026-03", at("2026-03-31T22:00:00Z"))[0]!.end).toBe("2026-04-01T00:00:00.000Z");
  });

  it("keeps the windows in UTC whatever the local zone", () => {
    // 2026-03-01T00:30 in UTC+1 is still February in UTC.
    expect(parseMonths("previous", at("2026-02-28T23:30:00-01:00"))[0]!.month).toBe("2026-02");
  });

  it.each([
    ["2026-13", "'2026-13' is not a month"],
    ["2026-00", "'2026-00' is not a month"],
    ["2026-3", "'2026-3' is not a month; use previous, YYYY-MM, YYYY-MM..YYYY-MM or last-N"],
    ["march", "'march' is not a month"],
    ["1999-12", "'1999-12' is before 2000"],
    ["2026-04", "includes 2026-04, a future month"],
    ["2026-02..2026-04", "includes 2026-04, a future month"],
    ["2026-02..2025-12", "is reversed; write the earlier month first (2025-12..2026-02)"],
    ["2026-02..", "'2026-02..' is not a month"],
    ["2025-01..2025-02..2025-03", "is not a month range"],
    ["2023-01..2026-01", "covers 37 months; at most 36"],
    ["last-0", "is not a month count"],
    ["last-x", "is not a month count"],
    ["last-37", "asks for 37 months; at most 36"],
  ])("%j is refused: %s", (spec, message) => {
    expect(() => parseMonths(spec, at("2026-03-15T10:00:00Z"))).toThrow(MonthsError);
    expect(() => parseMonths(spec, at("2026-03-15T10:00:00Z"))).toThrow(message);
  });

  it("accepts exactly the cap", () => {
    expect(parseMonths("2023-03..2026-02", at("2026-03-15T10:00:00Z"))).toHaveLength(36);
    expect(parseMonths("last-36", at("2026-03-15T10:00:00Z"))).toHaveLength(36);
  });
});

describe("month helpers", () => {
  it.each([
    ["2026-01", "2025-12"],
    ["2025-03", "2025-02"],
  ])("previousMonth(%s) = %s", (month, previous) => {
    expect(previousMonth(month)).toBe(previous);
  });

  it("windowOf handles leap years", () => {
    const w = windowOf("2024-02", at("2026-01-01T00:00:00Z"));
    expect(new Date(w.end).getTime() - new Date(w.start).getTime()).toBe(29 * 86_400_000);
  });
});
