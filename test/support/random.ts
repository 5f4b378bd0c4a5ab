// Small, deterministic helpers for generated test data: a seeded PRNG and the characters that break or
// bend JSON when swapped into a page.

/** mulberry32: a tiny seeded PRNG, enough for repeatable fault rates and generated pages. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Replacement characters for "change one character of a JSON page" tests. */
export const JSON_MUTATIONS = [
  '"',
  "\\",
  ",",
  ":",
  "{",
  "}",
  "[",
  "]",
  " ",
  "0",
  "-",
  "e",
  ".",
  "n",
  "x",
  "\u0001",
];
