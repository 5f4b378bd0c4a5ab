// The GitHub deployment's specification (verifyClaims pinning repository, ref, environment; GitHub's remote
// JWKS) and its plan: read back from the service it is unchanged, and a path prefix that moved is refused
// naming github-path-prefix.
import { describe, expect, it } from "vitest";
import { planDeployment } from "../../src/deploy/gateway.js";
import { buildSpec, githubJwksUri, githubVerifyClaims, type SpecOptions } from "../../src/deploy/spec.js";

const FN = "ocid1.fnfunc.oc1.iad.aaaaaaaaexample";
const ISSUER = "https://token.actions.githubusercontent.com";

function githubOptions(pins: Parameters<typeof githubVerifyClaims>[0]): SpecOptions {
  return {
    functionId: FN,
    issuers: [ISSUER],
    audiences: ["usage-api-action"],
    maxClockSkewSeconds: 60,
    publicKeys: { type: "REMOTE_JWKS", uri: githubJwksUri(ISSUER), maxCacheDurationInHours: 1 },
    requiredScopes: [],
    verifyClaims: githubVerifyClaims(pins),
  };
}

describe("githubVerifyClaims", () => {
  it("pins the repository, required, and nothing else when no ref or environment is listed", () => {
    expect(githubVerifyClaims({ repositories: ["o/a", "o/b"], refs: [], environments: [] })).toEqual([
      { key: "repository", values: ["o/a", "o/b"], isRequired: true },
    ]);
  });

  it("adds ref and environment, each required, when listed", () => {
    expect(
      githubVerifyClaims({ repositories: ["o/a"], refs: ["refs/heads/main"], environments: ["prod", "qa"] }),
    ).toEqual([
      { key: "repository", values: ["o/a"], isRequired: true },
      { key: "ref", values: ["refs/heads/main"], isRequired: true },
      { key: "environment", values: ["prod", "qa"], isRequired: true },
    ]);
  });
});

describe("the GitHub deployment's spec", () => {
  it("is JWT_AUTHENTICATION with GitHub's issuer, one audience, its remote JWKS and verifyClaims; no route scope", () => {
    const spec = buildSpec(
      githubOptions({ repositories: ["o/a"], refs: ["refs/tags/v1"], environments: [] }),
    );
    expect(spec.requestPolicies?.authentication).toEqual({
      type: "JWT_AUTHENTICATION",
      isAnonymousAccessAllowed: false,
      tokenHeader: "Authorization",
      tokenAuthScheme: "Bearer",
      issuers: [ISSUER],
      audiences: ["usage-api-action"],
      maxClockSkewInSeconds: 60,
      verifyClaims: [
        { key: "repository", values: ["o/a"], isRequired: true },
        { key: "ref", values: ["refs/tags/v1"], isRequired: true },
      ],
      publicKeys: {
        type: "REMOTE_JWKS",
        uri: "https://token.actions.githubusercontent.com/.well-known/jwks",
        maxCacheDurationInHours: 1,
        isSslVerifyDisabled: false,
      },
    });
    expect(spec.routes?.[0]).toMatchObject({
      path: "/request-summarized-usages",
      methods: ["POST"],
      requestPolicies: { authorization: { type: "AUTHENTICATION_ONLY" } },
      backend: { type: "ORACLE_FUNCTIONS_BACKEND", functionId: FN },
    });
  });

  it("has no verifyClaims key at all without claims (the first deployment's spec is unchanged)", () => {
    const spec = buildSpec({
      ...githubOptions({ repositories: [], refs: [], environments: [] }),
      verifyClaims: [],
    });
    expect(spec.requestPolicies?.authentication).not.toHaveProperty("verifyClaims");
  });

  it("puts the JWKS under the issuer without a doubled slash", () => {
    expect(githubJwksUri("https://github.example.com/_services/token/")).toBe(
      "https://github.example.com/_services/token/.well-known/jwks",
    );
  });
});

describe("planning the GitHub deployment", () => {
  const desired = (repositories: string[]) => ({
    gatewayId: "gw",
    compartmentId: "c",
    displayName: "usage-api-github",
    pathPrefix: "/usage-github",
    specification: buildSpec(githubOptions({ repositories, refs: [], environments: ["prod"] })),
  });

  /** The deployment as the service answers it: the same spec, its lists in another order, defaults filled. */
  function readBack(repositories: string[]) {
    const spec = structuredClone(desired(repositories).specification);
    const auth = spec.requestPolicies!.authentication as { verifyClaims: Array<{ values: string[] }> };
    auth.verifyClaims = [...auth.verifyClaims]
      .reverse()
      .map((c) => ({ ...c, values: [...c.values].reverse() }));
    return {
      deployment: {
        id: "dep-gh",
        gatewayId: "gw",
        compartmentId: "c",
        displayName: "usage-api-github",
        pathPrefix: "/usage-github",
        endpoint: "https://gw.example.com/usage-github",
        lifecycleState: "ACTIVE",
        specification: spec,
      } as never,
      etag: '"1"',
    };
  }

  it("is a no-op when the deployment read back means the same", () => {
    expect(
      planDeployment(readBack(["o/b", "o/a"]), desired(["o/a", "o/b"]), "github-path-prefix"),
    ).toMatchObject({
      action: "none",
    });
  });

  it("is an update showing the repositories that changed", () => {
    const plan = planDeployment(readBack(["o/a"]), desired(["o/a", "o/b"]), "github-path-prefix");
    expect(plan.action).toBe("update");
    expect(plan.action === "update" && plan.changes).toEqual([
      {
        kind: "changed",
        path: "requestPolicies.authentication.verifyClaims[key=repository].values",
        before: '["o/a"]',
        after: '["o/a","o/b"]',
      },
    ]);
  });

  it("refuses a moved path prefix naming github-path-prefix", () => {
    expect(() =>
      planDeployment(readBack(["o/a"]), { ...desired(["o/a"]), pathPrefix: "/gh" }, "github-path-prefix"),
    ).toThrow(
      "input 'github-path-prefix': deployment usage-api-github serves /usage-github, and API Gateway cannot change a deployment's path prefix; keep /usage-github, or use another 'deployment-name' for a new deployment at /gh",
    );
  });
});
