// The pieces of the sandbox's token exchange that stand alone: the impersonation rule matcher, and the
// trust's JWKS fetch (a loopback server; the cache clock injected).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRule, ruleMatches } from "../../sandbox/identity/impersonation-rules.js";
import { JwksUnavailableError, remoteJwks } from "../../sandbox/identity/remote-jwks.js";

const MAIN = "repo:octo-org/usage-reports:ref:refs/heads/main";
const claims = {
  sub: MAIN,
  repository: "octo-org/usage-reports",
  aud: ["https://cloud.oracle.com", "other"],
  run_number: 7,
};

describe("impersonation rules", () => {
  it("parses eq clauses joined by and, bare or quoted", () => {
    expect(parseRule(`sub eq ${MAIN}`)).toEqual([{ claim: "sub", value: MAIN }]);
    expect(parseRule(`sub eq ${MAIN} AND repository eq "octo-org/usage-reports"`)).toEqual([
      { claim: "sub", value: MAIN },
      { claim: "repository", value: "octo-org/usage-reports" },
    ]);
    expect(parseRule('workflow eq "Deploy \\"prod\\" and more"')).toEqual([
      { claim: "workflow", value: 'Deploy "prod" and more' },
    ]);
  });

  it("refuses what it cannot read, naming the syntax", () => {
    for (const rule of ["", "sub == x", "sub eq", "sub eq a or b eq c", "sub eq a and", "eq x"]) {
      expect(() => parseRule(rule), rule).toThrow(
        `the rule "${rule}" is not supported: use <claim> eq <value> clauses joined by " and ", e.g. sub eq repo:owner/repo:ref:refs/heads/main`,
      );
    }
  });

  it("matches when every clause matches, exactly and case-sensitively", () => {
    expect(ruleMatches(`sub eq ${MAIN}`, claims)).toBe(true);
    expect(ruleMatches(`sub eq ${MAIN} and repository eq octo-org/usage-reports`, claims)).toBe(true);
    expect(ruleMatches(`sub eq ${MAIN} and repository eq octo-org/other`, claims)).toBe(false);
    expect(ruleMatches(`sub eq ${MAIN.toUpperCase()}`, claims)).toBe(false);
    expect(ruleMatches("sub eq repo:octo-org/usage-reports:ref:refs/heads/mai", claims)).toBe(false);
    expect(ruleMatches("environment eq prod", claims)).toBe(false);
  });

  it("matches an array claim on any member, and numbers by their text", () => {
    expect(ruleMatches("aud eq other", claims)).toBe(true);
    expect(ruleMatches("aud eq nobody", claims)).toBe(false);
    expect(ruleMatches("run_number eq 7", claims)).toBe(true);
  });
});

describe("a trust's remote JWKS", () => {
  let server: Server;
  let url: string;
  let hits = 0;
  let answer: { status: number; body: string } = { status: 200, body: '{"keys":[]}' };

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      if (req.url === "/hang") return; // never answers
      res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("is fetched once per cache period, again after it or when asked to refresh", async () => {
    let now = 1_000_000;
    const jwks = remoteJwks({ cacheMs: 60_000, now: () => now });
    answer = { status: 200, body: '{"keys":[{"kty":"RSA","kid":"a"}]}' };
    hits = 0;
    expect(await jwks.get(`${url}/jwks`)).toEqual({ keys: [{ kty: "RSA", kid: "a" }] });
    now += 59_999;
    await jwks.get(`${url}/jwks`);
    expect(hits).toBe(1);
    now += 1;
    answer = { status: 200, body: '{"keys":[{"kty":"RSA","kid":"b"}]}' };
    expect((await jwks.get(`${url}/jwks`)).keys[0]?.kid).toBe("b");
    await jwks.get(`${url}/jwks`, true);
    expect(hits).toBe(3);
  });

  it("reports an HTTP error, a body that is no JWKS, a refused connection and a timeout, naming the URL", async () => {
    const jwks = remoteJwks({ timeoutMs: 100 });
    answer = { status: 503, body: "down" };
    await expect(jwks.get(`${url}/a`)).rejects.toThrow(
      new JwksUnavailableError(`the JWKS at ${url}/a answered HTTP 503`),
    );
    answer = { status: 200, body: '{"issuer":"x"}' };
    await expect(jwks.get(`${url}/b`)).rejects.toThrow(
      `the answer of ${url}/b is not a JWKS (no "keys" array)`,
    );
    await expect(jwks.get("http://127.0.0.1:1/jwks")).rejects.toThrow(
      /^the JWKS at http:\/\/127\.0\.0\.1:1\/jwks could not be fetched \(/,
    );
    await expect(jwks.get(`${url}/hang`)).rejects.toThrow(
      `the JWKS at ${url}/hang could not be fetched (no answer within 100 ms)`,
    );
  });
});
