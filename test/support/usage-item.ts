// One UsageSummary-shaped item, and the pages both of the action's page readers are tested on.

export const usageItem = (extra: Record<string, unknown> = {}) => ({
  tenantId: null,
  compartmentPath: "acme/prod",
  service: "COMPUTE",
  resourceId: "ocid1.instance.oc1..aaaa",
  timeUsageStarted: "2025-06-01T00:00:00.000Z",
  timeUsageEnded: "2025-07-01T00:00:00.000Z",
  computedAmount: -58.74,
  computedQuantity: 6256,
  attributedCost: "-58.74",
  currency: "USD",
  isForecast: false,
  ...extra,
});

/** A page of `items` as the endpoint answers it. */
export const usagePage = (items: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ groupBy: ["resourceId"], items, ...extra });

/** The page shapes the scanner and parsePage must both read as JSON.parse does: [name, page text]. */
export const PAGE_CASES: Array<[string, string]> = ((item, page) => [
  ["usage items", page([item(), item({ service: "STORAGE", computedAmount: 1199.2576 }), item()])],
  ["no items", page([])],
  ["a nextPage", page([item()], { nextPage: "tok+/=" })],
  ["a null nextPage", page([item()], { nextPage: null })],
  ["no groupBy", JSON.stringify({ items: [item()] })],
  ["groupBy not an array", page([item()], { groupBy: "service" })],
  ["groupBy with non-strings", page([item()], { groupBy: ["a", 1, null, "b"] })],
  ["other members", page([item()], { note: { deep: [1, { x: "y" }] }, n: -1.5e3 })],
  ["members after items", JSON.stringify({ items: [item()], groupBy: ["service"], nextPage: "x" })],
  ["empty items", page([{}, {}])],
])(usageItem, usagePage);
