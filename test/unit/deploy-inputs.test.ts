import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readActionYml } from "../../scripts/action-yml.mjs";
import type { DeployClients, DeployDeps } from "../../src/deploy/context.js";
import { parseFuncYaml } from "../../src/deploy/funcyaml.js";
import { ocirUsername } from "../../src/deploy/image-plan.js";
import { runDeploy } from "../../src/deploy/index.js";
import {
  DEPLOY_DEFAULTS,
  DEPLOY_INPUTS,
  DEPLOY_OUTPUTS,
  type DeployInputs,
  expandTag,
  type FullDeployInputs,
  MAX_CONFIG_BYTES,
  readDeployInputs,
} from "../../src/deploy/inputs.js";
import type { BuildImageInput, BuildResult } from "../../src/image/build.js";
import { InputError, UserFacingError } from "../../src/lib/errors.js";
import { type ApiKeyAuth, keyFingerprint, normalizePem } from "../../src/oci/auth.js";

// ---- action.yml ------------------------------------------------------------------------------------------

/**
 * The inputs of action.yml's deploy section and those it shares with report in the common section (but
 * `command`), with their defaults, and every output name.
 */
function readDeploySection() {
  const yml = readActionYml();
  const deploys = (i: { section: string; name: string }) =>
    i.section === "deploy" || (i.section === "common" && i.name !== "command");
  return {
    inputs: new Map(yml.inputs.filter(deploys).map((i) => [i.name, i.default] as const)),
    outputs: yml.outputs.map((o) => o.name),
  };
}

describe("action.yml's deploy section matches the code", () => {
  const yml = readDeploySection();

  it("declares exactly the deploy inputs", () => {
    expect([...yml.inputs.keys()].sort()).toEqual([...Object.values(DEPLOY_INPUTS)].sort());
  });

  it("declares every default the code applies, with the same value, and no others", () => {
    for (const name of Object.values(DEPLOY_INPUTS)) {
      expect({ name, default: yml.inputs.get(name) }).toEqual({ name, default: DEPLOY_DEFAULTS[name] });
    }
  });

  it("declares the deploy outputs", () => {
    for (const name of Object.values(DEPLOY_OUTPUTS)) expect(yml.outputs).toContain(name);
  });
});

// ---- fixtures --------------------------------------------------------------------------------------------

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PEM = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const FINGERPRINT = keyFingerprint(privateKey);
const ENCRYPTED_PEM = privateKey
  .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "open sesame" })
  .toString();
const { privateKey: ecKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const EC_PEM = ecKey.export({ type: "pkcs8", format: "pem" }).toString();
const { privateKey: otherKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });

const TENANCY = "ocid1.tenancy.oc1..aaaaaaaaba3pv6wkcr4jqae5f15p2b2m2yt2j6rx32uzr4h25vqstifsfdsq";
const USER = "ocid1.user.oc1..aaaaaaaao7ht2nwwyiqbgzp2d5fx7x5lqkjx3xm3y7u6hgbwqtt5g5zb2lpq";
const APP = "ocid1.fnapp.oc1.iad.aaaaaaaaf2pxxbqmxwzqvyqxbnvgtn4pmvfflwuxnntpfpgg7sboe3c4v5na";
const GATEWAY = "ocid1.apigateway.oc1.iad.amaaaaaa4fwqxxxjnn2b6bpdm56nwuqtj6jjaymfywqkbzjbi3lqfhtv3dfq";
const FUNC_YAML = parseFuncYaml(readFileSync(new URL("../../function/func.yaml", import.meta.url), "utf8"));

const GOOD: Record<string, string> = {
  "oci-tenancy": TENANCY,
  "oci-user": USER,
  "oci-fingerprint": FINGERPRINT,
  "oci-private-key": PEM,
  "oci-region": "us-ashburn-1",
  "application-id": APP,
  "gateway-id": GATEWAY,
  "registry-username": "axaxnpcrorw5/deployer",
  "registry-password": "Xy7(tok3n)zz",
  "identity-domain-url": "https://idcs-0123456789abcdef.identity.oraclecloud.com/",
  audiences: "https://usage.example.com/",
};

function readAny(
  values: Record<string, string>,
  options: { env?: Record<string, string>; secrets?: string[] } = {},
): DeployInputs<ApiKeyAuth> {
  const secrets = options.secrets ?? [];
  const inputs = readDeployInputs((name) => values[name] ?? "", {
    setSecret: (v) => secrets.push(v),
    funcYaml: FUNC_YAML,
    env: options.env ?? {},
  });
  if (inputs.auth.kind !== "api-key") throw new Error(`expected API-key auth, got ${inputs.auth.kind}`);
  return inputs as DeployInputs<ApiKeyAuth>;
}

/** The whole-deploy inputs (image-only false). */
function read(
  values: Record<string, string>,
  options: { env?: Record<string, string>; secrets?: string[] } = {},
): FullDeployInputs<ApiKeyAuth> {
  const inputs = readAny(values, options);
  if (inputs.imageOnly) throw new Error("expected the inputs of a whole deploy, got image-only");
  return inputs;
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error");
}

// ---- good inputs -----------------------------------------------------------------------------------------

describe("readDeployInputs: good inputs", () => {
  it("reads a complete set into one typed object, with the documented defaults", () => {
    const inputs = read(GOOD);
    expect(inputs.auth).toMatchObject({
      tenancyId: TENANCY,
      userId: USER,
      fingerprint: FINGERPRINT,
      region: "us-ashburn-1",
      regionKey: "iad",
      sources: {
        tenancy: "input",
        user: "input",
        fingerprint: "input",
        privateKey: "input",
        region: "input",
      },
    });
    expect(inputs.fn).toMatchObject({
      applicationId: APP,
      name: "usage-api",
      functionId: undefined,
      memoryInMBs: 256,
      timeoutInSeconds: 60,
    });
    // func.yaml's config, plus USAGE_API_REGION from the region; sorted by key.
    expect(inputs.fn.config).toMatchObject({ ...FUNC_YAML.config, USAGE_API_REGION: "us-ashburn-1" });
    expect(Object.keys(inputs.fn.config)).toEqual(Object.keys(inputs.fn.config).sort());
    expect(inputs.image).toMatchObject({
      registry: "iad.ocir.io",
      namespace: undefined,
      repository: "usage-api",
      tagTemplate: "fn-{digest}",
      baseImage: "fnproject/node:24",
      baseImageSource: "func.yaml",
      platforms: undefined,
    });
    expect(inputs.gateway).toEqual({
      gatewayId: GATEWAY,
      compartmentId: undefined,
      deploymentName: "usage-api",
      pathPrefix: "/usage",
      identityDomainUrl: "https://idcs-0123456789abcdef.identity.oraclecloud.com",
      issuer: undefined,
      audiences: ["https://usage.example.com/"],
      jwksMode: "static",
      jwksUrl: undefined,
      maxClockSkewSeconds: 60,
      requiredScopes: [],
      rateLimit: undefined,
    });
    expect(inputs.waitTimeoutMs).toBe(20 * 60_000);
    expect(inputs.dryRun).toBe(false);
  });

  it("takes each credential from the OCI_CLI_* environment variables when the input is empty", () => {
    const {
      "oci-tenancy": _t,
      "oci-user": _u,
      "oci-fingerprint": _f,
      "oci-private-key": _k,
      "oci-region": _r,
      ...rest
    } = GOOD;
    const inputs = read(
      { ...rest, "oci-region": "eu-frankfurt-1" },
      {
        env: {
          OCI_CLI_TENANCY: TENANCY,
          OCI_CLI_USER: USER,
          OCI_CLI_FINGERPRINT: FINGERPRINT.toUpperCase(),
          OCI_CLI_KEY_CONTENT: PEM.trim().replace(/\n/g, "\\n"),
          OCI_CLI_REGION: "us-ashburn-1",
        },
      },
    );
    expect(inputs.auth.sources).toEqual({
      tenancy: "env",
      user: "env",
      fingerprint: "env",
      privateKey: "env",
      region: "input",
    });
    expect(inputs.auth.privateKeyPem).toBe(normalizePem(PEM));
    expect(inputs.auth.fingerprint).toBe(FINGERPRINT);
    expect(inputs.image.registry).toBe("fra.ocir.io");
  });

  it("merges function-config over func.yaml, removes keys given empty, and honours usage-api-region", () => {
    const inputs = read({
      ...GOOD,
      "function-config": "# comment\nMAX_ATTEMPTS=3\n\nUPSTREAM_PAGE_LIMIT=\nEXTRA=a=b\n",
      "usage-api-region": "US-PHOENIX-1",
      "function-memory": "512",
      "function-timeout": "120",
    });
    expect(inputs.fn.config.MAX_ATTEMPTS).toBe("3");
    expect(inputs.fn.config.EXTRA).toBe("a=b");
    expect(inputs.fn.config).not.toHaveProperty("UPSTREAM_PAGE_LIMIT");
    expect(inputs.fn.config.USAGE_API_REGION).toBe("us-phoenix-1");
    expect(inputs.fn).toMatchObject({ memoryInMBs: 512, timeoutInSeconds: 120 });
  });

  it("reads the optional gateway settings", () => {
    const inputs = read(
      {
        ...GOOD,
        "compartment-id": "ocid1.compartment.oc1..aaaaaaaaxyz",
        "path-prefix": "/cost/v1",
        audiences: "https://a.example.com/, https://b.example.com/",
        "jwks-mode": "REMOTE",
        "max-clock-skew": "0",
        "required-scope": "usage.read, usage.all",
        "rate-limit": "25",
        "wait-timeout": "5",
        issuer: "https://identity.oraclecloud.com/",
        "jwks-url": "https://idcs-0123456789abcdef.identity.oraclecloud.com/admin/v1/SigningCert/jwk",
        platforms: "linux/arm64 linux/amd64",
        tag: "v1-{sha}",
      },
      { env: { GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567" } },
    );
    expect(inputs.gateway).toMatchObject({
      compartmentId: "ocid1.compartment.oc1..aaaaaaaaxyz",
      pathPrefix: "/cost/v1",
      audiences: ["https://a.example.com/", "https://b.example.com/"],
      jwksMode: "remote",
      maxClockSkewSeconds: 0,
      requiredScopes: ["usage.read", "usage.all"],
      rateLimit: 25,
    });
    expect(inputs.waitTimeoutMs).toBe(5 * 60_000);
    expect(inputs.image.platforms).toEqual([
      { os: "linux", architecture: "arm64" },
      { os: "linux", architecture: "amd64" },
    ]);
    expect(expandTag(inputs.image.tagTemplate, { sha: inputs.githubSha })).toBe("v1-0123456789ab");
  });

  it("needs no identity domain when issuer and jwks-url are both given", () => {
    const { "identity-domain-url": _, ...rest } = GOOD;
    const inputs = read({
      ...rest,
      issuer: "https://identity.oraclecloud.com/",
      "jwks-url": "http://127.0.0.1:8123/jwks",
    });
    expect(inputs.gateway.identityDomainUrl).toBeUndefined();
    expect(inputs.gateway.jwksUrl).toBe("http://127.0.0.1:8123/jwks");
  });

  it("lets a dry run go without registry credentials", () => {
    const { "registry-username": _u, "registry-password": _p, ...rest } = GOOD;
    const inputs = read({ ...rest, "dry-run": "true" });
    expect(inputs.dryRun).toBe(true);
    expect(inputs.image.username).toBeUndefined();
    expect(inputs.image.password).toBeUndefined();
  });

  it("accepts an encrypted key with its passphrase", () => {
    const inputs = read({
      ...GOOD,
      "oci-private-key": ENCRYPTED_PEM,
      "oci-private-key-passphrase": "open sesame",
    });
    expect(inputs.auth.passphrase).toBe("open sesame");
  });

  it("masks the registry password, the passphrase and every line of the key before anything else", () => {
    const secrets: string[] = [];
    expect(() =>
      read(
        {
          ...GOOD,
          "oci-private-key": ENCRYPTED_PEM,
          "oci-private-key-passphrase": "open sesame",
          "application-id": "x",
        },
        { secrets },
      ),
    ).toThrow(InputError);
    expect(secrets).toContain("Xy7(tok3n)zz");
    expect(secrets).toContain("open sesame");
    expect(secrets).toContain(ENCRYPTED_PEM.trim());
  });
});

// ---- bad inputs ------------------------------------------------------------------------------------------

const BAD: Array<[string, Record<string, string>, string, RegExp]> = [
  [
    "a malformed OCID",
    { "application-id": "ocid1.fnapp.oc1.iad.AAAA!" },
    "application-id",
    /is not an OCID.*ocid1\.fnapp/,
  ],
  [
    "an OCID of the wrong type",
    { "application-id": GATEWAY },
    "application-id",
    /OCID of a apigateway, not of a application/,
  ],
  ["a gateway id that is not an OCID", { "gateway-id": "my-gateway" }, "gateway-id", /is not an OCID/],
  ["a missing gateway id", { "gateway-id": "" }, "gateway-id", /is required.*OCID of the API gateway/],
  ["a bad function id", { "function-id": "ocid1.fnapp.oc1.iad.aaaa" }, "function-id", /not of a function/],
  ["a bad compartment", { "compartment-id": "compartment-a" }, "compartment-id", /is not an OCID/],
  ["a bad tenancy OCID", { "oci-tenancy": "ocid1.user.oc1..aaaa" }, "oci-tenancy", /not of a tenancy/],
  ["a bad user OCID", { "oci-user": "alice@example.com" }, "oci-user", /is not an OCID/],
  [
    "a fingerprint of the wrong shape",
    { "oci-fingerprint": "aa:bb:cc" },
    "oci-fingerprint",
    /16 colon-separated hex pairs/,
  ],
  [
    "a fingerprint of another key",
    { "oci-fingerprint": keyFingerprint(otherKey) },
    "oci-fingerprint",
    /is not the fingerprint of the key.*same API key/,
  ],
  [
    "a private key that is not PEM",
    { "oci-private-key": "hunter2" },
    "oci-private-key",
    /is not a PEM private key/,
  ],
  [
    "a public key",
    {
      "oci-private-key": privateKey
        .export({ type: "pkcs1", format: "pem" })
        .toString()
        .replace(/PRIVATE/g, "PUBLIC"),
    },
    "oci-private-key",
    /public key/,
  ],
  [
    "a broken PEM body",
    { "oci-private-key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" },
    "oci-private-key",
    /could not be read/,
  ],
  [
    "an encrypted key without passphrase",
    { "oci-private-key": ENCRYPTED_PEM },
    "oci-private-key",
    /is encrypted; set 'oci-private-key-passphrase'/,
  ],
  [
    "a wrong passphrase",
    { "oci-private-key": ENCRYPTED_PEM, "oci-private-key-passphrase": "nope" },
    "oci-private-key-passphrase",
    /does not decrypt/,
  ],
  ["an EC key", { "oci-private-key": EC_PEM }, "oci-private-key", /is a ec key; OCI API keys are RSA keys/],
  ["a bad region", { "oci-region": "ashburn" }, "oci-region", /is not a region identifier/],
  [
    "a non-https endpoint override",
    { "oci-functions-endpoint": "http://functions.example.com" },
    "oci-functions-endpoint",
    /https/,
  ],
  [
    "a malformed base image reference",
    { "base-image": "Fnproject/Node:24" },
    "base-image",
    /base image reference .* is invalid.*use e\.g\. fnproject\/node:24/,
  ],
  ["a base image with an empty tag", { "base-image": "fnproject/node:" }, "base-image", /is invalid/],
  [
    "a base image URL",
    { "base-image": "https://docker.io/fnproject/node:24" },
    "base-image",
    /drop the URL scheme/,
  ],
  [
    "a bad platform",
    { platforms: "linux/s390x" },
    "platforms",
    /linux\/amd64 and linux\/arm64 only.*application's shape/,
  ],
  ["a Windows platform", { platforms: "windows/amd64" }, "platforms", /only linux images/],
  [
    "a config line without =",
    { "function-config": "JUST_A_KEY" },
    "function-config",
    /line 1 is not KEY=VALUE/,
  ],
  [
    "a config key with a dash",
    { "function-config": "MY-KEY=1" },
    "function-config",
    /key 'MY-KEY' is not valid/,
  ],
  ["a reserved config key", { "function-config": "FN_FORMAT=json" }, "function-config", /reserved/],
  ["a config key given twice", { "function-config": "A=1\nA=2" }, "function-config", /given twice/],
  [
    "a config over 4 KB",
    { "function-config": `BIG=${"x".repeat(MAX_CONFIG_BYTES)}` },
    "function-config",
    /bytes; OCI allows 4096/,
  ],
  [
    "USAGE_API_REGION set twice",
    { "function-config": "USAGE_API_REGION=us-phoenix-1", "usage-api-region": "us-ashburn-1" },
    "function-config",
    /set it in one place/,
  ],
  ["an odd memory size", { "function-memory": "300" }, "function-memory", /128, 256, 512, 1024, 2048, 3072/],
  ["a timeout over 300 s", { "function-timeout": "301" }, "function-timeout", /from 5 to 300/],
  ["a bad function name", { "function-name": "usage api" }, "function-name", /not a function name/],
  ["a path prefix without /", { "path-prefix": "usage" }, "path-prefix", /must start with \//],
  ["a path prefix ending in /", { "path-prefix": "/usage/" }, "path-prefix", /must not end with \//],
  [
    "no identity domain",
    { "identity-domain-url": "" },
    "identity-domain-url",
    /required unless both 'issuer' and 'jwks-url'/,
  ],
  [
    "an http identity domain",
    { "identity-domain-url": "http://idcs.example.com" },
    "identity-domain-url",
    /must use https/,
  ],
  ["no audiences", { audiences: " , " }, "audiences", /is required/],
  ["a bad jwks-mode", { "jwks-mode": "dynamic" }, "jwks-mode", /use static .* or remote/],
  [
    "a required scope with the audience",
    { "required-scope": "https://usage.example.com/usage.read" },
    "required-scope",
    /includes the audience.*usage\.read/,
  ],
  ["a clock skew over the maximum", { "max-clock-skew": "600" }, "max-clock-skew", /from 0 to 120/],
  ["a zero rate limit", { "rate-limit": "0" }, "rate-limit", /from 1 to 10000/],
  ["a zero wait timeout", { "wait-timeout": "0" }, "wait-timeout", /from 1 to 120/],
  ["a non-boolean dry-run", { "dry-run": "yes" }, "dry-run", /use true or false/],
  ["a non-boolean image-only", { "image-only": "1" }, "image-only", /use true or false/],
  ["a tag that cannot be", { tag: "-{digest}" }, "tag", /does not make a valid tag/],
  ["a {sha} tag without GITHUB_SHA", { tag: "{sha}" }, "tag", /GITHUB_SHA is not set/],
  ["a registry that is not a host", { registry: "ocir" }, "registry", /is not a registry host/],
  ["an upper-case namespace", { namespace: "MyTenancy" }, "namespace", /not a tenancy namespace/],
  ["a repository with upper case", { repository: "Usage-API" }, "repository", /not a valid repository name/],
  ["no registry user", { "registry-username": "" }, "registry-username", /is required to push/],
  ["no registry password", { "registry-password": "" }, "registry-password", /auth token from a secret/],
  [
    "half the base registry credentials",
    { "base-registry-username": "bob" },
    "base-registry-password",
    /set both or neither/,
  ],
];

describe("readDeployInputs: each bad input fails with its name and the fix", () => {
  it.each(BAD)("%s", (_label, override, input, message) => {
    const err = errorOf(() => read({ ...GOOD, ...override }));
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).input).toBe(input);
    expect(err.message).toMatch(new RegExp(`^input '${input}': `));
    expect(err.message).toMatch(message);
    // Never the key material or the registry password.
    expect(err.message).not.toContain("Xy7(tok3n)zz");
    expect(err.message).not.toMatch(/MII[A-Za-z0-9+/]{20}/);
  });

  it("blames the passphrase when a wrong one decrypts to garbage instead of failing the padding check", () => {
    // About one wrong passphrase in 256 passes AES-CBC's padding check and fails later, as ASN.1; find one
    // (bounded) so that this path is tested on every run, not once in 256 runs.
    let garbage: string | undefined;
    for (let i = 0; i < 5000 && garbage === undefined; i++) {
      try {
        createPrivateKey({ key: ENCRYPTED_PEM, format: "pem", passphrase: `wrong-${i}` });
      } catch (err) {
        const code = (err as { code?: string }).code ?? "";
        if (!/decrypt/i.test(`${code} ${String(err)}`)) garbage = `wrong-${i}`;
      }
    }
    expect(garbage).toBeDefined();
    const err = errorOf(() =>
      read({ ...GOOD, "oci-private-key": ENCRYPTED_PEM, "oci-private-key-passphrase": garbage! }),
    );
    expect((err as InputError).input).toBe("oci-private-key-passphrase");
    expect(err.message).toContain("does not decrypt the key in 'oci-private-key'; check the passphrase");
  });

  it("reports every problem at once, in one line", () => {
    const err = errorOf(() =>
      read({ ...GOOD, "application-id": "x", "base-image": "UPPER/case", "jwks-mode": "x" }),
    );
    expect(err).toBeInstanceOf(UserFacingError);
    expect(err.message).not.toContain("\n");
    expect(err.message).toMatch(/input 'application-id': .*; input 'base-image': .*; input 'jwks-mode': /);
  });

  it("names func.yaml when its run_image is what is malformed", () => {
    const err = errorOf(() =>
      readDeployInputs((name) => GOOD[name] ?? "", {
        setSecret: () => {},
        funcYaml: { ...FUNC_YAML, runImage: "fnproject/node@sha256:abc" },
        env: {},
      }),
    );
    expect(err.message).toMatch(/^input 'base-image': .*taken from func\.yaml's run_image/);
  });
});

describe("ocirUsername", () => {
  it.each([
    ["iad.ocir.io", "ns1", "jdoe", "ns1/jdoe"],
    ["iad.ocir.io", "ns1", "ns1/jdoe", "ns1/jdoe"],
    ["iad.ocir.io", "ns1", "oracleidentitycloudservice/jdoe", "ns1/oracleidentitycloudservice/jdoe"],
    ["ocir.us-ashburn-1.oci.oraclecloud.com", "ns1", "jdoe", "ns1/jdoe"],
    ["127.0.0.1:5000", "ns1", "jdoe", "jdoe"],
    ["ghcr.io", "ns1", "jdoe", "jdoe"],
  ])("on %s with namespace %s: %s -> %s", (registry, namespace, user, expected) => {
    expect(ocirUsername(registry, namespace, user)).toBe(expected);
  });
});

// ---- image-only ------------------------------------------------------------------------------------------

/** GOOD without everything image-only does not need. */
const IMAGE_ONLY: Record<string, string> = {
  "oci-tenancy": TENANCY,
  "oci-user": USER,
  "oci-fingerprint": FINGERPRINT,
  "oci-private-key": PEM,
  "oci-region": "us-ashburn-1",
  "registry-username": "axaxnpcrorw5/deployer",
  "registry-password": "Xy7(tok3n)zz",
  "image-only": "true",
  platforms: "linux/amd64,linux/arm64",
};

describe("readDeployInputs: image-only", () => {
  it("is off by default: the gateway inputs stay required", () => {
    expect(read(GOOD).imageOnly).toBe(false);
    const err = errorOf(() => readAny({ ...IMAGE_ONLY, "image-only": "false" }));
    expect(err.message).toMatch(/input 'application-id': is required/);
    expect(err.message).toMatch(/input 'gateway-id': is required/);
    expect(err.message).toMatch(/input 'identity-domain-url': is required/);
    expect(err.message).toMatch(/input 'audiences': is required/);
  });

  it("needs no gateway, audiences, identity domain or application when platforms is set", () => {
    const inputs = readAny(IMAGE_ONLY);
    expect(inputs.imageOnly).toBe(true);
    if (!inputs.imageOnly) return;
    expect(inputs.applicationId).toBeUndefined();
    expect(inputs).not.toHaveProperty("gateway");
    expect(inputs).not.toHaveProperty("fn");
    expect(inputs.image).toMatchObject({
      registry: "iad.ocir.io",
      repository: "usage-api",
      tagTemplate: "fn-{digest}",
      username: "axaxnpcrorw5/deployer",
      password: "Xy7(tok3n)zz",
      platforms: [
        { os: "linux", architecture: "amd64" },
        { os: "linux", architecture: "arm64" },
      ],
    });
    expect(inputs.auth.tenancyId).toBe(TENANCY);
  });

  it("takes the application instead of platforms (its shape decides them)", () => {
    const { platforms: _, ...rest } = IMAGE_ONLY;
    const inputs = readAny({ ...rest, "application-id": APP, "image-only": "True" });
    expect(inputs).toMatchObject({ imageOnly: true, applicationId: APP });
    expect(inputs.image.platforms).toBeUndefined();
  });

  it.each([
    [
      "neither platforms nor application-id",
      { platforms: "" },
      "application-id",
      /is required with 'image-only: true' unless 'platforms' is set/,
    ],
    ["a bad application id", { "application-id": "app" }, "application-id", /is not an OCID/],
    ["a gateway id given anyway, but malformed", { "gateway-id": "gw" }, "gateway-id", /is not an OCID/],
    ["no registry user", { "registry-username": "" }, "registry-username", /is required to push/],
    ["no registry password", { "registry-password": "" }, "registry-password", /auth token/],
    ["no API key", { "oci-private-key": "" }, "oci-private-key", /is required/],
    ["a bad platform", { platforms: "linux/s390x" }, "platforms", /linux\/amd64 and linux\/arm64 only/],
  ])("still fails on %s", (_label, override, input, message) => {
    const err = errorOf(() => readAny({ ...IMAGE_ONLY, ...override }));
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).input).toBe(input);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain("Xy7(tok3n)zz");
  });

  it("lets an image-only dry run go without registry credentials", () => {
    const inputs = readAny({
      ...IMAGE_ONLY,
      "registry-username": "",
      "registry-password": "",
      "dry-run": "true",
    });
    expect(inputs).toMatchObject({ imageOnly: true, dryRun: true });
  });
});

// ---- image-only through runDeploy (fake dependencies) ------------------------------------------------------

const SHAPE_APP = {
  id: APP,
  displayName: "usageapi",
  compartmentId: "ocid1.compartment.oc1..aaaaaaaafunctions",
  shape: "GENERIC_X86_ARM",
  lifecycleState: "ACTIVE",
};

/** Clients whose every method fails the test, except the ones named. */
function strictClients(allowed: {
  getApplication?: () => unknown;
  getContainerConfiguration?: () => unknown;
}) {
  const calls: string[] = [];
  const strict = (service: string) =>
    new Proxy(
      {},
      {
        get: (_t, name: string) => {
          const fake = (allowed as Record<string, (() => unknown) | undefined>)[name];
          return async () => {
            calls.push(`${service}.${name}`);
            if (!fake) throw new Error(`image-only must not call ${service}.${name}`);
            return fake();
          };
        },
      },
    );
  const clients = {
    functions: strict("functions"),
    gateways: strict("gateways"),
    deployments: strict("deployments"),
    workRequests: strict("workRequests"),
    artifacts: strict("artifacts"),
    close: () => {},
  } as unknown as DeployClients;
  return { clients, calls };
}

function fakeBuild(builds: BuildImageInput[]) {
  return async (input: BuildImageInput): Promise<BuildResult> => {
    builds.push(input);
    const digest = `sha256:${"ab".repeat(32)}`;
    return {
      image: `${input.target}@${digest}`,
      digest,
      mediaType: "application/vnd.oci.image.index.v1+json",
      base: { reference: input.base, digest: `sha256:${"cd".repeat(32)}`, mediaType: "x" },
      platforms: input.platforms.map((p) => ({
        platform: `${p.os}/${p.architecture}`,
        digest: `sha256:${"ef".repeat(32)}`,
        configDigest: `sha256:${"01".repeat(32)}`,
      })),
      layer: { digest: `sha256:${"23".repeat(32)}`, diffId: `sha256:${"45".repeat(32)}`, size: 1234 },
      dryRun: input.dryRun ?? false,
      bytesUploaded: input.dryRun ? 0 : 1234,
      blobsUploaded: input.dryRun ? 0 : 3,
      blobsCopied: 0,
      blobsMounted: input.dryRun ? 0 : 2,
      blobsSkipped: 0,
      manifestsPushed: input.dryRun ? 0 : 3,
      manifestsSkipped: 0,
      requests: 1,
      retries: 0,
    };
  };
}

function fakeDeps(clients: DeployClients, builds: BuildImageInput[]) {
  const outputs: Record<string, string> = {};
  const lines: string[] = [];
  const summaries: string[] = [];
  const deps: DeployDeps = {
    log: {
      info: (line) => lines.push(line),
      warning: (line) => lines.push(`warning: ${line}`),
      group: async (_name, fn) => fn(),
    },
    setOutput: (name, value) => {
      outputs[name] = value;
    },
    setSecret: () => {},
    writeSummary: async (md) => {
      summaries.push(md);
    },
    createClients: () => clients,
    buildImage: fakeBuild(builds),
    http: {
      getJson: async () => {
        throw new Error("image-only must not read the identity domain");
      },
    } as unknown as DeployDeps["http"],
    readFunctionBundle: async () => Buffer.from("module.exports = 1;\n"),
    now: () => 0,
    sleep: async () => {},
  };
  return { deps, outputs, lines, summaries };
}

describe("runDeploy with image-only", () => {
  it("pushes the image, sets `image`, and reads or writes no function, gateway or identity domain", async () => {
    const { clients, calls } = strictClients({});
    const builds: BuildImageInput[] = [];
    const { deps, outputs, lines, summaries } = fakeDeps(clients, builds);
    const result = await runDeploy(readAny({ ...IMAGE_ONLY, namespace: "axaxnpcrorw5" }), deps);

    expect(calls).toEqual([]);
    // A plan (dry) build, then the push, both to the same repository and platforms.
    expect(builds.map((b) => [b.dryRun ?? false, b.target])).toEqual([
      [true, "iad.ocir.io/axaxnpcrorw5/usage-api:deploy-plan"],
      [false, `iad.ocir.io/axaxnpcrorw5/usage-api:fn-${"ab".repeat(8)}`],
    ]);
    expect(builds[1]!.credentials).toEqual({ username: "axaxnpcrorw5/deployer", password: "Xy7(tok3n)zz" });
    expect(builds[1]!.platforms).toHaveLength(2);
    expect(outputs).toEqual({
      image: `iad.ocir.io/axaxnpcrorw5/usage-api:fn-${"ab".repeat(8)}@sha256:${"ab".repeat(32)}`,
      "function-id": "",
      "deployment-id": "",
      endpoint: "",
      "deployment-endpoint": "",
      "github-endpoint": "",
    });
    expect(result.bytesUploaded).toBe(1234);
    expect(lines).toContain(
      `Plan: image sha256:${"ab".repeat(32)}; image only (the function and the gateway deployment are not touched)`,
    );
    expect(lines).toContain(
      "  Allow group UsageApiDeployers to manage repos in tenancy where target.repo.name = 'usage-api'",
    );
    // Only what this run needs: no function, gateway or namespace statements.
    expect(lines.some((l) => /fn-function|api-gateways|api-deployments|objectstorage|fn-app/.test(l))).toBe(
      false,
    );
    expect(summaries[0]).toContain("## usage-api deploy, image only");
  });

  it("reads the application for its shape and the namespace when not given, and still touches nothing else", async () => {
    const { clients, calls } = strictClients({
      getApplication: () => ({ application: SHAPE_APP }),
      getContainerConfiguration: () => ({ containerConfiguration: { namespace: "looked0up" } }),
    });
    const builds: BuildImageInput[] = [];
    const { deps, lines } = fakeDeps(clients, builds);
    const { platforms: _, ...rest } = IMAGE_ONLY;
    await runDeploy(readAny({ ...rest, "application-id": APP }), deps);
    expect(calls).toEqual(["functions.getApplication", "artifacts.getContainerConfiguration"]);
    expect(builds[0]!.platforms).toEqual([
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
    ]);
    expect(builds[1]!.target).toMatch(/^iad\.ocir\.io\/looked0up\/usage-api:/);
    expect(lines).toContain("  Allow group UsageApiDeployers to read objectstorage-namespaces in tenancy");
    expect(lines).toContain(
      `  Allow group UsageApiDeployers to read fn-app in compartment id ${SHAPE_APP.compartmentId}`,
    );
  });

  it("pushes nothing on a dry run and still sets the planned `image`", async () => {
    const { clients } = strictClients({});
    const builds: BuildImageInput[] = [];
    const { deps, outputs, lines } = fakeDeps(clients, builds);
    await runDeploy(
      readAny({
        ...IMAGE_ONLY,
        namespace: "ns1",
        "dry-run": "true",
        "registry-username": "",
        "registry-password": "",
      }),
      deps,
    );
    expect(builds.map((b) => b.dryRun)).toEqual([true]);
    expect(outputs.image).toMatch(/^iad\.ocir\.io\/ns1\/usage-api:fn-[0-9a-f]{16}@sha256:[0-9a-f]{64}$/);
    expect(lines[0]).toMatch(/^OCI API key of user/);
    expect(lines).toContain(
      `Dry run (nothing is changed): image sha256:${"ab".repeat(32)}; image only (the function and the gateway deployment are not touched)`,
    );
  });
});

// ---- the GitHub deployment -------------------------------------------------------------------------------

describe("readDeployInputs: the GitHub deployment", () => {
  it("is off without github-repositories", () => {
    expect(read(GOOD).gateway.github).toBeUndefined();
  });

  it("reads the repositories, pins and issuer, with the documented defaults", () => {
    const gateway = read({
      ...GOOD,
      "github-repositories": "octo-org/usage-reports, Other-Org/reports.v2\nocto-org/x_y",
      "github-refs": "refs/heads/main, refs/tags/v1.2",
      "github-environments": "reports",
      "github-path-prefix": DEPLOY_DEFAULTS["github-path-prefix"]!,
      "github-audience": DEPLOY_DEFAULTS["github-audience"]!,
      "github-oidc-issuer": DEPLOY_DEFAULTS["github-oidc-issuer"]!,
    }).gateway;
    expect(gateway.github).toEqual({
      deploymentName: "usage-api-github",
      pathPrefix: "/usage-github",
      repositories: ["octo-org/usage-reports", "Other-Org/reports.v2", "octo-org/x_y"],
      audience: "usage-api-action",
      refs: ["refs/heads/main", "refs/tags/v1.2"],
      environments: ["reports"],
      issuer: "https://token.actions.githubusercontent.com",
    });
  });

  it("takes a GitHub Enterprise Server issuer, and http only on loopback", () => {
    const ghes = read({
      ...GOOD,
      "github-repositories": "o/r",
      "github-oidc-issuer": "https://github.example.com/_services/token/",
    });
    expect(ghes.gateway.github?.issuer).toBe("https://github.example.com/_services/token");
    const local = read({
      ...GOOD,
      "github-repositories": "o/r",
      "github-oidc-issuer": "http://127.0.0.1:9999",
    });
    expect(local.gateway.github?.issuer).toBe("http://127.0.0.1:9999");
    expect(
      errorOf(() =>
        read({ ...GOOD, "github-repositories": "o/r", "github-oidc-issuer": "http://gh.example.com" }),
      ).message,
    ).toBe(
      "input 'github-oidc-issuer': 'http://gh.example.com' must use https (http is allowed only for 127.0.0.1 and localhost)",
    );
  });

  it.each([
    [
      "github-repositories",
      "octo-org",
      "'octo-org' is not a GitHub repository; use owner/repo, e.g. octo-org/usage-reports (comma-separated)",
    ],
    [
      "github-repositories",
      "octo-org/a/b",
      "'octo-org/a/b' is not a GitHub repository; use owner/repo, e.g. octo-org/usage-reports (comma-separated)",
    ],
    [
      "github-repositories",
      "-bad/repo",
      "'-bad/repo' is not a GitHub repository; use owner/repo, e.g. octo-org/usage-reports (comma-separated)",
    ],
    [
      "github-repositories",
      "o/..",
      "'o/..' is not a GitHub repository; use owner/repo, e.g. octo-org/usage-reports (comma-separated)",
    ],
    ["github-repositories", "o/r, o/r", "lists a repository twice"],
    [
      "github-refs",
      "main",
      "'main' is not a full ref; use refs/heads/<branch> or refs/tags/<tag>, e.g. refs/heads/main",
    ],
    [
      "github-refs",
      "refs/pull/1/merge",
      "'refs/pull/1/merge' is not a full ref; use refs/heads/<branch> or refs/tags/<tag>, e.g. refs/heads/main",
    ],
    ["github-path-prefix", "usage-github", "'usage-github' must start with /; use e.g. /usage"],
    [
      "github-path-prefix",
      "/usage",
      "is the same as 'path-prefix' (/usage); the GitHub deployment needs its own, e.g. /usage-github",
    ],
    ["github-audience", "a b", "'a b' must be one audience without spaces or commas"],
    [
      "github-audience",
      "https://usage.example.com/",
      "'https://usage.example.com/' is also in 'audiences'; use an audience of its own (default usage-api-action), so that neither deployment accepts the other's tokens",
    ],
  ])("refuses %s %j", (name, value, message) => {
    expect(errorOf(() => read({ ...GOOD, "github-repositories": "o/r", [name]: value })).message).toBe(
      `input '${name}': ${message}`,
    );
  });

  it("refuses an issuer shared with the identity domain's deployment", () => {
    const issuer = "https://token.actions.githubusercontent.com";
    expect(
      errorOf(() => read({ ...GOOD, "github-repositories": "o/r", issuer, "github-oidc-issuer": issuer }))
        .message,
    ).toBe(
      "input 'github-oidc-issuer': is the same as 'issuer'; the identity domain's deployment would accept GitHub's tokens: set 'issuer' to the identity domain's issuer",
    );
  });

  it.each(["github-refs", "github-environments"])("refuses %s without github-repositories", (name) => {
    const value = name === "github-refs" ? "refs/heads/main" : "prod";
    expect(errorOf(() => read({ ...GOOD, [name]: value })).message).toBe(
      `input '${name}': has no effect without 'github-repositories'; list the repositories whose workflows may call the GitHub deployment, or leave it empty`,
    );
  });
});

// ---- keyless (oci-auth: oidc) --------------------------------------------------------------------------

describe("readDeployInputs: oci-auth oidc", () => {
  const KEYLESS: Record<string, string> = {
    "oci-auth": "oidc",
    "oidc-client-id": "0123456789abcdef0123456789abcdef",
    "oidc-client-secret": "idcs-secret-of-the-trust",
    "oci-region": "us-ashburn-1",
    "application-id": APP,
    "gateway-id": GATEWAY,
    "identity-domain-url": "https://idcs-0123456789abcdef.identity.oraclecloud.com/",
    audiences: "https://usage.example.com/",
  };
  const readKeyless = (
    values: Record<string, string>,
    env: Record<string, string> = {},
    secrets: string[] = [],
  ) =>
    readDeployInputs((name) => values[name] ?? "", {
      setSecret: (v) => secrets.push(v),
      funcYaml: FUNC_YAML,
      env,
    });

  it("needs no API key and no registry credentials, and reads no OCI_CLI_* key", () => {
    const secrets: string[] = [];
    const env = { OCI_CLI_KEY_CONTENT: "not a key", OCI_CLI_USER: "nope", OCI_CLI_FINGERPRINT: "nope" };
    const inputs = readKeyless(KEYLESS, env, secrets);
    expect(inputs.auth).toEqual({
      kind: "oidc",
      tenancyId: undefined,
      region: "us-ashburn-1",
      regionKey: "iad",
      endpoints: {},
      exchange: {
        domainUrl: "https://idcs-0123456789abcdef.identity.oraclecloud.com",
        clientId: "0123456789abcdef0123456789abcdef",
        clientSecret: "idcs-secret-of-the-trust",
        audience: "https://cloud.oracle.com",
      },
    });
    expect(inputs.image.username).toBeUndefined();
    expect(inputs.image.registry).toBe("iad.ocir.io");
    expect(secrets).toContain("idcs-secret-of-the-trust");
    expect(secrets).not.toContain("not a key");
  });

  it("takes oci-tenancy and oidc-audience when given", () => {
    const inputs = readKeyless({ ...KEYLESS, "oci-tenancy": TENANCY, "oidc-audience": "api://oci" });
    if (inputs.auth.kind !== "oidc") throw new Error("expected oidc");
    expect(inputs.auth.tenancyId).toBe(TENANCY);
    expect(inputs.auth.exchange.audience).toBe("api://oci");
  });

  it("names the trust's client inputs and the domain URL when they are missing, image-only too", () => {
    const { "oidc-client-id": _, "oidc-client-secret": __, "identity-domain-url": ___, ...rest } = KEYLESS;
    const err = errorOf(() => readKeyless({ ...rest, "image-only": "true" }));
    expect(err.message).toBe(
      [
        "input 'oidc-client-id': is required with 'oci-auth: oidc' (the OAuth client of the Identity Propagation Trust); pass the OIDC_CLIENT_ID secret that setup wrote",
        "input 'oidc-client-secret': is required with 'oci-auth: oidc' (the secret of the trust's OAuth client); pass the OIDC_CLIENT_SECRET secret that setup wrote",
        "input 'identity-domain-url': is required with 'oci-auth: oidc': the job's GitHub token is exchanged at its /oauth2/v1/token; use the identity domain URL, e.g. https://idcs-….identity.oraclecloud.com",
      ].join("; "),
    );
  });

  it("still requires the region, and refuses an unknown oci-auth", () => {
    const { "oci-region": _, ...rest } = KEYLESS;
    expect(errorOf(() => readKeyless(rest)).message).toMatch(
      /^input 'oci-region': is required for command 'deploy' \(the region to deploy to, e.g\. us-ashburn-1\); set the input or the OCI_CLI_REGION environment variable$/,
    );
    expect(errorOf(() => readKeyless({ ...KEYLESS, "oci-auth": "token" })).message).toContain(
      "input 'oci-auth': 'token' is not allowed; use api-key (an OCI API key) or oidc (the job's GitHub OIDC token, no key); ",
    );
  });

  it("keeps api-key the default: the same auth as before, and registry credentials still required", () => {
    expect(read(GOOD).auth.kind).toBe("api-key");
    expect(read({ ...GOOD, "oci-auth": "API-KEY" }).auth.fingerprint).toBe(FINGERPRINT);
    const { "registry-username": _, ...rest } = GOOD;
    expect(errorOf(() => read(rest)).message).toMatch(
      /^input 'registry-username': is required to push the image/,
    );
  });
});
