// `auth: github-oidc`: the inputs it needs and refuses, and the token source (asked again near `exp`,
// fatal without the id-token permission, a 401 explained with the token's repository and subject).
import { describe, expect, it } from "vitest";
import { FatalReportError } from "../../src/report/errors.js";
import { GithubTokenSource } from "../../src/report/github-token.js";
import { DEFAULTS, readReportInputs } from "../../src/report/inputs.js";

const NOW = new Date("2026-03-15T10:00:00Z");
const KEYLESS: Record<string, string> = {
  endpoint: "https://gw.example.com/usage-github",
  auth: "github-oidc",
  "github-audience": DEFAULTS["github-audience"]!,
};

function read(values: Record<string, string>) {
  return readReportInputs((name) => values[name] ?? "", { now: NOW, setSecret: () => {} });
}

describe("report inputs with auth: github-oidc", () => {
  it("needs no client id, secret, token URL or scope; the audience defaults to usage-api-action", () => {
    expect(read(KEYLESS).auth).toEqual({ kind: "github-oidc", audience: "usage-api-action" });
    expect(read({ ...KEYLESS, "github-audience": "my-aud" }).auth).toEqual({
      kind: "github-oidc",
      audience: "my-aud",
    });
  });

  it("defaults to client-credentials, which still requires its four inputs", () => {
    expect(DEFAULTS.auth).toBe("client-credentials");
    expect(() => read({ endpoint: KEYLESS.endpoint! })).toThrow(
      "input 'token-url': is required for command 'report'; set it to the identity domain URL, e.g. https://idcs-….identity.oraclecloud.com; input 'client-id': is required for command 'report'; set it to the confidential application's client ID; input 'client-secret': is required for command 'report'; pass it from a repository or environment secret; input 'scope': is required for command 'report'; use the resource application's primary audience followed by the scope name, e.g. https://usage.example.com/usage.read",
    );
  });

  it.each(["token-url", "client-id", "client-secret", "scope"])(
    "refuses %s, saying which auth it belongs to",
    (name) => {
      expect(() => read({ ...KEYLESS, [name]: "https://x.example.com/" })).toThrow(
        `input '${name}': belongs to 'auth: client-credentials'; 'auth: github-oidc' uses the workflow's GitHub OIDC token and no client credentials: remove it (or set auth: client-credentials)`,
      );
    },
  );

  it("refuses an unknown auth without asking for client credentials, and a bad audience", () => {
    expect(() => read({ ...KEYLESS, auth: "oidc" })).toThrow(
      "input 'auth': 'oidc' is not allowed; use client-credentials or github-oidc",
    );
    expect(() => read({ ...KEYLESS, "github-audience": "a,b" })).toThrow(
      "input 'github-audience': 'a,b' must be one audience without spaces or commas",
    );
  });
});

const jwt = (claims: object) =>
  `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;
const RUNNER = {
  ACTIONS_ID_TOKEN_REQUEST_URL: "http://127.0.0.1:1/t?api-version=2.0",
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: "r",
};
const T0 = Date.UTC(2026, 2, 15, 10);

function source(now: { ms: number }, env: Record<string, string> = RUNNER) {
  const asked: string[] = [];
  const masked: string[] = [];
  const tokens = new GithubTokenSource({
    audience: "usage-api-action",
    clock: { now: () => now.ms },
    setSecret: (s) => masked.push(s),
    env,
    getIDToken: async (audience) => {
      asked.push(audience);
      return jwt({
        n: asked.length,
        repository: "octo-org/other",
        sub: "repo:octo-org/other:ref:refs/heads/main",
        exp: Math.floor(now.ms / 1000) + 300,
      });
    },
  });
  return { tokens, asked, masked };
}

describe("GithubTokenSource", () => {
  it("keeps a token until 60 s before its exp, then asks GitHub again; each one is masked", async () => {
    const now = { ms: T0 };
    const { tokens, asked, masked } = source(now);
    const first = await tokens.getToken();
    now.ms = T0 + 239_999;
    expect(await tokens.getToken()).toBe(first);
    now.ms = T0 + 240_000;
    const second = await tokens.getToken();
    expect(second).not.toBe(first);
    expect(asked).toEqual(["usage-api-action", "usage-api-action"]);
    expect(masked).toEqual([first, second]);
  });

  it("logs whose token it holds and until when (claims, never the token)", async () => {
    const lines: string[] = [];
    const tokens = new GithubTokenSource({
      audience: "usage-api-action",
      clock: { now: () => T0 },
      setSecret: () => {},
      env: RUNNER,
      getIDToken: async () =>
        jwt({ repository: "o/r", sub: "repo:o/r:ref:refs/heads/main", exp: T0 / 1000 + 300 }),
      log: (line) => lines.push(line),
    });
    await tokens.getToken();
    expect(lines).toEqual([
      "GitHub OIDC token for audience 'usage-api-action': repository 'o/r', sub 'repo:o/r:ref:refs/heads/main', valid until 2026-03-15T10:05:00.000Z",
    ]);
  });

  it("asks again after invalidate()", async () => {
    const { tokens, asked } = source({ ms: T0 });
    await tokens.getToken();
    tokens.invalidate();
    await tokens.getToken();
    expect(asked).toHaveLength(2);
  });

  it("fails fatally, naming the permission, in a job without id-token: write", async () => {
    const { tokens } = source({ ms: T0 }, {});
    const err = await tokens.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FatalReportError);
    expect((err as Error).message).toContain("add 'permissions: id-token: write' to the job");
  });

  it("explains a 401 with the token's repository and subject and what deploy must list", async () => {
    const { tokens } = source({ ms: T0 });
    await tokens.getToken();
    tokens.invalidate();
    expect(tokens.unauthorizedMessage()).toBe(
      "the endpoint answered HTTP 401 Unauthorized to this job's GitHub OIDC token (repository 'octo-org/other', sub 'repo:octo-org/other:ref:refs/heads/main', audience 'usage-api-action'): deploy's 'github-repositories' must list octo-org/other (and 'github-refs' / 'github-environments', when set, this job's ref or environment), 'github-audience' must be the same in deploy and report, and input 'endpoint' must be deploy's github-endpoint output",
    );
  });
});
