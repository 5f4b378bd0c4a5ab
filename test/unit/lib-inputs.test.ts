import { describe, expect, it } from "vitest";
import { InputError, UserFacingError } from "../../src/lib/errors.js";
import {
  booleanInput,
  InputProblems,
  input,
  inputDefaults,
  inputNames,
  oneOf,
  optional,
  readInputTable,
  required,
  singleLine,
  splitList,
  wholeNumber,
} from "../../src/lib/inputs.js";

const TABLE = {
  mode: input("mode", oneOf(["fast", "slow"] as const), { default: "fast" }),
  count: input("count", wholeNumber(1, 10, "a count")),
  token: input("token", required(singleLine(), "is required; pass it from a secret"), { secret: true }),
  note: input("note", optional(singleLine())),
  lines: input("lines", (text) => text, { untrimmed: true }),
  flag: input("flag", booleanInput, { default: "false" }),
};

function reader(values: Record<string, string>) {
  return (name: string) => values[name] ?? "";
}

describe("input tables", () => {
  it("derives the names and the defaults from the rows", () => {
    expect(inputNames(TABLE)).toEqual({
      mode: "mode",
      count: "count",
      token: "token",
      note: "note",
      lines: "lines",
      flag: "flag",
    });
    expect(inputDefaults(TABLE)).toEqual({ mode: "fast", flag: "false" });
  });

  it("reads every row: defaults for empty inputs, trimmed text, untrimmed rows as given", () => {
    const problems = new InputProblems();
    const values = readInputTable(
      TABLE,
      reader({ mode: " SLOW ", count: "3", token: " t0ken ", lines: "  a\n  b  " }),
      problems,
      () => {},
    );
    problems.throwIfAny();
    expect(values).toEqual({
      mode: "slow",
      count: 3,
      token: "t0ken",
      note: undefined,
      lines: "  a\n  b  ",
      flag: false,
    });
  });

  it("masks secret rows before any parser runs, even when another row fails", () => {
    const masked: string[] = [];
    const order: string[] = [];
    const table = {
      first: input("first", (t) => {
        order.push(`parse ${t}`);
        throw new InputError("first", "bad");
      }),
      secret: input("secret", (t) => t, { secret: true }),
    };
    readInputTable(table, reader({ first: "x", secret: "hunter22" }), new InputProblems(), (s) => {
      masked.push(s);
      order.push("mask");
    });
    expect(masked).toEqual(["hunter22"]);
    expect(order).toEqual(["mask", "parse x"]);
  });

  it("records every problem, in table order, and throws them in one line", () => {
    const problems = new InputProblems();
    const values = readInputTable(TABLE, reader({ mode: "medium", count: "11" }), problems, () => {});
    expect(values.mode).toBeUndefined();
    expect(values.count).toBeUndefined();
    expect(problems.errors.map((e) => e.input)).toEqual(["mode", "count", "token"]);
    expect(() => problems.throwIfAny()).toThrow(UserFacingError);
    expect(() => problems.throwIfAny()).toThrow(
      "input 'mode': 'medium' is not allowed; use fast or slow; input 'count': '11' is not a count; use a whole number from 1 to 10; input 'token': is required; pass it from a secret",
    );
  });

  it("throws a single problem as the InputError itself", () => {
    const problems = new InputProblems();
    readInputTable(TABLE, reader({ count: "2", token: "x", flag: "yes" }), problems, () => {});
    expect(() => problems.throwIfAny()).toThrow(InputError);
    expect(() => problems.throwIfAny()).toThrow("input 'flag': 'yes' is not a boolean; use true or false");
  });

  it("lets a bug in a parser propagate instead of reporting it as an input problem", () => {
    const problems = new InputProblems();
    expect(() => problems.check(() => JSON.parse("{"))).toThrow(SyntaxError);
  });

  it.each([
    ["a\u0001b", {}, "must not contain control characters or line breaks"],
    ["a b", { noSpaces: true }, "must not contain spaces or control characters"],
  ])("singleLine refuses %j", (text, options, message) => {
    expect(() => singleLine(options)(text, "x")).toThrow(`input 'x': ${message}`);
  });

  it("splits lists on commas and newlines, dropping empty items", () => {
    expect(splitList(" a, b\n\n c ,")).toEqual(["a", "b", "c"]);
  });
});
