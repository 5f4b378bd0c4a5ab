// The FinOps FOCUS 1.2 file: its own Usage API query (the dimensions FOCUS needs) and its columns, each value
// derived from one UsageSummary. Every rule the FOCUS validator checks per row is met by construction:
// nulls only where the spec allows them, ISO 8601 "YYYY-MM-DDTHH:mm:ssZ" date/times, and the cost
// relationships, computed in the same double arithmetic the validator uses (ListCost = ListUnitPrice ×
// PricingQuantity, ContractedCost = ContractedUnitPrice × PricingQuantity, credits at BilledCost).
// Pure: no I/O. docs/report-files.md maps every column to its source.

import { type Column, type QueryShape, type RowContext, tagsOf, text, type UsageItem } from "./columns.js";

/** The FOCUS versions the report can write (input `focus-version`); a later one gets its own column set. */
export const FOCUS_VERSIONS = ["1.2"] as const;
export type FocusVersion = (typeof FOCUS_VERSIONS)[number];

/**
 * The FOCUS query's groupBy: the billing account, the SKU with its unit, the compartment as sub-account and
 * the region, plus resourceId when the report groups by it. Tag dimensions are left out: they count a
 * resource once per tag, so their costs would not add up to the bill (Tags come from group-by-tag).
 */
export function focusGroupBy(reportGroupBy: readonly string[]): string[] {
  const groupBy = [
    "tenantId",
    "tenantName",
    "service",
    "skuPartNumber",
    "skuName",
    "unit",
    "compartmentId",
    "compartmentName",
    "compartmentPath",
    "region",
  ];
  if (reportGroupBy.includes("resourceId")) groupBy.push("resourceId");
  return groupBy;
}

// --- service category and subcategory ------------------------------------------------------------

/** FOCUS ServiceCategory values (FOCUS 1.2). */
export type ServiceCategory =
  | "AI and Machine Learning"
  | "Analytics"
  | "Business Applications"
  | "Compute"
  | "Databases"
  | "Developer Tools"
  | "Identity"
  | "Integration"
  | "Internet of Things"
  | "Management and Governance"
  | "Media"
  | "Migration"
  | "Mobile"
  | "Multicloud"
  | "Networking"
  | "Security"
  | "Storage"
  | "Web"
  | "Other";

type Rules<T> = ReadonlyArray<readonly [RegExp, T]>;

// Ordered rules over the normalised OCI service name (lower case, letters and digits only); the first
// match wins, so the more specific names come first.
const CATEGORY_RULES: Rules<ServiceCategory> = [
  [
    /generativeai|aiservice|language|vision|speech|datascience|digitalassistant|machinelearning|documentunderstanding/,
    "AI and Machine Learning",
  ],
  [/analytics|dataflow|bigdata|datacatalog|dataintegration|goldengate|datalabeling/, "Analytics"],
  [/database|autonomous|exadata|mysql|nosql|postgres|heatwave|opensearch|cache|redis/, "Databases"],
  [/apigateway|integration|streaming|queue|notification|events|connectorhub|serviceconnector/, "Integration"],
  [/blockstorage|objectstorage|filestorage|archive|storage|backup|volume/, "Storage"],
  [
    /network|vcn|loadbalancer|fastconnect|dns|vpn|bandwidth|datatransfer|egress|natgateway|gateway/,
    "Networking",
  ],
  [/vault|keymanagement|kms|waf|firewall|cloudguard|bastion|certificate|security|scanning/, "Security"],
  [/identity|iam|idcs|accessgovernance/, "Identity"],
  [
    /monitoring|logging|audit|observability|apm|resourcemanager|operationsinsights|management|governance|budget|cost/,
    "Management and Governance",
  ],
  [/devops|registry|artifact|codeeditor|apex/, "Developer Tools"],
  [/compute|function|container|kubernetes|oke|instance|baremetal|vmware|gpu|batch/, "Compute"],
  [/mediaservice|media|streamingvideo/, "Media"],
  [/iot|internetofthings/, "Internet of Things"],
  [/migration|databasemigration/, "Migration"],
  [/email|webapp|visualbuilder|web/, "Web"],
];

// Per category, the FOCUS 1.2 subcategories OCI services fall into; anything else is "Other (<category>)",
// so a subcategory always has the one parent category the spec allows.
const SUBCATEGORY_RULES: Partial<Record<ServiceCategory, Rules<string>>> = {
  "AI and Machine Learning": [
    [/generativeai/, "Generative AI"],
    [/language|speech|documentunderstanding/, "Natural Language Processing"],
    [/digitalassistant/, "Bots"],
    [/datascience|machinelearning/, "Machine Learning"],
    [/aiservice|vision/, "AI Platforms"],
  ],
  Analytics: [
    [/dataflow|bigdata|dataintegration|goldengate/, "Data Processing"],
    [/analytics/, "Business Intelligence"],
  ],
  Databases: [
    [/nosql/, "NoSQL Databases"],
    [/cache|redis/, "Caching"],
    [/exadata|autonomousdatawarehouse|heatwave/, "Data Warehouses"],
    [/database|autonomous|mysql|postgres/, "Relational Databases"],
  ],
  Integration: [
    [/apigateway/, "API Management"],
    [/streaming|queue|notification|events/, "Messaging"],
    [/integration|connectorhub|serviceconnector/, "Workflow Orchestration"],
  ],
  Storage: [
    [/backup/, "Backup Storage"],
    [/objectstorage|archive/, "Object Storage"],
    [/filestorage/, "File Storage"],
    [/blockstorage|volume/, "Block Storage"],
  ],
  Networking: [
    [/loadbalancer/, "Application Networking"],
    [/fastconnect|vpn/, "Network Connectivity"],
    [/dns/, "Network Routing"],
    [/firewall/, "Network Security"],
    [/network|vcn|bandwidth|datatransfer|egress|natgateway|gateway/, "Network Infrastructure"],
  ],
  Security: [
    [/vault|keymanagement|kms|certificate/, "Secret Management"],
    [/cloudguard|scanning/, "Security Posture Management"],
  ],
  Identity: [[/identity|iam|idcs|accessgovernance/, "Identity and Access Management"]],
  "Management and Governance": [
    [/budget|cost/, "Cost Management"],
    [/audit/, "Compliance"],
    [/monitoring|logging|observability|apm|operationsinsights/, "Observability"],
  ],
  "Developer Tools": [
    [/devops/, "Continuous Integration and Deployment"],
    [/codeeditor/, "Development Environments"],
    [/apex/, "Developer Platforms"],
  ],
  Compute: [
    [/function/, "Serverless Compute"],
    [/container|kubernetes|oke/, "Containers"],
    [/compute|instance|baremetal|vmware|gpu/, "Virtual Machines"],
  ],
  Media: [[/mediaservice|media|streamingvideo/, "Media Streaming"]],
  Migration: [[/databasemigration/, "Data Migration"]],
};

const serviceKey = (service: string): string => service.toLowerCase().replace(/[^a-z0-9]/g, "");

function firstMatch<T>(rules: Rules<T> | undefined, key: string): T | undefined {
  for (const [pattern, value] of rules ?? []) if (pattern.test(key)) return value;
  return undefined;
}

/** Each service name's category and subcategory, worked out once: a report has a few dozen names. */
const classified = new Map<string, readonly [ServiceCategory, string]>();
const MAX_CLASSIFIED = 10_000;

function classify(service: string | null | undefined): readonly [ServiceCategory, string] {
  const name = service ?? "";
  let found = classified.get(name);
  if (!found) {
    const key = serviceKey(name);
    const category = (name && firstMatch(CATEGORY_RULES, key)) || "Other";
    const subcategory = (name && firstMatch(SUBCATEGORY_RULES[category], key)) || `Other (${category})`;
    found = [category, subcategory];
    if (classified.size < MAX_CLASSIFIED) classified.set(name, found);
  }
  return found;
}

/** FOCUS ServiceCategory for an OCI service name ("Other" when unknown or absent). */
export function serviceCategory(service: string | null | undefined): ServiceCategory {
  return classify(service)[0];
}

/** FOCUS ServiceSubcategory for an OCI service name: one of its category's values, else "Other (category)". */
export function serviceSubcategory(service: string | null | undefined): string {
  return classify(service)[1];
}

// --- regions -----------------------------------------------------------------------------------

// OCI's display names of its public regions (docs.oracle.com "Regions and Availability Domains").
const REGION_NAMES: Readonly<Record<string, string>> = {
  "af-johannesburg-1": "South Africa Central (Johannesburg)",
  "ap-chuncheon-1": "South Korea North (Chuncheon)",
  "ap-hyderabad-1": "India South (Hyderabad)",
  "ap-melbourne-1": "Australia Southeast (Melbourne)",
  "ap-mumbai-1": "India West (Mumbai)",
  "ap-osaka-1": "Japan Central (Osaka)",
  "ap-seoul-1": "South Korea Central (Seoul)",
  "ap-singapore-1": "Singapore (Singapore)",
  "ap-sydney-1": "Australia East (Sydney)",
  "ap-tokyo-1": "Japan East (Tokyo)",
  "ca-montreal-1": "Canada Southeast (Montreal)",
  "ca-toronto-1": "Canada Southeast (Toronto)",
  "eu-amsterdam-1": "Netherlands Northwest (Amsterdam)",
  "eu-frankfurt-1": "Germany Central (Frankfurt)",
  "eu-madrid-1": "Spain Central (Madrid)",
  "eu-marseille-1": "France South (Marseille)",
  "eu-milan-1": "Italy Northwest (Milan)",
  "eu-paris-1": "France Central (Paris)",
  "eu-stockholm-1": "Sweden Central (Stockholm)",
  "eu-zurich-1": "Switzerland North (Zurich)",
  "il-jerusalem-1": "Israel Central (Jerusalem)",
  "me-abudhabi-1": "UAE Central (Abu Dhabi)",
  "me-dubai-1": "UAE East (Dubai)",
  "me-jeddah-1": "Saudi Arabia West (Jeddah)",
  "mx-monterrey-1": "Mexico Northeast (Monterrey)",
  "mx-queretaro-1": "Mexico Central (Queretaro)",
  "sa-santiago-1": "Chile Central (Santiago)",
  "sa-saopaulo-1": "Brazil East (Sao Paulo)",
  "sa-vinhedo-1": "Brazil Southeast (Vinhedo)",
  "uk-cardiff-1": "UK West (Newport)",
  "uk-london-1": "UK South (London)",
  "us-ashburn-1": "US East (Ashburn)",
  "us-chicago-1": "US Midwest (Chicago)",
  "us-phoenix-1": "US West (Phoenix)",
  "us-sanjose-1": "US West (San Jose)",
};

/** RegionName for an OCI region identifier; an identifier not in the table names itself. */
export function regionName(regionId: string): string {
  return REGION_NAMES[regionId] ?? regionId;
}

// --- values ------------------------------------------------------------------------------------

/** A finite number from a JSON number or numeric text; null otherwise. */
function finite(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

const UTC_TEXT = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?Z$/;

/** FOCUS date/time: UTC, whole seconds, "YYYY-MM-DDTHH:mm:ssZ" (the validator rejects fractions). */
export function focusDateTime(value: unknown): string | null {
  const raw = text(value);
  if (raw === null) return null;
  // The Usage API's own form ("...T00:00:00.000Z") only loses its fraction; parsing it is the slow path.
  const utc = UTC_TEXT.exec(raw);
  if (utc) return `${utc[1]}Z`;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? raw : new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

/** A credit: OCI gives credits as negative amounts (the Usage API has no charge type field). */
function isCredit(item: UsageItem): boolean {
  const amount = finite(item.computedAmount);
  return amount !== null && amount < 0;
}

const billedCost = (item: UsageItem): number | null => finite(item.computedAmount);

/** PricingQuantity (and ConsumedQuantity): the quantity in the SKU's unit; null on credit rows. */
function pricingQuantity(item: UsageItem): number | null {
  return isCredit(item) ? null : finite(item.computedQuantity);
}

/**
 * ContractedUnitPrice: the tenancy's price (unitPrice); when the Usage API gives none, the row's amount per
 * unit (0 for a row with neither amount nor quantity). Null on credit rows.
 */
function contractedUnitPrice(item: UsageItem): number | null {
  if (isCredit(item)) return null;
  const price = finite(item.unitPrice);
  if (price !== null) return price;
  const amount = finite(item.computedAmount);
  const quantity = finite(item.computedQuantity);
  if (amount === null || quantity === null) return null;
  if (quantity !== 0) return amount / quantity;
  return amount === 0 ? 0 : null;
}

/** ListUnitPrice: the list rate (listRate); without one, the contracted price. Null on credit rows. */
function listUnitPrice(item: UsageItem): number | null {
  if (isCredit(item)) return null;
  return finite(item.listRate) ?? contractedUnitPrice(item);
}

/** unit price × PricingQuantity as a double, the arithmetic the validator checks with; else BilledCost. */
function costAt(price: number | null, item: UsageItem): number | null {
  const quantity = pricingQuantity(item);
  if (price === null || quantity === null) return billedCost(item);
  return price * quantity;
}

/** Usage rows only: a credit has no quantity, unit or price. */
const usageOnly =
  (value: (item: UsageItem) => string | null) =>
  (item: UsageItem): string | null =>
    isCredit(item) ? null : value(item);

/** OCID "ocid1.<type>.<realm>...": its resource type; else the service name. */
function resourceType(item: UsageItem): string | null {
  const id = text(item.resourceId);
  if (id === null) return null;
  const [prefix, type] = id.split(".");
  if (prefix?.startsWith("ocid") && type) return type;
  return serviceName(item);
}

/** ServiceName: the OCI service; a row without one is billed by OCI as a whole. */
function serviceName(item: UsageItem): string {
  return text(item.service) ?? "Oracle Cloud Infrastructure";
}

function skuId(item: UsageItem): string | null {
  return text(item.skuPartNumber);
}

function subAccountName(item: UsageItem): string | null {
  const id = text(item.compartmentId);
  if (id === null) return null;
  return text(item.compartmentName) ?? text(item.compartmentPath) ?? id;
}

/** FOCUS Tags: a JSON object {"namespace.key": "value"} with sorted keys, or null when untagged. */
export function focusTags(item: UsageItem): string | null {
  const entries: [string, string][] = [];
  for (const tag of tagsOf(item)) {
    const key = text(tag.key);
    if (key === null) continue;
    const ns = text(tag.namespace);
    entries.push([ns ? `${ns}.${key}` : key, text(tag.value) ?? ""]);
  }
  if (entries.length === 0) return null;
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(Object.fromEntries(entries));
}

const constant =
  (value: string | null): Column["value"] =>
  () =>
    value;

const textColumn = (name: string, value: Column["value"]): Column => ({ name, kind: "text", value });
const decimalColumn = (name: string, value: Column["value"]): Column => ({ name, kind: "decimal", value });

/** FOCUS 1.2 columns, in the spec's alphabetical order, then the x_ extension column. */
export function focusColumns(_shape: QueryShape, _version: FocusVersion = "1.2"): Column[] {
  const billingAccountId = (item: UsageItem, ctx: RowContext) => text(item.tenantId) ?? ctx.tenantId ?? null;
  return [
    decimalColumn("BilledCost", billedCost),
    textColumn("BillingAccountId", billingAccountId),
    textColumn("BillingAccountName", (item, ctx) => text(item.tenantName) ?? billingAccountId(item, ctx)),
    textColumn("BillingCurrency", (item, ctx) => text(item.currency) ?? ctx.fallbackCurrency ?? null),
    textColumn("BillingPeriodEnd", (_item, ctx) => focusDateTime(ctx.billingPeriodEnd)),
    textColumn("BillingPeriodStart", (_item, ctx) => focusDateTime(ctx.billingPeriodStart)),
    textColumn("ChargeCategory", (item) => (isCredit(item) ? "Credit" : "Usage")),
    textColumn("ChargeClass", constant(null)),
    textColumn("ChargeDescription", (item) => text(item.skuName)),
    textColumn("ChargeFrequency", constant("Usage-Based")),
    textColumn("ChargePeriodEnd", (item) => focusDateTime(item.timeUsageEnded)),
    textColumn("ChargePeriodStart", (item) => focusDateTime(item.timeUsageStarted)),
    decimalColumn("ConsumedQuantity", pricingQuantity),
    textColumn(
      "ConsumedUnit",
      usageOnly((item) => text(item.unit)),
    ),
    decimalColumn("ContractedCost", (item) => costAt(contractedUnitPrice(item), item)),
    decimalColumn("ContractedUnitPrice", contractedUnitPrice),
    decimalColumn("EffectiveCost", billedCost),
    textColumn("InvoiceIssuerName", constant("Oracle")),
    decimalColumn("ListCost", (item) => costAt(listUnitPrice(item), item)),
    decimalColumn("ListUnitPrice", listUnitPrice),
    textColumn(
      "PricingCategory",
      usageOnly(() => "Standard"),
    ),
    decimalColumn("PricingQuantity", pricingQuantity),
    textColumn(
      "PricingUnit",
      usageOnly((item) => text(item.unit)),
    ),
    textColumn("ProviderName", constant("Oracle")),
    textColumn("PublisherName", constant("Oracle")),
    textColumn("RegionId", (item) => text(item.region)),
    textColumn("RegionName", (item) => {
      const id = text(item.region);
      return id === null ? null : regionName(id);
    }),
    textColumn("ResourceId", (item) => text(item.resourceId)),
    textColumn("ResourceName", (item) => (text(item.resourceId) === null ? null : text(item.resourceName))),
    textColumn("ResourceType", resourceType),
    textColumn("ServiceCategory", (item) => serviceCategory(text(item.service))),
    textColumn("ServiceName", serviceName),
    textColumn("ServiceSubcategory", (item) => serviceSubcategory(text(item.service))),
    textColumn("SkuId", skuId),
    textColumn("SkuMeter", (item) => (skuId(item) === null ? null : text(item.skuName))),
    textColumn("SkuPriceDetails", constant(null)),
    textColumn("SkuPriceId", skuId),
    textColumn("SubAccountId", (item) => text(item.compartmentId)),
    textColumn("SubAccountName", subAccountName),
    textColumn("Tags", focusTags),
    textColumn("x_CompartmentPath", (item) => text(item.compartmentPath)),
  ];
}
