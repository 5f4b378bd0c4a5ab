// The Usage API's documented vocabulary for RequestSummarizedUsagesDetails (oci-usageapi 2.139.1,
// lib/model/request-summarized-usages-details.ts), shared by the function's validation and the report's
// inputs. The sandbox's emulator keeps its own copy on purpose: it stands in for the service.

/** TOTAL is in the model but "Not yet supported" by the service. */
export const GRANULARITIES = ["HOURLY", "DAILY", "MONTHLY"] as const;

export const QUERY_TYPES = ["USAGE", "COST", "CREDIT", "EXPIREDCREDIT", "ALLCREDIT", "USAGE_ONLY"] as const;

/** The groupBy values documented for RequestSummarizedUsagesDetails. */
export const GROUP_BY_DIMENSIONS = [
  "tagNamespace",
  "tagKey",
  "tagValue",
  "service",
  "skuName",
  "skuPartNumber",
  "unit",
  "compartmentName",
  "compartmentPath",
  "compartmentId",
  "platform",
  "region",
  "logicalAd",
  "resourceId",
  "tenantId",
  "tenantName",
] as const;
