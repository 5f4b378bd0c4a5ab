// One UsageSummary-shaped item for the page reader tests of the function and the action.

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
