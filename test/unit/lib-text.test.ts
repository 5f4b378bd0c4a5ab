import { describe, expect, it } from "vitest";
import {
  clip,
  flatten,
  oneLineText,
  quote,
  redact,
  safeLogLine,
  sanitizeServerText,
} from "../../src/lib/text.js";

describe("lib/text", () => {
  it.each([
    ["a\nb", "a b"],
    ["a\r\n\tb", "a b"],
    ["a\u0000\u0001b", "a b"],
    ["a\u2028b\u2029c", "a b c"],
    ["a\u007fb", "a b"],
    ["plain", "plain"],
  ])("flatten(%j) = %j", (input, expected) => {
    expect(flatten(input)).toBe(expected);
  });

  it("clips to the limit with an ellipsis, and leaves short text alone", () => {
    expect(clip("abcdef", 4)).toBe("abc…");
    expect(clip("abcd", 4)).toBe("abcd");
  });

  it("oneLineText collapses white space, trims and clips", () => {
    expect(oneLineText("  a \n\n  b\t c  ")).toBe("a b c");
    expect(oneLineText("x".repeat(400))).toHaveLength(300);
    expect(oneLineText("abcdef", 4)).toBe("abc…");
  });

  it("quote flattens and clips inside single quotes", () => {
    expect(quote("a\nb")).toBe("'a b'");
    expect(quote("y".repeat(100))).toBe(`'${"y".repeat(79)}…'`);
  });

  it.each([
    ["::error::pwned", ": :error::pwned"],
    ["  ::add-mask::x", "  : :add-mask::x"],
    ["line\n::stop-commands::x", "line ::stop-commands::x"],
    ["ok :: fine", "ok :: fine"],
  ])("safeLogLine(%j) never starts a workflow command", (input, expected) => {
    expect(safeLogLine(input)).toBe(expected);
  });

  it("redacts every occurrence of secrets of 4 characters or more, and ignores shorter ones", () => {
    expect(redact("k=s3cr3t, again s3cr3t; abc", ["s3cr3t", "abc"])).toBe("k=***, again ***; abc");
  });

  it("sanitizeServerText redacts, flattens, trims and clips; JSON values are stringified", () => {
    expect(sanitizeServerText(" bad\ntoken s3cr3t ", ["s3cr3t"])).toBe("bad token ***");
    expect(sanitizeServerText({ code: "X" })).toBe('{"code":"X"}');
    expect(sanitizeServerText(undefined)).toBe("");
    expect(sanitizeServerText("z".repeat(300), [], 10)).toBe(`${"z".repeat(9)}…`);
  });
});
