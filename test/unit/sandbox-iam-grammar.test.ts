// The sandbox's policy-statement and matching-rule parser: every statement form the project prints parses,
// and malformed ones are refused with a reason.
import { describe, expect, it } from "vitest";
import { GrammarError, parseMatchingRule, parseStatement } from "../../sandbox/iam/grammar.js";
import { iamPolicy } from "../../src/deploy/iam.js";

const TENANCY = "ocid1.tenancy.oc1..aaaaaaaatenancy";
const COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaacompartment";
const FUNCTION = "ocid1.fnfunc.oc1.iad.aaaaaaaafunction";

describe("parseStatement", () => {
  it("parses every statement deploy prints, in the tenancy and in a compartment", () => {
    for (const functionCompartmentId of [TENANCY, COMPARTMENT]) {
      const policy = iamPolicy({
        tenancyId: TENANCY,
        functionCompartmentId,
        deploymentCompartmentId: COMPARTMENT,
        gatewayCompartmentId: TENANCY,
        repository: "usage-api",
      });
      const statements = policy.sections.flatMap((s) => s.statements);
      expect(statements.length).toBeGreaterThan(8);
      for (const statement of statements) expect(() => parseStatement(statement)).not.toThrow();
    }
  });

  it("reads subject, verb, resource type, location and conditions", () => {
    expect(
      parseStatement(
        `Allow any-user to use functions-family in compartment id ${COMPARTMENT} where ALL {request.principal.type = 'ApiGateway', request.resource.compartment.id = '${TENANCY}'}`,
      ),
    ).toEqual({
      subject: { kind: "any-user" },
      verb: "use",
      resourceType: "functions-family",
      location: { kind: "compartment", id: COMPARTMENT },
      conditions: {
        combinator: "ALL",
        clauses: [
          { variable: "request.principal.type", operator: "=", value: "ApiGateway" },
          { variable: "request.resource.compartment.id", operator: "=", value: TENANCY },
        ],
      },
    });
    expect(parseStatement("allow SERVICE faas to READ repos IN tenancy")).toMatchObject({
      subject: { kind: "service", name: "faas" },
      verb: "read",
      location: { kind: "tenancy" },
    });
    expect(
      parseStatement(
        "Allow group 'Default'/'Deployers' to manage repos in tenancy where target.repo.name = 'usage-api'",
      ).subject,
    ).toEqual({ kind: "group", name: "Default'/'Deployers" });
    expect(
      parseStatement("Allow dynamic-group UsageApiFunction to read usage-report in compartment apps:prod")
        .location,
    ).toEqual({
      kind: "compartment",
      name: "apps:prod",
    });
  });

  it.each([
    ["", /expected "allow"/],
    ["Permit group G to read repos in tenancy", /expected "allow"/],
    ["Allow group to read repos in tenancy", /not a group name|expected "to"/],
    ["Allow group G read repos in tenancy", /expected "to"/],
    ["Allow group G to own repos in tenancy", /not a verb/],
    ["Allow group G to read reposs in tenancy", /unknown resource type "reposs"/],
    ["Allow group G to read repos", /expected "in"/],
    ["Allow group G to read repos in galaxy", /not a location/],
    ["Allow group G to read repos in compartment id not-an-ocid", /not an OCID/],
    ["Allow group G to read repos in tenancy extra", /unexpected "extra"/],
    ["Allow group G to read repos in tenancy where", /not <variable> = <value>/],
    ["Allow group G to read repos in tenancy where ALL {}", /has no condition/],
    ["Allow group G to read repos in tenancy where ALL {target.repo.name = 'a',}", /empty condition/],
    ["Allow wizard G to read repos in tenancy", /not a subject/],
  ])("refuses %j", (statement, reason) => {
    expect(() => parseStatement(statement)).toThrow(GrammarError);
    expect(() => parseStatement(statement)).toThrow(reason);
  });

  it("accepts any resource type when no list is given", () => {
    expect(parseStatement("Allow group G to read brand-new-things in tenancy", null).resourceType).toBe(
      "brand-new-things",
    );
  });
});

describe("parseMatchingRule", () => {
  it("parses the two rules deploy prints", () => {
    expect(
      parseMatchingRule(`ALL {resource.type = 'fnfunc', resource.compartment.id = '${COMPARTMENT}'}`),
    ).toEqual({
      combinator: "ALL",
      clauses: [
        { variable: "resource.type", operator: "=", value: "fnfunc" },
        { variable: "resource.compartment.id", operator: "=", value: COMPARTMENT },
      ],
    });
    expect(parseMatchingRule(`ANY {resource.type = 'fnfunc', resource.id = '${FUNCTION}'}`).combinator).toBe(
      "ANY",
    );
    expect(parseMatchingRule(`resource.id = '${FUNCTION}'`).combinator).toBe("ONE");
  });

  it.each([
    ["ALL {resource.type = 'fnfunc'", /not <variable> = <value>/],
    ["ALL {request.principal.type = 'x'}", /not a matching-rule variable/],
    ["ALL {resource.type != 'fnfunc'}", /compare with =/],
    ["ALL {resource.id = 'abc'}", /not an OCID/],
    ["SOME {resource.type = 'fnfunc'}", /not <variable> = <value>/],
  ])("refuses %j", (rule, reason) => {
    expect(() => parseMatchingRule(rule)).toThrow(reason);
  });
});
