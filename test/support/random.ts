// The characters that break or bend JSON when swapped into a page (the seeded PRNG is sandbox/random.ts).

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
