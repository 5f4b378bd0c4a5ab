// The GitHub issuer's claims and minting, without a listener: GitHub's sub formats for every kind of job, the
// lifetime taken from the injected clock and options, claim overrides, and forged signatures.
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { checkRepository, jobClaims } from "../../sandbox/github/claims.js";
import { TokenSigner } from "../../sandbox/github/tokens.js";

const ISSUER = "http://127.0.0.1:4000";
const NOW_MS = Date.parse("2026-03-01T12:00:00Z");
const NOW_S = NOW_MS / 1000;

describe("a job's claims", () => {
  it.each([
    ["a push to main", {}, "repo:o/r:ref:refs/heads/main", "branch", "true"],
    ["a tag", { ref: "refs/tags/v1.2.0" }, "repo:o/r:ref:refs/tags/v1.2.0", "tag", "false"],
    ["another branch", { ref: "refs/heads/dev" }, "repo:o/r:ref:refs/heads/dev", "branch", "false"],
    ["a pull request", { eventName: "pull_request" }, "repo:o/r:pull_request", "branch", "false"],
    ["an environment", { environment: "prod" }, "repo:o/r:environment:prod", "branch", "true"],
    [
      "an environment wins over pull_request",
      { environment: "prod", eventName: "pull_request" },
      "repo:o/r:environment:prod",
      "branch",
      "false",
    ],
  ])("%s", (_name, job, sub, refType, refProtected) => {
    const claims = jobClaims(ISSUER, { repository: "o/r", ...job }, 7);
    expect(claims).toMatchObject({
      sub,
      ref_type: refType,
      ref_protected: refProtected,
      iss: ISSUER,
      run_number: "7",
    });
    expect("environment" in claims).toBe("environment" in job);
  });

  it("gives the same job the same ids, and another repository other ids", () => {
    const a = jobClaims(ISSUER, { repository: "o/r" }, 1);
    expect(jobClaims(ISSUER, { repository: "o/r" }, 1)).toEqual(a);
    const b = jobClaims(ISSUER, { repository: "o/other" }, 1);
    expect(b.repository_id).not.toBe(a.repository_id);
    expect(b.repository_owner_id).toBe(a.repository_owner_id);
    expect(a.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(a.job_workflow_ref).toBe("o/r/.github/workflows/deploy.yml@refs/heads/main");
  });

  it("refuses a repository that is not owner/repo, naming the form", () => {
    expect(() => checkRepository("just-a-name")).toThrow(
      "github repository 'just-a-name' is not owner/repo (letters, digits, '-', '.', '_')",
    );
    expect(() => jobClaims(ISSUER, { repository: "o/r/x" }, 1)).toThrow(/not owner\/repo/);
  });
});

describe("minting", () => {
  const base = jobClaims(ISSUER, { repository: "octo-org/usage-reports" }, 1);
  const signer = () => TokenSigner.create({ now: () => NOW_MS, ttlSeconds: 300, notBeforeSeconds: 600 });

  it("times a token by the injected clock, GitHub's lifetime and the options", async () => {
    const s = await signer();
    const claims = decodeJwt(await s.mint(base));
    expect(claims).toMatchObject({ iat: NOW_S, nbf: NOW_S - 600, exp: NOW_S + 300 });
    expect(claims.aud).toBe("https://github.com/octo-org");
    const custom = decodeJwt(await s.mint(base, {}, { issuedAt: 1000, expiresInSeconds: 60, audience: "x" }));
    expect(custom).toMatchObject({ iat: 1000, nbf: 400, exp: 1060, aud: "x" });
    expect(decodeJwt(await s.mint(base)).jti).not.toBe(claims.jti);
  });

  it("lays overrides over the job's claims; undefined removes one", async () => {
    const s = await signer();
    const claims = decodeJwt(await s.mint(base, { repository: undefined, ref: "refs/heads/x", extra: 1 }));
    expect(claims).not.toHaveProperty("repository");
    expect(claims).toMatchObject({ ref: "refs/heads/x", extra: 1, sub: base.sub });
  });

  it("signs with the published key, and a forged token with another key under the same kid", async () => {
    const s = await signer();
    const keys = createLocalJWKSet(s.jwks());
    const genuine = await s.mint(base);
    const forged = await s.mint(base, {}, { forged: true });
    expect(decodeProtectedHeader(forged)).toEqual(decodeProtectedHeader(genuine));
    expect(decodeProtectedHeader(genuine)).toEqual({ alg: "RS256", typ: "JWT", kid: s.jwks().keys[0]?.kid });
    const at = { currentDate: new Date(NOW_MS) };
    await expect(jwtVerify(genuine, keys, at)).resolves.toBeDefined();
    await expect(jwtVerify(forged, keys, at)).rejects.toThrow(/signature verification failed/);
  });
});
