// FOCUS 1.2 conformance as a table: one row per MUST rule of every column the report's FOCUS file emits,
// named by the FinOps Foundation validator's rule id (focus_validator v2.0.x, model-1.2), with our own check.
// Checks read the CSV as the validator does: an empty cell is null, and a column's type is what a CSV
// reader infers from its cells (all numeric text reads as a number, so a String column must not be all
// numeric, and a Decimal column must be written with decimal points, not as integers). Cost products are
// compared in double arithmetic, as the validator compares them. Where the validator has no check for a
// MUST rule that the data makes checkable (credits at BilledCost, the billing period bounds), the row says so.
import { parse } from "csv-parse/sync";

export type Cell = string | null;
export type FocusRow = Readonly<Record<string, Cell>>;

export interface FocusDataset {
  columns: readonly string[];
  rows: readonly FocusRow[];
}

export interface FocusRule {
  /** The validator's rule id. */
  id: string;
  /** What is checked, in a few words. */
  check: string;
  /** Row numbers (1 = the first data row) or other findings that break the rule; empty when it holds. */
  failures(data: FocusDataset): string[];
}

/** A FOCUS CSV as the validator reads it: the header, and each row with empty cells as null. */
export function readFocusCsv(text: string): FocusDataset {
  const records = parse(text, { bom: true }) as string[][];
  const [columns = [], ...body] = records;
  const rows = body.map((record) =>
    Object.fromEntries(columns.map((name, i) => [name, record[i] === "" ? null : (record[i] ?? null)])),
  );
  return { columns, rows };
}

// --- checks --------------------------------------------------------------------------------------

const NUMERIC = /^-?\d+(\.\d+)?([eE]-?\d+)?$/;
const DATE_TIME = /^\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\dZ$/;
const ASCII = /^[\x20-\x7E]*$/;
const NATIONAL_CURRENCIES = new Set(Intl.supportedValuesOf("currency"));

type RowTest = (row: FocusRow) => boolean;

const isNull =
  (column: string): RowTest =>
  (row) =>
    row[column] === null || row[column] === undefined;
const notNull =
  (column: string): RowTest =>
  (row) =>
    !isNull(column)(row);
const is =
  (column: string, value: string): RowTest =>
  (row) =>
    row[column] === value;
const isNot =
  (column: string, value: string): RowTest =>
  (row) =>
    row[column] !== value;
const all =
  (...tests: RowTest[]): RowTest =>
  (row) =>
    tests.every((t) => t(row));
const any =
  (...tests: RowTest[]): RowTest =>
  (row) =>
    tests.some((t) => t(row));
/** The value, when not null, passes `test`. */
const whenSet =
  (column: string, test: (value: string) => boolean): RowTest =>
  (row) => {
    const value = row[column];
    return value === null || value === undefined || test(value);
  };

const usageOrPurchase = all(
  any(is("ChargeCategory", "Usage"), is("ChargeCategory", "Purchase")),
  isNot("ChargeClass", "Correction"),
);
const credit = is("ChargeCategory", "Credit");
const tax = is("ChargeCategory", "Tax");

function eachRow(id: string, check: string, holds: RowTest, when: RowTest = () => true): FocusRule {
  return {
    id,
    check,
    failures: (data) => {
      if (!data.columns.includes(id.split("-")[0]!)) return [`column ${id.split("-")[0]} missing`];
      const bad: string[] = [];
      data.rows.forEach((row, i) => {
        if (when(row) && !holds(row)) bad.push(`row ${i + 1}`);
      });
      return bad;
    },
  };
}

function present(id: string, column: string): FocusRule {
  return {
    id,
    check: `${column} is present`,
    failures: (data) => (data.columns.includes(column) ? [] : [`column ${column} missing`]),
  };
}

/** A CSV reader infers a number type for a column whose non-null cells are all numeric. */
function typeString(id: string, column: string): FocusRule {
  return {
    id,
    check: `${column} reads as String (not all cells numeric)`,
    failures: (data) => {
      if (!data.columns.includes(column)) return [`column ${column} missing`];
      const values = data.rows.map((r) => r[column]).filter((v): v is string => v !== null);
      return values.length > 0 && values.every((v) => NUMERIC.test(v))
        ? [`all ${column} cells are numeric`]
        : [];
    },
  };
}

const decimalText = (v: string) => NUMERIC.test(v) && /[.eE]/.test(v);
const typeDecimal = (id: string, column: string) =>
  eachRow(id, `${column} reads as Decimal (numeric with a decimal point)`, whenSet(column, decimalText));
const numericFormat = (id: string, column: string) =>
  eachRow(
    id,
    `${column} in NumericFormat (no + sign, no symbols)`,
    whenSet(column, (v) => NUMERIC.test(v)),
  );
const stringHandling = (id: string, column: string) =>
  eachRow(
    id,
    `${column} in StringHandling (printable ASCII, as the validator checks)`,
    whenSet(column, (v) => ASCII.test(v)),
  );
const notNullRule = (id: string, column: string, when?: RowTest) =>
  eachRow(id, `${column} not null${when ? " (when the condition holds)" : ""}`, notNull(column), when);
const nullRule = (id: string, column: string, when: RowTest) =>
  eachRow(id, `${column} null when the condition holds`, isNull(column), when);
const dateTime = (id: string, column: string) =>
  eachRow(
    id,
    `${column} is YYYY-MM-DDTHH:mm:ssZ`,
    whenSet(column, (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v))),
  );
const oneOf = (id: string, column: string, allowed: readonly string[]) =>
  eachRow(
    id,
    `${column} is one of ${allowed.length} allowed values`,
    whenSet(column, (v) => allowed.includes(v)),
  );
const nonNegative = (id: string, column: string) =>
  eachRow(
    id,
    `${column} >= 0`,
    whenSet(column, (v) => Number(v) >= 0),
  );

/** a × b = result, in doubles, when a, b and result are all set and the row is not a correction. */
function product(id: string, a: string, b: string, result: string): FocusRule {
  return eachRow(
    id,
    `${a} × ${b} = ${result}`,
    (row) => Number(row[a]) * Number(row[b]) === Number(row[result]),
    all(notNull(a), notNull(b), notNull(result), isNot("ChargeClass", "Correction")),
  );
}

const sameNumber = (id: string, column: string, other: string, when: RowTest) =>
  eachRow(
    id,
    `${column} = ${other} when the condition holds`,
    (row) => Number(row[column]) === Number(row[other]),
    when,
  );

/** Every value of `key` has exactly one distinct `value` (nulls not counted). */
function oneParent(id: string, key: string, value: string): FocusRule {
  return {
    id,
    check: `each ${key} has one ${value}`,
    failures: (data) => {
      if (!data.columns.includes(key) || !data.columns.includes(value))
        return [`column ${key} or ${value} missing`];
      const seen = new Map<string, Set<string>>();
      for (const row of data.rows) {
        const k = row[key];
        if (k === null || k === undefined) continue;
        const set = seen.get(k) ?? new Set<string>();
        if (row[value] !== null && row[value] !== undefined) set.add(row[value]!);
        seen.set(k, set);
      }
      return [...seen]
        .filter(([, set]) => set.size !== 1)
        .map(([k, set]) => `${key} ${k}: ${set.size} ${value} values`);
    },
  };
}

/** KeyValueFormat: a serialized JSON object whose values are strings, numbers, booleans or null. */
function keyValue(value: string): boolean {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return false;
    return Object.values(parsed).every(
      (v) => v === null || ["string", "number", "boolean"].includes(typeof v),
    );
  } catch {
    return false;
  }
}

// --- allowed values (FOCUS 1.2) ------------------------------------------------------------------

const CHARGE_CATEGORIES = ["Usage", "Purchase", "Tax", "Credit", "Adjustment"];
const CHARGE_FREQUENCIES = ["One-Time", "Recurring", "Usage-Based"];
const PRICING_CATEGORIES = ["Standard", "Committed", "Dynamic", "Other"];

/** FOCUS 1.2 ServiceCategory values, each with its ServiceSubcategory values. */
const SUBCATEGORIES: Readonly<Record<string, readonly string[]>> = {
  "AI and Machine Learning": [
    "AI Platforms",
    "Bots",
    "Generative AI",
    "Machine Learning",
    "Natural Language Processing",
  ],
  Analytics: [
    "Analytics Platforms",
    "Business Intelligence",
    "Data Processing",
    "Search",
    "Streaming Analytics",
  ],
  "Business Applications": ["Productivity and Collaboration"],
  Compute: ["Containers", "End User Computing", "Quantum Compute", "Serverless Compute", "Virtual Machines"],
  Databases: [
    "Caching",
    "Data Warehouses",
    "Ledger Databases",
    "NoSQL Databases",
    "Relational Databases",
    "Time Series Databases",
  ],
  "Developer Tools": [
    "Developer Platforms",
    "Continuous Integration and Deployment",
    "Development Environments",
    "Source Code Management",
    "Quality Assurance",
  ],
  Identity: ["Identity and Access Management"],
  Integration: ["API Management", "Messaging", "Workflow Orchestration"],
  "Internet of Things": ["IoT Analytics", "IoT Platforms"],
  "Management and Governance": [
    "Architecture",
    "Compliance",
    "Cost Management",
    "Data Governance",
    "Disaster Recovery",
    "Endpoint Management",
    "Observability",
    "Support",
  ],
  Media: ["Content Creation", "Gaming", "Media Streaming", "Mixed Reality"],
  Migration: ["Data Migration", "Resource Migration"],
  Mobile: [],
  Multicloud: ["Multicloud Integration"],
  Networking: [
    "Application Networking",
    "Content Delivery",
    "Network Connectivity",
    "Network Infrastructure",
    "Network Routing",
    "Network Security",
  ],
  Security: ["Secret Management", "Security Posture Management", "Threat Detection and Response"],
  Storage: ["Backup Storage", "Block Storage", "File Storage", "Object Storage", "Storage Platforms"],
  Web: ["Application Platforms"],
  Other: [],
};
const SERVICE_CATEGORIES = Object.keys(SUBCATEGORIES);
const subcategoriesOf = (category: string) => [...(SUBCATEGORIES[category] ?? []), `Other (${category})`];
const SERVICE_SUBCATEGORIES = SERVICE_CATEGORIES.flatMap(subcategoriesOf);

// --- the table -----------------------------------------------------------------------------------

/** Presence: the dataset rules (CostAndUsage-D-*) for the columns the report emits. */
const PRESENCE: ReadonlyArray<readonly [string, string]> = [
  ["CostAndUsage-D-004-C", "ListUnitPrice"],
  ["CostAndUsage-D-005-M", "BillingAccountName"],
  ["CostAndUsage-D-006-M", "BilledCost"],
  ["CostAndUsage-D-008-M", "ChargeCategory"],
  ["CostAndUsage-D-009-M", "BillingPeriodStart"],
  ["CostAndUsage-D-010-M", "BillingPeriodEnd"],
  ["CostAndUsage-D-011-C", "ConsumedQuantity"],
  ["CostAndUsage-D-019-C", "SubAccountId"],
  ["CostAndUsage-D-021-M", "PublisherName"],
  ["CostAndUsage-D-022-C", "PricingCategory"],
  ["CostAndUsage-D-023-M", "InvoiceIssuerName"],
  ["CostAndUsage-D-024-M", "BillingAccountId"],
  ["CostAndUsage-D-025-M", "ChargeDescription"],
  ["CostAndUsage-D-026-M", "ChargeClass"],
  ["CostAndUsage-D-027-O", "ChargeFrequency"],
  ["CostAndUsage-D-028-M", "ChargePeriodEnd"],
  ["CostAndUsage-D-029-C", "SubAccountName"],
  ["CostAndUsage-D-030-M", "ContractedCost"],
  ["CostAndUsage-D-031-M", "EffectiveCost"],
  ["CostAndUsage-D-032-M", "ListCost"],
  ["CostAndUsage-D-034-C", "ContractedUnitPrice"],
  ["CostAndUsage-D-035-M", "BillingCurrency"],
  ["CostAndUsage-D-036-M", "PricingQuantity"],
  ["CostAndUsage-D-037-M", "ChargePeriodStart"],
  ["CostAndUsage-D-038-M", "ProviderName"],
  ["CostAndUsage-D-039-C", "ResourceType"],
  ["CostAndUsage-D-040-M", "ServiceCategory"],
  ["CostAndUsage-D-041-M", "ServiceName"],
  ["CostAndUsage-D-042-O", "ServiceSubcategory"],
  ["CostAndUsage-D-043-C", "ResourceId"],
  ["CostAndUsage-D-044-C", "ResourceName"],
  ["CostAndUsage-D-058-C", "SkuPriceId"],
  ["CostAndUsage-D-059-C", "SkuMeter"],
  ["CostAndUsage-D-060-C", "SkuId"],
  ["CostAndUsage-D-061-C", "SkuPriceDetails"],
  ["CostAndUsage-D-062-C", "RegionName"],
  ["CostAndUsage-D-063-C", "RegionId"],
  ["CostAndUsage-D-064-C", "Tags"],
  ["CostAndUsage-D-066-C", "ConsumedUnit"],
  ["CostAndUsage-D-068-M", "PricingUnit"],
];

/** The rules every plain String column has: type, StringHandling and, when given, not null (rule id suffixes). */
function stringColumn(column: string, type: string, format: string, notNull?: string): FocusRule[] {
  const rules = [typeString(`${column}-${type}`, column), stringHandling(`${column}-${format}`, column)];
  if (notNull) rules.push(notNullRule(`${column}-${notNull}`, column));
  return rules;
}

/** The four rules of a mandatory cost column: Decimal, NumericFormat, not null, a valid decimal. */
function costColumn(column: string): FocusRule[] {
  return [
    typeDecimal(`${column}-C-001-M`, column),
    numericFormat(`${column}-C-002-M`, column),
    notNullRule(`${column}-C-003-M`, column),
    eachRow(`${column}-C-004-M`, `${column} is a finite decimal`, (r) => Number.isFinite(Number(r[column]))),
  ];
}

/** The month bounds: start at a month's first midnight, end one calendar month later. */
function monthBound(row: FocusRow, column: "BillingPeriodStart" | "BillingPeriodEnd"): boolean {
  const start = new Date(row.BillingPeriodStart ?? "");
  if (
    Number.isNaN(start.getTime()) ||
    start.toISOString() !== `${start.toISOString().slice(0, 8)}01T00:00:00.000Z`
  )
    return false;
  if (column === "BillingPeriodStart") return true;
  const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  return row.BillingPeriodEnd === end.toISOString().replace(".000Z", "Z");
}

export const FOCUS_RULES: readonly FocusRule[] = [
  ...PRESENCE.map(([id, column]) => present(id, column)),

  ...costColumn("BilledCost"),
  ...costColumn("EffectiveCost"),
  sameNumber("EffectiveCost-C-010-C", "EffectiveCost", "BilledCost", credit),
  ...costColumn("ListCost"),
  sameNumber("ListCost-C-008-C", "ListCost", "BilledCost", all(credit, isNull("ListUnitPrice"))),
  product("ListCost-C-009-C", "ListUnitPrice", "PricingQuantity", "ListCost"),
  ...costColumn("ContractedCost"),
  sameNumber(
    "ContractedCost-C-008-C",
    "ContractedCost",
    "BilledCost",
    all(credit, isNull("ContractedUnitPrice")),
  ),
  product("ContractedCost-C-009-C", "ContractedUnitPrice", "PricingQuantity", "ContractedCost"),

  ...stringColumn("BillingAccountId", "C-002-M", "C-003-M", "C-001-M"),
  ...stringColumn("BillingAccountName", "C-001-M", "C-002-M", "C-003-C"),
  ...stringColumn("BillingCurrency", "C-001-M", "C-002-M", "C-004-M"),
  eachRow(
    "BillingCurrency-C-003-M",
    "BillingCurrency is three capital letters",
    whenSet("BillingCurrency", (v) => /^[A-Z]{3}$/.test(v)),
  ),
  eachRow(
    "BillingCurrency-C-006-M",
    "BillingCurrency is an ISO 4217 national currency",
    whenSet("BillingCurrency", (v) => NATIONAL_CURRENCIES.has(v)),
  ),

  eachRow(
    "BillingPeriodStart-C-001-M",
    "BillingPeriodStart reads as Date/Time",
    whenSet("BillingPeriodStart", (v) => DATE_TIME.test(v)),
  ),
  dateTime("BillingPeriodStart-C-002-M", "BillingPeriodStart"),
  notNullRule("BillingPeriodStart-C-003-M", "BillingPeriodStart"),
  eachRow("BillingPeriodStart-C-004-M", "BillingPeriodStart is the first instant of a calendar month", (r) =>
    monthBound(r, "BillingPeriodStart"),
  ),
  eachRow(
    "BillingPeriodEnd-C-001-M",
    "BillingPeriodEnd reads as Date/Time",
    whenSet("BillingPeriodEnd", (v) => DATE_TIME.test(v)),
  ),
  dateTime("BillingPeriodEnd-C-002-M", "BillingPeriodEnd"),
  notNullRule("BillingPeriodEnd-C-003-M", "BillingPeriodEnd"),
  eachRow("BillingPeriodEnd-C-004-M", "BillingPeriodEnd is the next month's first instant (exclusive)", (r) =>
    monthBound(r, "BillingPeriodEnd"),
  ),
  eachRow(
    "ChargePeriodStart-C-001-M",
    "ChargePeriodStart reads as Date/Time",
    whenSet("ChargePeriodStart", (v) => DATE_TIME.test(v)),
  ),
  dateTime("ChargePeriodStart-C-002-M", "ChargePeriodStart"),
  notNullRule("ChargePeriodStart-C-003-M", "ChargePeriodStart"),
  eachRow(
    "ChargePeriodStart-C-004-M",
    "ChargePeriodStart is before ChargePeriodEnd, within the billing period",
    (r) =>
      (r.ChargePeriodStart ?? "") < (r.ChargePeriodEnd ?? "") &&
      (r.ChargePeriodStart ?? "") >= (r.BillingPeriodStart ?? ""),
  ),
  eachRow(
    "ChargePeriodEnd-C-001-M",
    "ChargePeriodEnd reads as Date/Time",
    whenSet("ChargePeriodEnd", (v) => DATE_TIME.test(v)),
  ),
  dateTime("ChargePeriodEnd-C-002-M", "ChargePeriodEnd"),
  notNullRule("ChargePeriodEnd-C-003-M", "ChargePeriodEnd"),
  eachRow(
    "ChargePeriodEnd-C-004-M",
    "ChargePeriodEnd is within the billing period (exclusive end)",
    (r) => (r.ChargePeriodEnd ?? "") <= (r.BillingPeriodEnd ?? ""),
  ),

  typeString("ChargeCategory-C-001-M", "ChargeCategory"),
  notNullRule("ChargeCategory-C-002-M", "ChargeCategory"),
  oneOf("ChargeCategory-C-003-M", "ChargeCategory", CHARGE_CATEGORIES),
  typeString("ChargeClass-C-001-M", "ChargeClass"),
  eachRow(
    "ChargeClass-C-003-C",
    "ChargeClass null (the Usage API reports no corrections of invoiced periods)",
    isNull("ChargeClass"),
  ),
  eachRow(
    "ChargeClass-C-005-C",
    'ChargeClass is "Correction" when not null',
    whenSet("ChargeClass", (v) => v === "Correction"),
  ),
  ...stringColumn("ChargeDescription", "C-001-M", "C-002-M"),
  typeString("ChargeFrequency-C-001-M", "ChargeFrequency"),
  notNullRule("ChargeFrequency-C-002-M", "ChargeFrequency"),
  oneOf("ChargeFrequency-C-003-M", "ChargeFrequency", CHARGE_FREQUENCIES),
  eachRow(
    "ChargeFrequency-C-004-C",
    'ChargeFrequency not "Usage-Based" on a Purchase',
    isNot("ChargeFrequency", "Usage-Based"),
    is("ChargeCategory", "Purchase"),
  ),

  typeDecimal("ConsumedQuantity-C-001-M", "ConsumedQuantity"),
  numericFormat("ConsumedQuantity-C-002-M", "ConsumedQuantity"),
  nullRule("ConsumedQuantity-C-004-C", "ConsumedQuantity", isNot("ChargeCategory", "Usage")),
  notNullRule(
    "ConsumedQuantity-C-006-C",
    "ConsumedQuantity",
    all(is("ChargeCategory", "Usage"), isNot("ChargeClass", "Correction")),
  ),
  eachRow(
    "ConsumedQuantity-C-008-C",
    "ConsumedQuantity a finite decimal when set",
    whenSet("ConsumedQuantity", (v) => Number.isFinite(Number(v))),
  ),
  ...stringColumn("ConsumedUnit", "C-001-M", "C-002-M"),
  nullRule("ConsumedUnit-C-005-C", "ConsumedUnit", isNull("ConsumedQuantity")),
  notNullRule("ConsumedUnit-C-006-C", "ConsumedUnit", notNull("ConsumedQuantity")),

  typeDecimal("ContractedUnitPrice-C-002-M", "ContractedUnitPrice"),
  numericFormat("ContractedUnitPrice-C-003-M", "ContractedUnitPrice"),
  nullRule("ContractedUnitPrice-C-005-C", "ContractedUnitPrice", tax),
  notNullRule("ContractedUnitPrice-C-006-C", "ContractedUnitPrice", usageOrPurchase),
  nonNegative("ContractedUnitPrice-C-009-C", "ContractedUnitPrice"),
  product("ContractedUnitPrice-C-011-C", "ContractedUnitPrice", "PricingQuantity", "ContractedCost"),
  typeDecimal("ListUnitPrice-C-001-M", "ListUnitPrice"),
  numericFormat("ListUnitPrice-C-002-M", "ListUnitPrice"),
  nullRule("ListUnitPrice-C-004-C", "ListUnitPrice", tax),
  notNullRule("ListUnitPrice-C-005-C", "ListUnitPrice", usageOrPurchase),
  nonNegative("ListUnitPrice-C-008-M", "ListUnitPrice"),
  // The validator checks this product whenever ListUnitPrice is set, PricingQuantity null or not.
  eachRow(
    "ListUnitPrice-C-010-C",
    "ListUnitPrice set only with a PricingQuantity whose product is ListCost",
    (r) => Number(r.ListUnitPrice) * Number(r.PricingQuantity) === Number(r.ListCost),
    all(notNull("ListUnitPrice"), isNot("ChargeClass", "Correction")),
  ),

  typeDecimal("PricingQuantity-C-001-M", "PricingQuantity"),
  numericFormat("PricingQuantity-C-002-M", "PricingQuantity"),
  nullRule("PricingQuantity-C-004-C", "PricingQuantity", tax),
  notNullRule("PricingQuantity-C-005-C", "PricingQuantity", usageOrPurchase),
  eachRow(
    "PricingQuantity-C-008-M",
    "PricingQuantity a finite decimal when set",
    whenSet("PricingQuantity", (v) => Number.isFinite(Number(v))),
  ),
  ...stringColumn("PricingUnit", "C-001-M", "C-002-M"),
  nullRule("PricingUnit-C-005-C", "PricingUnit", isNull("PricingQuantity")),
  notNullRule("PricingUnit-C-006-C", "PricingUnit", notNull("PricingQuantity")),
  typeString("PricingCategory-C-001-M", "PricingCategory"),
  nullRule("PricingCategory-C-003-C", "PricingCategory", tax),
  notNullRule("PricingCategory-C-004-C", "PricingCategory", usageOrPurchase),
  oneOf("PricingCategory-C-007-M", "PricingCategory", PRICING_CATEGORIES),

  ...stringColumn("InvoiceIssuerName", "C-001-M", "C-002-M", "C-003-M"),
  ...stringColumn("ProviderName", "C-001-M", "C-002-M", "C-003-M"),
  ...stringColumn("PublisherName", "C-001-M", "C-002-M", "C-003-M"),

  ...stringColumn("RegionId", "C-001-M", "C-002-M"),
  ...stringColumn("RegionName", "C-001-M", "C-002-M"),
  nullRule("RegionName-C-004-C", "RegionName", isNull("RegionId")),
  notNullRule("RegionName-C-005-C", "RegionName", notNull("RegionId")),

  ...stringColumn("ResourceId", "C-001-M", "C-002-M"),
  ...stringColumn("ResourceName", "C-001-M", "C-002-M"),
  nullRule("ResourceName-C-004-C", "ResourceName", isNull("ResourceId")),
  ...stringColumn("ResourceType", "C-001-M", "C-002-M"),
  nullRule("ResourceType-C-004-C", "ResourceType", isNull("ResourceId")),
  notNullRule("ResourceType-C-005-C", "ResourceType", notNull("ResourceId")),

  typeString("ServiceCategory-C-001-M", "ServiceCategory"),
  notNullRule("ServiceCategory-C-002-M", "ServiceCategory"),
  oneOf("ServiceCategory-C-003-M", "ServiceCategory", SERVICE_CATEGORIES),
  ...stringColumn("ServiceName", "C-001-M", "C-002-M", "C-003-M"),
  oneParent("ServiceName-C-005-C", "ServiceName", "ServiceCategory"),
  typeString("ServiceSubcategory-C-001-M", "ServiceSubcategory"),
  notNullRule("ServiceSubcategory-C-002-M", "ServiceSubcategory"),
  oneOf("ServiceSubcategory-C-003-M", "ServiceSubcategory", SERVICE_SUBCATEGORIES),
  eachRow("ServiceSubcategory-C-004-M", "ServiceSubcategory belongs to the row's ServiceCategory", (r) =>
    subcategoriesOf(r.ServiceCategory ?? "").includes(r.ServiceSubcategory ?? ""),
  ),

  ...stringColumn("SkuId", "C-001-M", "C-002-M"),
  nullRule("SkuId-C-004-C", "SkuId", tax),
  notNullRule("SkuId-C-005-C", "SkuId", usageOrPurchase),
  ...stringColumn("SkuMeter", "C-001-M", "C-002-M"),
  nullRule("SkuMeter-C-004-C", "SkuMeter", isNull("SkuId")),
  eachRow(
    "SkuPriceDetails-C-001-M",
    "SkuPriceDetails a JSON object of scalar values when set",
    whenSet("SkuPriceDetails", keyValue),
  ),
  nullRule("SkuPriceDetails-C-004-C", "SkuPriceDetails", isNull("SkuPriceId")),
  ...stringColumn("SkuPriceId", "C-001-M", "C-002-M"),
  nullRule("SkuPriceId-C-004-C", "SkuPriceId", tax),
  notNullRule("SkuPriceId-C-005-C", "SkuPriceId", usageOrPurchase),
  oneParent("SkuPriceId-C-008-M", "SkuPriceId", "SkuId"),

  ...stringColumn("SubAccountId", "C-001-M", "C-002-M"),
  ...stringColumn("SubAccountName", "C-001-M", "C-002-M"),
  nullRule("SubAccountName-C-004-C", "SubAccountName", isNull("SubAccountId")),
  notNullRule("SubAccountName-C-005-C", "SubAccountName", notNull("SubAccountId")),

  eachRow("Tags-C-001-M", "Tags a JSON object of scalar values when set", whenSet("Tags", keyValue)),
];

/** Each rule with what breaks it, for the rules that do not hold. */
export function focusViolations(
  data: FocusDataset,
): Array<{ id: string; check: string; failures: string[] }> {
  return FOCUS_RULES.map((rule) => ({
    id: rule.id,
    check: rule.check,
    failures: rule.failures(data),
  })).filter((r) => r.failures.length > 0);
}
