import { describe, expect, it } from "vitest";
import { UserFacingError } from "../../src/lib/errors.js";
import { permissionHint, setupPermissions } from "../../src/setup/permissions.js";
import {
  type Existing,
  type FieldSpec,
  live,
  planItem,
  planPolicy,
  renderPlan,
  show,
  statementDiff,
} from "../../src/setup/plan.js";

const FIELDS = (current: { shape?: string; subnetIds?: string[] } | undefined): FieldSpec[] => [
  { field: "shape", desired: "GENERIC_ARM", current: current?.shape },
  { field: "subnetIds", desired: ["ocid1.subnet.b", "ocid1.subnet.a"], current: current?.subnetIds },
];

describe("planItem", () => {
  it.each<[string, (Existing & { shape?: string; subnetIds?: string[] }) | undefined, string, string[]]>([
    [
      "missing -> create with every field",
      undefined,
      "create",
      ["shape: (none) -> GENERIC_ARM", "subnetIds: (none) -> ocid1.subnet.a, ocid1.subnet.b"],
    ],
    [
      "the same (lists as sets) -> none",
      {
        id: "x",
        lifecycleState: "ACTIVE",
        shape: "GENERIC_ARM",
        subnetIds: ["ocid1.subnet.a", "ocid1.subnet.b"],
      },
      "none",
      [],
    ],
    [
      "different -> update with the diff",
      {
        id: "x",
        lifecycleState: "ACTIVE",
        shape: "GENERIC_X86",
        subnetIds: ["ocid1.subnet.a", "ocid1.subnet.b"],
      },
      "update",
      ["shape: GENERIC_X86 -> GENERIC_ARM"],
    ],
    [
      "CREATING -> wait",
      {
        id: "x",
        lifecycleState: "CREATING",
        shape: "GENERIC_ARM",
        subnetIds: ["ocid1.subnet.a", "ocid1.subnet.b"],
      },
      "wait",
      [],
    ],
    [
      "UPDATING and different -> wait (then update)",
      {
        id: "x",
        lifecycleState: "UPDATING",
        shape: "GENERIC_X86",
        subnetIds: ["ocid1.subnet.a", "ocid1.subnet.b"],
      },
      "wait",
      ["shape: GENERIC_X86 -> GENERIC_ARM"],
    ],
    [
      "no lifecycle state (SCIM) is taken as active",
      { id: "x", shape: "GENERIC_ARM", subnetIds: ["ocid1.subnet.a", "ocid1.subnet.b"] },
      "none",
      [],
    ],
  ])("%s", (_title, existing, action, changes) => {
    const item = planItem("application", "usage-api", existing, FIELDS(existing));
    expect(item.action).toBe(action);
    expect(item.id).toBe(existing?.id);
    expect(item.changes.map((c) => `${c.field}: ${c.from} -> ${c.to}`)).toEqual(changes);
  });

  it("refuses a FAILED item with its lifecycleDetails", () => {
    expect(() =>
      planItem(
        "gateway",
        "gw",
        { id: "ocid1.apigateway.x", lifecycleState: "FAILED", lifecycleDetails: "subnet full\nretry" },
        [],
      ),
    ).toThrow(
      new UserFacingError(
        "gateway gw (ocid1.apigateway.x) is FAILED: subnet full retry; delete it in the console (setup never deletes) and re-run setup",
      ),
    );
  });

  it("refuses a FAILED item without details, and a DELETING one", () => {
    expect(() => planItem("gateway", "gw", { id: "g", lifecycleState: "FAILED" }, [])).toThrow(
      "gateway gw (g) is FAILED: the service gave no details",
    );
    expect(() => planItem("application", "app", { id: "a", lifecycleState: "DELETING" }, [])).toThrow(
      "application app (a) is DELETING; wait until it is gone and re-run setup, or choose another name",
    );
  });

  it("refuses a difference in a field the service cannot change, naming it", () => {
    expect(() =>
      planItem("application", "app", { id: "a" }, [
        { field: "shape", desired: "GENERIC_ARM", current: "GENERIC_X86", mutable: false },
      ]),
    ).toThrow(
      "application app (a) has shape GENERIC_X86 where setup wants GENERIC_ARM, and that cannot be changed; choose another name, or use the existing item's values",
    );
  });

  it("leaves fields without a desired value out", () => {
    const item = planItem("repository", "r", { id: "r1" }, [
      { field: "isPublic", desired: undefined, current: true },
    ]);
    expect(item.action).toBe("none");
  });

  it("treats DELETED list entries as missing", () => {
    expect(live([{ lifecycleState: "DELETED" }, { lifecycleState: "ACTIVE" }, {}])).toEqual([
      { lifecycleState: "ACTIVE" },
      {},
    ]);
  });

  it.each([
    [undefined, "(none)"],
    ["a", "a"],
    [["b", "a"], "a, b"],
    [[], "(none)"],
    [false, "false"],
  ])("shows %j as %j", (value, text) => {
    expect(show(value)).toBe(text);
  });
});

describe("policy statements", () => {
  const desired = ["Allow group G to read fn-app in tenancy", "Allow service faas to read repos in tenancy"];

  it.each<[string, string[], string[], string[]]>([
    ["the same", desired, [], []],
    [
      "white space and the verb's case do not count",
      ["allow  group G to read fn-app in tenancy", "Allow service faas to read repos in tenancy "],
      [],
      [],
    ],
    ["one missing", [desired[0]!], [desired[1]!], []],
    [
      "one extra",
      [...desired, "Allow group G to manage all-resources in tenancy"],
      [],
      ["Allow group G to manage all-resources in tenancy"],
    ],
    [
      "one changed",
      [desired[0]!, "Allow service faas to manage repos in tenancy"],
      [desired[1]!],
      ["Allow service faas to manage repos in tenancy"],
    ],
  ])("diff: %s", (_title, current, added, removed) => {
    expect(statementDiff(current, desired)).toEqual({ added, removed });
  });

  it("plans create, none and update from the diff", () => {
    expect(planPolicy("p", undefined, desired)).toMatchObject({
      action: "create",
      statements: { added: desired, removed: [] },
    });
    expect(planPolicy("p", { id: "p1", statements: desired }, desired)).toMatchObject({
      action: "none",
      id: "p1",
    });
    expect(planPolicy("p", { id: "p1", statements: [desired[0]!] }, desired)).toMatchObject({
      action: "update",
      statements: { added: [desired[1]], removed: [] },
    });
  });
});

describe("renderPlan", () => {
  it("prints each item, its diff and the permissions setup needs", () => {
    const lines = renderPlan({
      dryRun: true,
      items: [
        planItem("repository", "usage-api", undefined, [
          { field: "isPublic", desired: false, current: undefined },
        ]),
        planItem("gateway", "gw", { id: "g1", lifecycleState: "CREATING" }, []),
        planPolicy("p", { id: "p1", statements: ["Allow a"] }, ["Allow b"]),
        planItem("resource app", "usage-api", { id: "r1" }, [
          { field: "audience", desired: "https://b/", current: "https://a/" },
        ]),
      ],
      permissions: ["Allow group X to manage repos in tenancy"],
    });
    expect(lines).toEqual([
      "Dry run: 3 items to create or update",
      "repository usage-api: create",
      "    isPublic: false",
      "gateway gw: wait for g1 (still being created)",
      "policy p: update p1",
      "    + Allow b",
      "    - Allow a",
      "resource app usage-api: update r1",
      "    audience: https://a/ -> https://b/",
      "setup's own user needs these policy statements (and nothing more):",
      "    Allow group X to manage repos in tenancy",
    ]);
  });

  it("says so when nothing changes", () => {
    expect(renderPlan({ dryRun: false, items: [], permissions: [] })[0]).toBe("nothing to change");
  });
});

describe("setup's permissions", () => {
  const ctx = {
    tenancyId: "ocid1.tenancy.oc1..t",
    compartmentId: "ocid1.compartment.oc1..c",
    identityDomainName: "Default",
  };

  it("lists each statement once", () => {
    const statements = setupPermissions(ctx);
    expect(new Set(statements).size).toBe(statements.length);
    expect(statements).toContain(
      "Allow group <the group of the user running setup> to manage repos in compartment id ocid1.compartment.oc1..c",
    );
    expect(statements).toContain(
      "Allow group <the group of the user running setup> to manage dynamic-groups in tenancy",
    );
    expect(statements).toContain(
      "Allow group <the group of the user running setup> to manage policies in tenancy",
    );
  });

  it("names the missing permission for a 404 and a 401, and nothing for a 500", () => {
    expect(permissionHint("CreateGateway", ctx)(404)).toBe(
      "the user may lack this permission: Allow group <the group of the user running setup> to manage api-gateways in compartment id ocid1.compartment.oc1..c; Allow group <the group of the user running setup> to use virtual-network-family in compartment id ocid1.compartment.oc1..c",
    );
    expect(permissionHint("CreateApp", ctx)(401)).toContain(
      "Application Administrator role in identity domain Default",
    );
    expect(permissionHint("CreateGateway", ctx)(500)).toBeUndefined();
    expect(permissionHint("Unknown", ctx)(404)).toBeUndefined();
  });

  it("asks for domain rights for a dynamic group in another domain", () => {
    expect(
      permissionHint("CreateDynamicResourceGroup", { ...ctx, identityDomainName: "Ops" })(403),
    ).toContain("to manage domains in tenancy");
  });
});
