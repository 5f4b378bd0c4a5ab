import { describe, expect, it } from "vitest";
import { compartmentClause, iamPolicy, renderIamPolicy } from "../../src/deploy/iam.js";
import { type DeployPlan, renderPlan, renderPlanMarkdown } from "../../src/deploy/plan.js";

const TENANCY = "ocid1.tenancy.oc1..aaaaaaaatenancy";
const FN_COMP = "ocid1.compartment.oc1..aaaaaaaafunctions";
const GW_COMP = "ocid1.compartment.oc1..aaaaaaaagateways";
const FN_ID = "ocid1.fnfunc.oc1.iad.aaaaaaaafunction";

describe("iamPolicy", () => {
  it("renders least-privilege statements for the actual compartments", () => {
    const text = renderIamPolicy(
      iamPolicy({
        tenancyId: TENANCY,
        functionCompartmentId: FN_COMP,
        deploymentCompartmentId: GW_COMP,
        gatewayCompartmentId: GW_COMP,
        repository: "usage-api",
      }),
    );
    expect(text).toEqual([
      "# Dynamic group UsageApiFunction, matching rule:",
      `ALL {resource.type = 'fnfunc', resource.compartment.id = '${FN_COMP}'}`,
      "# The function reads usage as a resource principal (dynamic group UsageApiFunction)",
      "Allow dynamic-group UsageApiFunction to read usage-report in tenancy",
      "# API Gateway may invoke the function",
      `Allow any-user to use functions-family in compartment id ${FN_COMP} where ALL {request.principal.type = 'ApiGateway', request.resource.compartment.id = '${GW_COMP}'}`,
      "# The Functions service pulls the image",
      "Allow service faas to read repos in tenancy",
      "# The deployer (group UsageApiDeployers, holding the API-key user)",
      "Allow group UsageApiDeployers to read objectstorage-namespaces in tenancy",
      "Allow group UsageApiDeployers to manage repos in tenancy where target.repo.name = 'usage-api'",
      `Allow group UsageApiDeployers to read fn-app in compartment id ${FN_COMP}`,
      `Allow group UsageApiDeployers to manage fn-function in compartment id ${FN_COMP}`,
      `Allow group UsageApiDeployers to use api-gateways in compartment id ${GW_COMP}`,
      `Allow group UsageApiDeployers to manage api-deployments in compartment id ${GW_COMP}`,
      `Allow group UsageApiDeployers to read api-workrequests in compartment id ${GW_COMP}`,
    ]);
  });

  it("narrows the dynamic group to the function once it exists, and writes `tenancy` for the root", () => {
    const policy = iamPolicy({
      tenancyId: TENANCY,
      functionCompartmentId: TENANCY,
      deploymentCompartmentId: GW_COMP,
      gatewayCompartmentId: TENANCY,
      repository: "team/usage-api",
      functionId: FN_ID,
      deployerGroup: "Deployers",
    });
    const text = renderIamPolicy(policy);
    expect(policy.dynamicGroupRule).toBe(`ALL {resource.type = 'fnfunc', resource.id = '${FN_ID}'}`);
    expect(text).toContain("Allow group Deployers to manage fn-function in tenancy");
    expect(text).toContain("Allow group Deployers to use api-gateways in tenancy");
    // The work requests live in the deployment's compartment and, for gateway operations, the gateway's.
    expect(text).toContain(`Allow group Deployers to read api-workrequests in compartment id ${GW_COMP}`);
    expect(text).toContain("Allow group Deployers to read api-workrequests in tenancy");
  });

  it("never grants manage all-resources, nor any manage on a whole family", () => {
    for (const functionId of [undefined, FN_ID]) {
      const statements = iamPolicy({
        tenancyId: TENANCY,
        functionCompartmentId: FN_COMP,
        deploymentCompartmentId: GW_COMP,
        gatewayCompartmentId: GW_COMP,
        repository: "usage-api",
        functionId,
      }).sections.flatMap((s) => s.statements);
      for (const statement of statements) {
        expect(statement).toMatch(/^Allow /);
        expect(statement).not.toMatch(/all-resources/);
        expect(statement).not.toMatch(/manage [a-z-]+-family/);
      }
      expect(statements.filter((s) => / manage /.test(s)).map((s) => s.split(" ")[5])).toEqual([
        "repos",
        "fn-function",
        "api-deployments",
      ]);
    }
  });

  it.each([
    [TENANCY, "tenancy"],
    ["ocid1.tenancy.oc1..other", "tenancy"],
    [FN_COMP, `compartment id ${FN_COMP}`],
  ])("compartmentClause(%s)", (id, clause) => {
    expect(compartmentClause(id, TENANCY)).toBe(clause);
  });
});

function plan(extra: Partial<DeployPlan> = {}): DeployPlan {
  return {
    dryRun: true,
    region: "us-ashburn-1",
    image: {
      reference: "iad.ocir.io/ns/usage-api:fn-0123456789abcdef@sha256:0123456789abcdef",
      digest: "sha256:0123456789abcdef",
      base: "docker.io/fnproject/node:24",
      baseDigest: "sha256:base",
      platforms: ["linux/amd64"],
      layerDigest: "sha256:layer",
      layerSize: 123456,
    },
    fn: {
      name: "usage-api",
      applicationId: "ocid1.fnapp.oc1.iad.app",
      id: undefined,
      action: "create",
      changes: [],
    },
    deployment: {
      name: "usage-api",
      gatewayId: "ocid1.apigateway.oc1.iad.gw",
      pathPrefix: "/usage",
      id: undefined,
      action: "create",
      changes: [
        {
          kind: "added",
          path: "routes[POST /request-summarized-usages].backend.functionId",
          after: '"(new)"',
        },
      ],
      endpoint: undefined,
    },
    jwt: {
      issuer: "https://identity.oraclecloud.com/",
      audiences: ["https://usage.example.com/"],
      mode: "static",
      jwksUri: "https://idcs/jwk",
      kids: ["SIGNING_KEY"],
      dropped: [{ kid: "enc", reason: 'use "enc" (not a signing key)' }],
      requiredScopes: ["usage.read"],
    },
    iam: iamPolicy({
      tenancyId: TENANCY,
      functionCompartmentId: FN_COMP,
      deploymentCompartmentId: GW_COMP,
      gatewayCompartmentId: GW_COMP,
      repository: "usage-api",
    }),
    ...extra,
  };
}

describe("renderPlan", () => {
  it("shows, for a first deploy, the image, a create for both resources, the spec diff, the keys and the IAM policy", () => {
    const lines = renderPlan(plan());
    expect(lines[0]).toBe(
      "Dry run (nothing is changed): image sha256:0123456789abcdef; function create, deployment create",
    );
    expect(lines).toContain("Image: iad.ocir.io/ns/usage-api:fn-0123456789abcdef@sha256:0123456789abcdef");
    expect(lines).toContain("Function usage-api in application ocid1.fnapp.oc1.iad.app: create");
    expect(lines).toContain("Deployment usage-api at /usage on gateway ocid1.apigateway.oc1.iad.gw: create");
    expect(lines).toContain('  + routes[POST /request-summarized-usages].backend.functionId: "(new)"');
    expect(lines).toContain("  static keys from https://idcs/jwk: SIGNING_KEY");
    expect(lines).toContain('  skipped key enc: use "enc" (not a signing key)');
    expect(lines).toContain("  required scope (any of): usage.read");
    expect(lines).toContain("  Allow dynamic-group UsageApiFunction to read usage-report in tenancy");
  });

  it("lists function changes for an update and nothing for unchanged resources", () => {
    const lines = renderPlan(
      plan({
        dryRun: false,
        fn: {
          name: "usage-api",
          applicationId: "ocid1.fnapp.oc1.iad.app",
          id: FN_ID,
          action: "update",
          changes: [
            { field: "imageDigest", before: "sha256:old", after: "sha256:new" },
            { field: "config.MAX_ATTEMPTS", before: "6", after: "3" },
            { field: "config.EXTRA", before: undefined, after: "1" },
            { field: "config.GONE", before: "x", after: undefined },
          ],
        },
        deployment: {
          ...plan().deployment,
          id: "ocid1.apideployment.oc1.iad.d",
          action: "none",
          endpoint: "https://gw/usage/request-summarized-usages",
        },
      }),
    );
    expect(lines[0]).toBe("Plan: image sha256:0123456789abcdef; function update, deployment unchanged");
    expect(lines).toContain(`Function usage-api in application ocid1.fnapp.oc1.iad.app: update (${FN_ID})`);
    expect(lines).toContain("  ~ imageDigest: sha256:old → sha256:new");
    expect(lines).toContain("  ~ config.MAX_ATTEMPTS: 6 → 3");
    expect(lines).toContain("  + config.EXTRA: 1");
    expect(lines).toContain("  - config.GONE: x");
    expect(lines.some((l) => l.includes("backend.functionId"))).toBe(false);
    expect(lines).toContain("  endpoint https://gw/usage/request-summarized-usages");
  });

  it("cannot be made to print a workflow command or a second line by a value from outside", () => {
    const lines = renderPlan(
      plan({
        fn: {
          name: "::error::pwned",
          applicationId: "a",
          id: undefined,
          action: "update",
          changes: [{ field: "config.X", before: "a\n::add-mask::b", after: "c" }],
        },
      }),
    );
    for (const line of lines) {
      expect(line).not.toMatch(/^\s*::/);
      expect(line).not.toMatch(/[\n\r]/);
    }
  });

  it("writes Markdown for the job summary with the diff and the IAM policy", () => {
    const md = renderPlanMarkdown(plan());
    expect(md).toContain("## usage-api deploy (dry run: nothing was changed)");
    expect(md).toContain("| Function `usage-api` | create |");
    expect(md).toContain(
      '```diff\n+ routes[POST /request-summarized-usages].backend.functionId: "(new)"\n```',
    );
    expect(md).toContain("### IAM policy (least privilege)");
    expect(md).not.toContain("all-resources");
  });
});

describe("renderPlan: the GitHub deployment", () => {
  const managed: NonNullable<DeployPlan["github"]> = {
    kind: "managed",
    name: "usage-api-github",
    pathPrefix: "/usage-github",
    id: undefined,
    action: "create",
    changes: [
      {
        kind: "added",
        path: "requestPolicies.authentication.verifyClaims[key=repository].values",
        after: '["octo-org/usage-reports"]',
      },
    ],
    endpoint: undefined,
    issuer: "https://token.actions.githubusercontent.com",
    audience: "usage-api-action",
    jwksUri: "https://token.actions.githubusercontent.com/.well-known/jwks",
    kids: ["gh-1"],
    repositories: ["octo-org/usage-reports"],
    refs: ["refs/heads/main"],
    environments: [],
  };

  it("adds it to the headline, with its diff and whom it lets in", () => {
    const lines = renderPlan(plan({ github: managed }));
    expect(lines[0]).toBe(
      "Dry run (nothing is changed): image sha256:0123456789abcdef; function create, deployment create, GitHub deployment create",
    );
    expect(lines).toContain("GitHub deployment usage-api-github at /usage-github: create");
    expect(lines).toContain(
      '  + requestPolicies.authentication.verifyClaims[key=repository].values: ["octo-org/usage-reports"]',
    );
    expect(lines).toContain(
      "  GitHub OIDC: issuer https://token.actions.githubusercontent.com; audience usage-api-action; remote JWKS https://token.actions.githubusercontent.com/.well-known/jwks (keys gh-1)",
    );
    expect(lines).toContain("  repository (any of): octo-org/usage-reports");
    expect(lines).toContain("  ref (any of): refs/heads/main");
    expect(lines.some((l) => l.startsWith("  environment"))).toBe(false);
    const md = renderPlanMarkdown(plan({ github: managed }));
    expect(md).toContain("| GitHub deployment `usage-api-github` | create |");
    expect(md).toContain("| GitHub endpoint | (after the first deploy) |");
    expect(md).toContain(
      "| GitHub OIDC | issuer `https://token.actions.githubusercontent.com`, audience `usage-api-action`; repository `octo-org/usage-reports`; ref `refs/heads/main` |",
    );
    expect(md).toContain("### GitHub deployment specification diff");
  });

  it("shows an unchanged one without a diff, with its endpoint", () => {
    const lines = renderPlan(
      plan({
        github: {
          ...managed,
          action: "none",
          id: "ocid1.apideployment.oc1.iad.gh",
          endpoint: "https://gw/usage-github/request-summarized-usages",
        },
      }),
    );
    expect(lines[0]).toMatch(/, GitHub deployment unchanged$/);
    expect(lines).toContain(
      "GitHub deployment usage-api-github at /usage-github: unchanged (ocid1.apideployment.oc1.iad.gh)",
    );
    expect(lines).toContain("  endpoint https://gw/usage-github/request-summarized-usages");
    expect(lines.some((l) => l.includes("verifyClaims"))).toBe(false);
  });

  it("says that one nobody asks for any more is left in place, not deleted", () => {
    const left: DeployPlan["github"] = {
      kind: "left",
      name: "usage-api-github",
      pathPrefix: "/usage-github",
      id: "ocid1.apideployment.oc1.iad.gh",
      endpoint: "https://gw/usage-github/request-summarized-usages",
    };
    const lines = renderPlan(plan({ github: left }));
    expect(lines[0]).toMatch(/, GitHub deployment left in place$/);
    expect(lines).toContain(
      "GitHub deployment usage-api-github at /usage-github (ocid1.apideployment.oc1.iad.gh): left in place: 'github-repositories' is empty, and deploy never deletes a deployment; its repositories' workflows can still call it, so delete it if no report uses it",
    );
    expect(renderPlanMarkdown(plan({ github: left }))).toContain(
      "| GitHub deployment `usage-api-github` | left in place",
    );
  });

  it("leaves the headline of a deploy without one as it was", () => {
    expect(renderPlan(plan())[0]).toBe(
      "Dry run (nothing is changed): image sha256:0123456789abcdef; function create, deployment create",
    );
  });
});
