import { describe, expect, it } from "vitest";
import { readActionYml } from "../../scripts/action-yml.mjs";
import { InputError, UserFacingError } from "../../src/lib/errors.js";
import {
  readSetupInputs,
  SETUP_DEFAULTS,
  SETUP_INPUTS,
  SETUP_OUTPUTS,
  type SetupInputs,
} from "../../src/setup/inputs.js";
import { COMPARTMENT, SETUP_GOOD, SUBNET, TENANCY } from "../support/setup-fixtures.js";

// ---- action.yml ------------------------------------------------------------------------------------------

describe("action.yml declares setup's inputs and outputs as the code reads them", () => {
  const yml = readActionYml();
  const all = new Map(yml.inputs.map((i) => [i.name, i] as const));
  const section = yml.inputs.filter((i) => i.section === "setup").map((i) => i.name);

  it("has every setup input, the new ones in its setup section, the shared ones in deploy's", () => {
    for (const name of Object.values(SETUP_INPUTS))
      expect({ name, declared: all.has(name) }).toEqual({ name, declared: true });
    for (const name of section) expect(Object.values(SETUP_INPUTS)).toContain(name);
    const shared = Object.values(SETUP_INPUTS).filter((name) => !section.includes(name));
    for (const name of shared)
      expect({ name, section: all.get(name)?.section }).toEqual({ name, section: "deploy" });
  });

  it("declares every default the code applies, with the same value, and no others", () => {
    for (const name of Object.values(SETUP_INPUTS)) {
      expect({ name, default: all.get(name)?.default }).toEqual({ name, default: SETUP_DEFAULTS[name] });
    }
  });

  it("declares the setup outputs", () => {
    const outputs = yml.outputs.map((o) => o.name);
    for (const name of Object.values(SETUP_OUTPUTS)) expect(outputs).toContain(name);
  });
});

// ---- fixtures --------------------------------------------------------------------------------------------

function read(
  values: Record<string, string>,
  env: Record<string, string> = {},
  masked: string[] = [],
): SetupInputs {
  return readSetupInputs((name) => values[name] ?? "", { mask: (v) => masked.push(v), env });
}

function messageOf(values: Record<string, string>, env: Record<string, string> = {}): string {
  try {
    read(values, env);
  } catch (err) {
    expect(err instanceof InputError || err instanceof UserFacingError).toBe(true);
    return (err as Error).message;
  }
  throw new Error("expected an error");
}

describe("readSetupInputs", () => {
  it("reads a complete set with the documented defaults", () => {
    const inputs = read(SETUP_GOOD);
    expect(inputs).toMatchObject({
      compartmentId: COMPARTMENT,
      subnetId: SUBNET,
      applicationName: "usage-api",
      applicationShape: "GENERIC_X86",
      functionName: "usage-api",
      gatewayName: "usage-api",
      repository: "usage-api",
      dynamicGroupName: "UsageApiFunction",
      policyName: "UsageApiAction",
      deployerGroup: "UsageApiDeployers",
      identityDomainUrl: "https://idcs-0123456789abcdef.identity.oraclecloud.com",
      identityDomainName: "Default",
      resourceAppName: "usage-api",
      clientAppName: "usage-api-report",
      audience: undefined,
      scopeName: "usage.read",
      githubToken: undefined,
      secretFile: undefined,
      identityEndpoint: undefined,
      waitTimeout: 20,
      dryRun: false,
      githubRepository: undefined,
    });
    expect(inputs.auth.tenancyId).toBe(TENANCY);
  });

  it("takes the shape in any case, an audience URL, and GITHUB_REPOSITORY for a github-token", () => {
    const inputs = read(
      {
        ...SETUP_GOOD,
        "application-shape": "generic_x86_arm",
        audience: "https://usage.example.com/",
        "github-token": "ghp_abcdefghijklmnop",
        "dry-run": "true",
      },
      { GITHUB_REPOSITORY: "octo/usage" },
    );
    expect(inputs).toMatchObject({
      applicationShape: "GENERIC_X86_ARM",
      audience: "https://usage.example.com/",
      githubToken: "ghp_abcdefghijklmnop",
      githubRepository: "octo/usage",
      dryRun: true,
    });
  });

  it("masks the github-token before anything reads it", () => {
    const masked: string[] = [];
    read({ ...SETUP_GOOD, "github-token": "ghp_secret_value_1" }, { GITHUB_REPOSITORY: "o/r" }, masked);
    expect(masked).toContain("ghp_secret_value_1");
  });

  it.each([
    [
      { "compartment-id": "" },
      "input 'compartment-id': is required for command 'setup'; set it to the compartment that gets the application, gateway and repository",
    ],
    [
      { "compartment-id": "ocid1.subnet.oc1..aaaa" },
      "input 'compartment-id': 'ocid1.subnet.oc1..aaaa' is an OCID of a subnet, not of a compartment",
    ],
    [
      { "subnet-id": "" },
      "input 'subnet-id': is required for command 'setup'; set it to the subnet of the application and the gateway",
    ],
    [
      { "subnet-id": "subnet-1" },
      "input 'subnet-id': 'subnet-1' is not an OCID; copy the subnet OCID from the console",
    ],
    [
      { "application-name": "my app" },
      "input 'application-name': 'my app' is not a valid name; use letters, digits, '.', '_' and '-' (at most 100, no spaces)",
    ],
    [
      { "application-shape": "ARM64" },
      "input 'application-shape': 'ARM64' is not allowed; use GENERIC_X86 or GENERIC_ARM or GENERIC_X86_ARM",
    ],
    [
      { repository: "Usage API" },
      "input 'repository': 'Usage API' is not a repository name; use lower-case letters, digits and '.', '_', '-', '/' between them",
    ],
    [{ "policy-name": "-x" }, "input 'policy-name': '-x' is not a valid name"],
    [
      { "identity-domain-url": "" },
      "input 'identity-domain-url': is required for command 'setup'; set it to the identity domain URL",
    ],
    [
      { "identity-domain-url": "http://idcs.example.com" },
      "input 'identity-domain-url': 'http://idcs.example.com' must use https",
    ],
    [{ audience: "not a url" }, "input 'audience': 'not a url' is not a URL; use https://usage.example.com/"],
    [
      { "scope-name": "usage/read" },
      "input 'scope-name': 'usage/read' is not a scope name; use printable characters without spaces or '/', e.g. usage.read",
    ],
    [{ "github-token": "a b" }, "input 'github-token': must not contain spaces or control characters"],
    [
      { "secret-file": "a\u0001b" },
      "input 'secret-file': must not contain control characters or line breaks",
    ],
    [{ "oci-identity-endpoint": "ftp://x" }, "input 'oci-identity-endpoint': 'ftp://x' must be an https URL"],
    [
      { "wait-timeout": "0" },
      "input 'wait-timeout': '0' is not a number of minutes; use a whole number from 1 to 120",
    ],
    [{ "dry-run": "yes" }, "input 'dry-run': 'yes' is not a boolean; use true or false"],
    [{ "oci-region": "" }, "input 'oci-region': is required for command 'setup' (the region to deploy to"],
  ])("refuses %j", (change, message) => {
    expect(messageOf({ ...SETUP_GOOD, ...change })).toContain(message);
  });

  it("needs GITHUB_REPOSITORY with a github-token", () => {
    expect(messageOf({ ...SETUP_GOOD, "github-token": "ghp_x" })).toBe(
      "input 'github-token': needs GITHUB_REPOSITORY (owner/name) to know where the secret and variables go; set it, or leave github-token empty",
    );
  });

  it("reports every problem at once, in table order", () => {
    const message = messageOf({ ...SETUP_GOOD, "compartment-id": "", "subnet-id": "", "dry-run": "maybe" });
    expect(message.split("; input ").map((m) => m.replace(/^input /, "").split(":")[0])).toEqual([
      "'compartment-id'",
      "'subnet-id'",
      "'dry-run'",
    ]);
  });

  it("throws a single problem as the InputError itself", () => {
    expect(() => read({ ...SETUP_GOOD, "scope-name": "a b" })).toThrow(InputError);
  });
});
