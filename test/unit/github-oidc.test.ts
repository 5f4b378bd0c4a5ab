import { describe, expect, it } from "vitest";
import { decodeClaims, GithubOidcError, githubIdToken } from "../../src/lib/github-oidc.js";

const jwt = (claims: object) =>
  `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;
const runnerEnv = {
  ACTIONS_ID_TOKEN_REQUEST_URL: "http://127.0.0.1:1/t?api-version=2.0",
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: "r",
};
const NOW = Date.UTC(2026, 11, 3, 12);

describe("githubIdToken", () => {
  it("names the missing id-token permission when the runner gave the job no request token", async () => {
    const err = await githubIdToken("aud", { env: { ACTIONS_ID_TOKEN_REQUEST_URL: "x" } }).catch((e) => e);
    expect(err).toBeInstanceOf(GithubOidcError);
    expect(err.message).toContain("ACTIONS_ID_TOKEN_REQUEST_TOKEN not set");
    expect(err.message).toContain("id-token: write");
  });

  it("returns the token, masked, with its claims", async () => {
    const token = jwt({ sub: "repo:o/r:ref:refs/heads/main", exp: NOW / 1000 + 300 });
    const masked: string[] = [];
    const got = await githubIdToken("aud", {
      env: runnerEnv,
      getIDToken: async (audience) => (audience === "aud" ? token : "wrong"),
      mask: (s) => masked.push(s),
      now: () => NOW,
    });
    expect(got.token).toBe(token);
    expect(got.claims.sub).toBe("repo:o/r:ref:refs/heads/main");
    expect(masked).toEqual([token]);
  });

  it("refuses an expired token, naming its subject and when it expired", async () => {
    const token = jwt({ sub: "repo:o/r:ref:refs/heads/dev", exp: NOW / 1000 - 1 });
    const err = await githubIdToken("aud", {
      env: runnerEnv,
      getIDToken: async () => token,
      mask: () => {},
      now: () => NOW,
    }).catch((e) => e);
    expect(err.message).toMatch(/repo:o\/r:ref:refs\/heads\/dev.*expired at 2026-12-03T11:59:59/);
  });

  it("turns a transport failure into one line with the permission hint", async () => {
    const err = await githubIdToken("aud", {
      env: runnerEnv,
      getIDToken: async () => {
        throw new Error("Failed to get ID Token.\n Error Code : 401");
      },
      mask: () => {},
    }).catch((e) => e);
    expect(err.message).toMatch(
      /^could not get a GitHub OIDC token for audience 'aud': .*401.*id-token: write/,
    );
    expect(err.message).not.toContain("\n");
  });

  it("decodes only objects; anything else is no claims", () => {
    expect(decodeClaims("a.b")).toEqual({});
    expect(decodeClaims(`x.${Buffer.from("[1]").toString("base64url")}.y`)).toEqual({});
    expect(decodeClaims(jwt({ repository: "o/r" })).repository).toBe("o/r");
  });
});
