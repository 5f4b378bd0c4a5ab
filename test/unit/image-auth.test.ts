import { describe, expect, it } from "vitest";
import {
  mergeScopes,
  parseChallenges,
  RegistryAuth,
  repositoryScope,
  type TokenResponse,
} from "../../src/image/auth.js";
import { RegistryAuthError } from "../../src/image/errors.js";

describe("parseChallenges", () => {
  it.each([
    [
      'Bearer realm="https://iad.ocir.io/20180419/docker/token",service="iad.ocir.io",scope="repository:ns/app:pull,push"',
      [
        {
          scheme: "bearer",
          params: {
            realm: "https://iad.ocir.io/20180419/docker/token",
            service: "iad.ocir.io",
            scope: "repository:ns/app:pull,push",
          },
        },
      ],
    ],
    ['Basic realm="basic-realm"', [{ scheme: "basic", params: { realm: "basic-realm" } }]],
    [
      'Basic realm="a, b", Bearer realm="https://x/t", service=reg, scope="repository:a:pull repository:b:pull"',
      [
        { scheme: "basic", params: { realm: "a, b" } },
        {
          scheme: "bearer",
          params: { realm: "https://x/t", service: "reg", scope: "repository:a:pull repository:b:pull" },
        },
      ],
    ],
    [
      'BEARER Realm = "https://x/t" , error="insufficient_scope"',
      [{ scheme: "bearer", params: { realm: "https://x/t", error: "insufficient_scope" } }],
    ],
    ['Bearer realm="quo\\"ted\\\\"', [{ scheme: "bearer", params: { realm: 'quo"ted\\' } }]],
    ["Negotiate", [{ scheme: "negotiate", params: {} }]],
    ["", []],
  ])("%s", (header, expected) => {
    expect(parseChallenges(header)).toEqual(expected);
  });

  it("reads several header lines", () => {
    expect(parseChallenges(['Basic realm="r"', 'Bearer realm="https://t"']).map((c) => c.scheme)).toEqual([
      "basic",
      "bearer",
    ]);
    expect(parseChallenges(undefined)).toEqual([]);
  });
});

describe("scopes", () => {
  it("unites actions per repository, sorted", () => {
    expect(
      mergeScopes([
        "repository:ns/app:push",
        "repository:fnproject/node:pull",
        "repository:ns/app:pull",
        "repository:ns/app:pull repository:other:pull",
      ]),
    ).toEqual(["repository:fnproject/node:pull", "repository:ns/app:pull,push", "repository:other:pull"]);
    expect(repositoryScope("ns/app", ["pull", "push"])).toBe("repository:ns/app:pull,push");
  });
});

const ORIGIN = "https://iad.ocir.io";
const REALM = `${ORIGIN}/20180419/docker/token`;
const CHALLENGE = `Bearer realm="${REALM}",service="iad.ocir.io"`;

interface Call {
  url: string;
  headers: Record<string, string>;
}

function fakeTokens(answers: Array<Partial<TokenResponse>>) {
  const calls: Call[] = [];
  const transport = async (url: string, headers: Record<string, string>): Promise<TokenResponse> => {
    calls.push({ url, headers });
    const a = answers[Math.min(calls.length - 1, answers.length - 1)] ?? {};
    return { status: a.status ?? 200, headers: a.headers ?? {}, body: a.body ?? "" };
  };
  return { calls, transport };
}

const token = (value: string, expiresIn?: number, field = "token") =>
  ({
    body: JSON.stringify({ [field]: value, ...(expiresIn ? { expires_in: expiresIn } : {}) }),
  }) as Partial<TokenResponse>;

function auth(
  answers: Array<Partial<TokenResponse>>,
  extra: Partial<ConstructorParameters<typeof RegistryAuth>[0]> = {},
) {
  const fake = fakeTokens(answers);
  let clock = 1_000_000;
  const masked: string[] = [];
  const a = new RegistryAuth({
    registry: "iad.ocir.io",
    origin: ORIGIN,
    credentials: { username: "ns/alice", password: "tok3n" },
    scopes: ["repository:ns/app:pull,push", "repository:ns/fnproject/node:pull"],
    transport: fake.transport,
    now: () => clock,
    mask: (s) => masked.push(s),
    ...extra,
  });
  return { a, calls: fake.calls, masked, advance: (ms: number) => (clock += ms) };
}

describe("RegistryAuth", () => {
  it("fetches ONE token for every scope, with Basic credentials, and reuses it", async () => {
    const { a, calls, masked } = auth([token("T1")]);
    expect(await a.header(`${ORIGIN}/v2/`)).toBeUndefined();
    expect(await a.onUnauthorized(CHALLENGE, undefined)).toBe(true);
    expect(await a.header(`${ORIGIN}/v2/ns/app/blobs/x`)).toBe("Bearer T1");
    expect(await a.header(`${ORIGIN}/v2/ns/fnproject/node/manifests/24`)).toBe("Bearer T1");
    expect(calls).toHaveLength(1);
    const url = new URL(calls[0]?.url as string);
    expect(url.origin + url.pathname).toBe(REALM);
    expect(url.searchParams.get("service")).toBe("iad.ocir.io");
    expect(url.searchParams.getAll("scope")).toEqual([
      "repository:ns/app:pull,push",
      "repository:ns/fnproject/node:pull",
    ]);
    expect(calls[0]?.headers.authorization).toBe(`Basic ${Buffer.from("ns/alice:tok3n").toString("base64")}`);
    expect(masked).toEqual(
      expect.arrayContaining(["tok3n", Buffer.from("ns/alice:tok3n").toString("base64"), "T1"]),
    );
  });

  it("takes access_token when there is no token", async () => {
    const { a } = auth([token("AT", undefined, "access_token")]);
    await a.onUnauthorized(CHALLENGE, undefined);
    expect(await a.header(`${ORIGIN}/v2/`)).toBe("Bearer AT");
  });

  it("renews the token when expires_in has passed", async () => {
    const { a, calls, advance } = auth([token("T1", 60), token("T2", 60)]);
    await a.onUnauthorized(CHALLENGE, undefined);
    advance(45_000);
    expect(await a.header(`${ORIGIN}/v2/`)).toBe("Bearer T1");
    advance(10_000);
    expect(await a.header(`${ORIGIN}/v2/`)).toBe("Bearer T2");
    expect(calls).toHaveLength(2);
  });

  it("adds the scope a challenge asks for and gets a new token", async () => {
    const { a, calls } = auth([token("T1"), token("T2")]);
    await a.onUnauthorized(CHALLENGE, undefined);
    await a.onUnauthorized(
      `${CHALLENGE},scope="repository:ns/other:pull",error="insufficient_scope"`,
      "Bearer T1",
    );
    expect(await a.header(`${ORIGIN}/v2/`)).toBe("Bearer T2");
    expect(new URL(calls[1]?.url as string).searchParams.getAll("scope")).toContain(
      "repository:ns/other:pull",
    );
  });

  it("says the credentials were rejected when the realm refuses them", async () => {
    const { a } = auth([{ status: 401, body: '{"errors":[{"code":"UNAUTHORIZED"}]}' }]);
    await expect(a.onUnauthorized(CHALLENGE, undefined)).rejects.toThrow(
      "registry iad.ocir.io rejected the credentials for ns/alice: check the OCIR username (ns/alice) and auth token",
    );
  });

  it("says what an OCIR username looks like when it has no namespace", async () => {
    const { a } = auth([{ status: 401 }], { credentials: { username: "alice", password: "x" } });
    await expect(a.onUnauthorized(CHALLENGE, undefined)).rejects.toThrow(
      /must be <tenancy-namespace>\/<user>/,
    );
  });

  it("reports a denial when a fresh token is refused, without asking again", async () => {
    const { a, calls } = auth([token("T1")]);
    await a.onUnauthorized(CHALLENGE, undefined);
    await expect(
      a.onUnauthorized(`${CHALLENGE},error="insufficient_scope"`, "Bearer T1", "ns/app"),
    ).rejects.toThrow(/denied .* to ns\/alice/);
    expect(calls).toHaveLength(1);
  });

  it("renews once when a token that worked is refused (expired early)", async () => {
    const { a, calls } = auth([token("T1"), token("T2")]);
    await a.onUnauthorized(CHALLENGE, undefined);
    a.accepted("Bearer T1");
    expect(await a.onUnauthorized(CHALLENGE, "Bearer T1")).toBe(true);
    expect(await a.header(`${ORIGIN}/v2/`)).toBe("Bearer T2");
    expect(calls).toHaveLength(2);
  });

  it("asks anonymously without credentials and says so when refused", async () => {
    const { a, calls } = auth([token("anon")], { credentials: undefined });
    await a.onUnauthorized(CHALLENGE, undefined);
    expect(calls[0]?.headers.authorization).toBeUndefined();
    await expect(a.onUnauthorized(CHALLENGE, "Bearer anon", "ns/app")).rejects.toThrow(
      /refused anonymous access to repository ns\/app: give credentials/,
    );
  });

  it("never sends credentials to a realm on another host", async () => {
    const { a, calls } = auth([token("T")]);
    await a.onUnauthorized('Bearer realm="https://evil.example/token",service="s"', undefined);
    expect(calls[0]?.headers.authorization).toBeUndefined();
    await expect(
      a.onUnauthorized('Bearer realm="https://evil.example/token",service="s"', "Bearer T"),
    ).rejects.toThrow(
      /the token realm https:\/\/evil.example is another host, so the credentials were not sent to it/,
    );
  });

  it("sends credentials to Docker Hub's known realm and to trusted hosts", async () => {
    const hub = auth([token("T")], { registry: "docker.io", origin: "https://registry-1.docker.io" });
    await hub.a.onUnauthorized(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io"',
      undefined,
    );
    expect(hub.calls[0]?.headers.authorization).toMatch(/^Basic /);
    const trusted = auth([token("T")], { trustedRealmHosts: ["auth.example"] });
    await trusted.a.onUnauthorized('Bearer realm="https://auth.example/t"', undefined);
    expect(trusted.calls[0]?.headers.authorization).toMatch(/^Basic /);
  });

  it("never gives the Authorization header to another origin", async () => {
    const { a } = auth([token("T")]);
    await a.onUnauthorized(CHALLENGE, undefined);
    expect(await a.header("https://objectstorage.example/blob")).toBeUndefined();
    expect(await a.header("https://iad.ocir.io:8443/v2/")).toBeUndefined();
  });

  it.each([
    ['Bearer realm="http://auth.example/token"', /not https/],
    ['Bearer realm="::nope"', /invalid token realm/],
    ["Bearer service=x", /without a realm/],
    ["Digest realm=x", /without a usable WWW-Authenticate/],
    [undefined, /without a usable WWW-Authenticate/],
  ])("refuses the challenge %j", async (challenge, message) => {
    const { a, calls } = auth([token("T")]);
    await expect(a.onUnauthorized(challenge, undefined)).rejects.toThrow(message);
    expect(calls).toHaveLength(0);
  });

  it("does not follow a redirect from the token service", async () => {
    const { a } = auth([{ status: 302, headers: { location: "https://elsewhere/" } }]);
    await expect(a.onUnauthorized(CHALLENGE, undefined)).rejects.toThrow(/redirects are not followed/);
  });

  it.each([
    [{ status: 200, body: "not json" }, /not JSON/],
    [{ status: 200, body: "{}" }, /without a token/],
    [{ status: 500, body: "" }, /answered HTTP 500/],
  ])("refuses a bad token answer %j", async (answer, message) => {
    const { a } = auth([answer]);
    await expect(a.onUnauthorized(CHALLENGE, undefined)).rejects.toThrow(message);
  });

  it("uses Basic on every request after a Basic challenge, and says when it is rejected", async () => {
    const { a, calls } = auth([]);
    expect(await a.onUnauthorized('Basic realm="r"', undefined)).toBe(true);
    const basic = `Basic ${Buffer.from("ns/alice:tok3n").toString("base64")}`;
    expect(await a.header(`${ORIGIN}/v2/`)).toBe(basic);
    expect(await a.header("http://127.0.0.1:9/v2/")).toBeUndefined();
    await expect(a.onUnauthorized('Basic realm="r"', basic)).rejects.toThrow(RegistryAuthError);
    await expect(a.onUnauthorized('Basic realm="r"', basic)).rejects.toThrow(
      /rejected the credentials for ns\/alice/,
    );
    expect(calls).toHaveLength(0);
  });

  it("asks for credentials on a Basic challenge when it has none", async () => {
    const { a } = auth([], { credentials: undefined });
    await expect(a.onUnauthorized('Basic realm="r"', undefined)).rejects.toThrow(/requires credentials/);
  });

  it("shares one token request between concurrent challenges", async () => {
    const { a, calls } = auth([token("T1")]);
    await Promise.all([a.onUnauthorized(CHALLENGE, undefined), a.onUnauthorized(CHALLENGE, undefined)]);
    expect(calls).toHaveLength(1);
  });
});
