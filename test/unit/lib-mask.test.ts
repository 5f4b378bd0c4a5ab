import { describe, expect, it } from "vitest";
import { createMasker, secretForms } from "../../src/lib/mask.js";

describe("createMasker", () => {
  it("registers a secret and its derived forms, the secret first", () => {
    const registered: string[] = [];
    const mask = createMasker((form) => registered.push(form));
    mask("p@ss word/é");
    expect(registered).toEqual([
      "p@ss word/é",
      Buffer.from("p@ss word/é").toString("base64"),
      "p%40ss%20word%2F%C3%A9",
    ]);
  });

  it("registers each form once, across secrets and exact forms", () => {
    const registered: string[] = [];
    const mask = createMasker((form) => registered.push(form));
    mask("hunter2-secret");
    mask("hunter2-secret");
    mask.exact("hunter2-secret");
    mask.exact("Basic aHVudGVyMg==");
    mask.exact("Basic aHVudGVyMg==");
    expect(registered).toEqual([...secretForms("hunter2-secret"), "Basic aHVudGVyMg=="]);
  });

  it("registers nothing for an empty or missing value", () => {
    const registered: string[] = [];
    const mask = createMasker((form) => registered.push(form));
    mask(undefined);
    mask("");
    mask.exact("");
    expect(registered).toEqual([]);
  });

  it("registers each line of a multi-line secret on its own", () => {
    const registered: string[] = [];
    createMasker((form) => registered.push(form))("-----BEGIN KEY-----\nMIIEvQIBADANBgkq\n-----END KEY-----");
    expect(registered).toEqual(expect.arrayContaining(["MIIEvQIBADANBgkq", "-----BEGIN KEY-----"]));
  });
});
