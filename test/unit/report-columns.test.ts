import { describe, expect, it } from "vitest";
import { formatExact } from "../../src/lib/money.js";
import { type QueryShape, type RowContext, reportColumns, rowValues } from "../../src/report/columns.js";
import {
  focusColumns,
  focusDateTime,
  focusGroupBy,
  focusTags,
  serviceCategory,
  serviceSubcategory,
} from "../../src/report/focus.js";
import { MonthTotals, UNKNOWN_CURRENCY } from "../../src/report/totals.js";

const SHAPE: QueryShape = {
  granularity: "MONTHLY",
  queryType: "COST",
  groupBy: ["service", "compartmentName", "tagKey", "tagValue"],
  groupByTag: { namespace: "Ops", key: "CostCenter" },
};
const CTX: RowContext = {
  month: "2026-01",
  billingPeriodStart: "2026-01-01T00:00:00.000Z",
  billingPeriodEnd: "2026-02-01T00:00:00.000Z",
  fallbackCurrency: "EUR",
};
const ITEM = {
  service: "Block Storage",
  compartmentName: "prod",
  compartmentId: "ocid1.compartment.oc1..prod",
  compartmentPath: "root/prod",
  region: "eu-frankfurt-1",
  resourceId: "ocid1.volume.oc1..v",
  skuPartNumber: "B91961",
  skuName: "Block Volume - Storage",
  unit: "GB_MS",
  tenantId: "ocid1.tenancy.oc1..t",
  tenantName: "acme",
  timeUsageStarted: "2026-01-01T00:00:00.000Z",
  timeUsageEnded: "2026-02-01T00:00:00.000Z",
  computedAmount: -12.5,
  computedQuantity: 300,
  listRate: 0.0255,
  currency: null,
  tags: [
    { namespace: "Ops", key: "CostCenter", value: '=HYPERLINK("x")' },
    { namespace: "Ops", key: "Owner", value: "team-a" },
  ],
};

describe("reportColumns", () => {
  it("derives a deterministic column set from the query", () => {
    expect(reportColumns(SHAPE).map((c) => c.name)).toEqual([
      "month",
      "timeUsageStarted",
      "timeUsageEnded",
      "service",
      "compartmentName",
      "tagKey",
      "tagValue",
      "tag:Ops.CostCenter",
      "computedAmount",
      "computedQuantity",
      "unit",
      "currency",
    ]);
    // unit appears once, in group-by order, when grouped by it.
    expect(
      reportColumns({ granularity: "DAILY", queryType: "USAGE", groupBy: ["unit", "service"] }).map(
        (c) => c.name,
      ),
    ).toEqual([
      "month",
      "timeUsageStarted",
      "timeUsageEnded",
      "unit",
      "service",
      "computedAmount",
      "computedQuantity",
      "currency",
    ]);
  });

  it("maps an item to the values, numbers as numbers and nulls as null", () => {
    expect(rowValues(reportColumns(SHAPE), ITEM, CTX)).toEqual([
      "2026-01",
      "2026-01-01T00:00:00.000Z",
      "2026-02-01T00:00:00.000Z",
      "Block Storage",
      "prod",
      "CostCenter",
      '=HYPERLINK("x")',
      '=HYPERLINK("x")',
      -12.5,
      300,
      "GB_MS",
      null,
    ]);
  });
});

describe("FOCUS", () => {
  const columns = focusColumns(SHAPE);
  const row = Object.fromEntries(columns.map((c, i) => [c.name, rowValues(columns, ITEM, CTX)[i]]));

  it("uses FOCUS 1.2 column names in alphabetical order, x_ extensions last", () => {
    const names = columns.map((c) => c.name);
    const focus = names.filter((n) => !n.startsWith("x_"));
    expect(focus).toEqual([...focus].sort());
    expect(names).toEqual(
      expect.arrayContaining(["BilledCost", "EffectiveCost", "ListCost", "ServiceName", "ChargePeriodStart"]),
    );
  });

  it("maps an OCI credit row: Credit, no quantity or unit price, every cost at BilledCost", () => {
    expect(row).toMatchObject({
      BilledCost: -12.5,
      EffectiveCost: -12.5,
      ListCost: -12.5,
      ContractedCost: -12.5,
      BillingAccountId: "ocid1.tenancy.oc1..t",
      BillingAccountName: "acme",
      BillingCurrency: "EUR",
      BillingPeriodStart: "2026-01-01T00:00:00Z",
      BillingPeriodEnd: "2026-02-01T00:00:00Z",
      ChargeCategory: "Credit",
      ChargeClass: null,
      ChargeDescription: "Block Volume - Storage",
      ChargeFrequency: "Usage-Based",
      ChargePeriodStart: "2026-01-01T00:00:00Z",
      ChargePeriodEnd: "2026-02-01T00:00:00Z",
      ConsumedQuantity: null,
      ConsumedUnit: null,
      PricingQuantity: null,
      PricingUnit: null,
      PricingCategory: null,
      ListUnitPrice: null,
      ContractedUnitPrice: null,
      InvoiceIssuerName: "Oracle",
      ProviderName: "Oracle",
      PublisherName: "Oracle",
      RegionId: "eu-frankfurt-1",
      RegionName: "Germany Central (Frankfurt)",
      ResourceId: "ocid1.volume.oc1..v",
      ResourceType: "volume",
      ServiceCategory: "Storage",
      ServiceSubcategory: "Block Storage",
      ServiceName: "Block Storage",
      SkuId: "B91961",
      SkuPriceId: "B91961",
      SkuMeter: "Block Volume - Storage",
      SubAccountId: "ocid1.compartment.oc1..prod",
      SubAccountName: "prod",
      Tags: '{"Ops.CostCenter":"=HYPERLINK(\\"x\\")","Ops.Owner":"team-a"}',
      x_CompartmentPath: "root/prod",
    });
  });

  it("maps an OCI usage row: list and contracted costs are unit price × PricingQuantity", () => {
    const values = rowValues(
      columns,
      { ...ITEM, computedAmount: 6.9, unitPrice: 0.023, listRate: 0.0255, currency: "USD" },
      CTX,
    );
    const r = Object.fromEntries(columns.map((c, i) => [c.name, values[i]]));
    expect(r).toMatchObject({
      ChargeCategory: "Usage",
      BilledCost: 6.9,
      EffectiveCost: 6.9,
      ConsumedQuantity: 300,
      ConsumedUnit: "GB_MS",
      PricingQuantity: 300,
      PricingUnit: "GB_MS",
      PricingCategory: "Standard",
      ListUnitPrice: 0.0255,
      ListCost: 0.0255 * 300,
      ContractedUnitPrice: 0.023,
      ContractedCost: 0.023 * 300,
      BillingCurrency: "USD",
    });
  });

  it("without unitPrice or listRate, prices the row at its amount per unit", () => {
    const values = rowValues(
      columns,
      { computedAmount: 3, computedQuantity: 4, currency: "USD", tags: [] },
      CTX,
    );
    const r = Object.fromEntries(columns.map((c, i) => [c.name, values[i]]));
    expect(r).toMatchObject({
      ChargeCategory: "Usage",
      ContractedUnitPrice: 0.75,
      ListUnitPrice: 0.75,
      ListCost: 3,
      BillingCurrency: "USD",
      Tags: null,
      ServiceCategory: "Other",
      ServiceSubcategory: "Other (Other)",
      ServiceName: "Oracle Cloud Infrastructure",
      SubAccountId: null,
      SubAccountName: null,
      RegionName: null,
      ResourceType: null,
      SkuMeter: null,
    });
  });

  it("writes date/times as whole UTC seconds with Z", () => {
    expect(focusDateTime("2026-01-01T00:00:00.000Z")).toBe("2026-01-01T00:00:00Z");
    expect(focusDateTime("2026-01-01T02:00:00+02:00")).toBe("2026-01-01T00:00:00Z");
    expect(focusDateTime(null)).toBeNull();
  });

  it("asks for the billing account, SKU, compartment and region, never the tag dimensions", () => {
    expect(focusGroupBy(SHAPE.groupBy)).toEqual([
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
    ]);
    expect(focusGroupBy(["service", "resourceId"]).at(-1)).toBe("resourceId");
  });

  it("sorts tag keys so the Tags text is stable", () => {
    expect(
      focusTags({
        tags: [
          { namespace: "b", key: "k", value: "2" },
          { namespace: "a", key: "k", value: "1" },
        ],
      }),
    ).toBe('{"a.k":"1","b.k":"2"}');
  });

  it.each([
    ["COMPUTE", "Compute"],
    ["Oracle Functions", "Compute"],
    ["Container Engine for Kubernetes", "Compute"],
    ["Block Storage", "Storage"],
    ["OBJECT_STORAGE", "Storage"],
    ["Autonomous Database", "Databases"],
    ["MySQL HeatWave", "Databases"],
    ["Database Backup", "Databases"],
    ["Networking", "Networking"],
    ["Load Balancer", "Networking"],
    ["API Gateway", "Integration"],
    ["Notifications", "Integration"],
    ["Vault", "Security"],
    ["Web Application Firewall", "Security"],
    ["Identity Cloud Service", "Identity"],
    ["Logging", "Management and Governance"],
    ["Monitoring", "Management and Governance"],
    ["Generative AI", "AI and Machine Learning"],
    ["Data Science", "AI and Machine Learning"],
    ["Analytics Cloud", "Analytics"],
    ["DevOps", "Developer Tools"],
    ["Container Registry", "Developer Tools"],
    ["Email Delivery", "Web"],
    ["Something New", "Other"],
    ["", "Other"],
  ])("ServiceCategory(%j) = %s", (service, category) => {
    expect(serviceCategory(service)).toBe(category);
  });

  it.each([
    ["Compute", "Virtual Machines"],
    ["Oracle Functions", "Serverless Compute"],
    ["Container Engine for Kubernetes", "Containers"],
    ["Object Storage", "Object Storage"],
    ["Autonomous Database", "Relational Databases"],
    ["API Gateway", "API Management"],
    ["Load Balancer", "Application Networking"],
    ["Logging", "Observability"],
    ["Vault", "Secret Management"],
    ["Generative AI", "Generative AI"],
    ["Web Application Firewall", "Other (Security)"],
    ["Credits", "Other (Other)"],
  ])("ServiceSubcategory(%j) = %s", (service, subcategory) => {
    expect(serviceSubcategory(service)).toBe(subcategory);
  });
});

describe("MonthTotals", () => {
  it("sums exactly by service and compartment, negatives included", () => {
    const totals = new MonthTotals("2026-01");
    for (let i = 0; i < 10; i++)
      totals.add({ service: "A", compartmentPath: "root/x", computedAmount: 0.1, currency: "USD" });
    totals.add({ service: "B", compartmentName: "y", computedAmount: -0.3 });
    totals.add({ service: null, computedAmount: "2.25" });
    totals.add({ service: "C", computedAmount: null });
    const r = totals.result();
    expect(formatExact(r.total)).toBe("2.95");
    expect(r.rows).toBe(13);
    expect(r.currency).toBe("USD");
    expect(r.byService.map(([n, v]) => [n, formatExact(v)])).toEqual([
      ["(none)", "2.25"],
      ["A", "1"],
      ["C", "0"],
      ["B", "-0.3"],
    ]);
    expect(r.byCompartment.map(([n]) => n)).toEqual(["(none)", "root/x", "y"]);
  });

  it("with a group-by tag, sums exactly by its value; rows without it (or with another tag) are untagged", () => {
    const totals = new MonthTotals("2026-01", { namespace: "finance", key: "CostCenter" });
    const cc = (value: unknown) => [{ namespace: "finance", key: "CostCenter", value }];
    for (let i = 0; i < 10; i++) totals.add({ computedAmount: 0.1, tags: cc("cc-1") });
    totals.add({ computedAmount: "1.005", tags: cc("cc-2") });
    totals.add({ computedAmount: 0.2, tags: [] });
    totals.add({ computedAmount: 0.3, tags: cc(null) });
    totals.add({ computedAmount: 0.4, tags: [{ namespace: "ops", key: "CostCenter", value: "cc-1" }] });
    totals.add({ computedAmount: 0.5 });
    const { byTag, total } = totals.result();
    expect(byTag?.values.map(([n, v]) => [n, formatExact(v)])).toEqual([
      ["cc-2", "1.005"],
      ["cc-1", "1"],
    ]);
    expect(formatExact(byTag!.untagged)).toBe("1.4");
    expect(formatExact(total)).toBe("3.405");
    expect(new MonthTotals("2026-01").result().byTag).toBeUndefined();
  });

  it("falls back for the currency: rows, then the fallback, then unknown", () => {
    const t = new MonthTotals("2026-01");
    t.add({ computedAmount: 1, currency: null });
    expect(t.result("EUR").currency).toBe("EUR");
    expect(t.result().currency).toBe(UNKNOWN_CURRENCY);
    t.add({ computedAmount: 1, currency: "JPY" });
    t.add({ computedAmount: 1, currency: "USD" });
    expect(t.result("EUR")).toMatchObject({ currency: "JPY", currencies: ["JPY", "USD"] });
  });

  it("refuses a computedAmount that is not a number", () => {
    expect(() => new MonthTotals("2026-01").add({ computedAmount: { x: 1 } })).toThrow(
      /computedAmount of type object/,
    );
    expect(() => new MonthTotals("2026-01").add({ computedAmount: "abc" })).toThrow();
  });
});
