import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  decodeClaims,
  describeToken,
  githubIdToken
} from "./chunk-J4JFFB6M.js";
import {
  RetryableHttpError,
  classifyForRetry,
  defaultAgent,
  isRetryableStatus,
  parseRetryAfter,
  readBody,
  require_undici,
  withRetry
} from "./chunk-QRUMXL3U.js";
import {
  OCI_INPUTS,
  ocidOf,
  require_oci_common
} from "./chunk-AZMSNUSO.js";
import {
  InputError,
  UserFacingError,
  __toESM,
  clip,
  oneLine
} from "./chunk-OUAI6Q5P.js";

// src/oci/sign-in.ts
var common = __toESM(require_oci_common(), 1);

// src/oci/session.ts
var import_undici = __toESM(require_undici(), 1);
import { generateKeyPairSync } from "node:crypto";
var REFRESH_BEFORE_MS = 5 * 6e4;
var KEY_BITS = 2048;
var EXCHANGE_RETRY = { maxAttempts: 4, baseMs: 500, maxDelayMs: 8e3 };
var TokenExchangeError = class extends UserFacingError {
  name = "TokenExchangeError";
};
function ephemeralKeyPair() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: KEY_BITS });
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyDer: publicKey.export({ type: "spki", format: "der" }).toString("base64")
  };
}
var OciSession = class {
  constructor(settings, deps) {
    this.settings = settings;
    this.deps = deps;
    const keys = ephemeralKeyPair();
    deps.mask(keys.privateKeyPem);
    this.privateKeyPem = keys.privateKeyPem;
    this.publicKeyDer = keys.publicKeyDer;
  }
  settings;
  deps;
  privateKeyPem;
  publicKeyDer;
  current;
  pending;
  /** The UPST, exchanged again first when less than five minutes of it remain. */
  async token() {
    return (await this.fresh()).token;
  }
  /** The claims of the UPST in use (exchanging first if there is none yet). */
  async claims() {
    const upst = await this.fresh();
    return { upst: upst.claims, github: upst.github };
  }
  async fresh() {
    const current = this.current;
    if (current && !expiresSoon(current.claims, this.deps.now())) return current;
    this.pending ??= this.exchange().finally(() => {
      this.pending = void 0;
    });
    this.current = await this.pending;
    return this.current;
  }
  async exchange() {
    const github = await this.deps.idToken(this.settings.audience);
    const token = await exchangeForUpst(
      {
        ...this.settings,
        subjectToken: github.token,
        claims: github.claims,
        publicKeyDer: this.publicKeyDer
      },
      this.deps
    );
    this.deps.mask(token);
    return { token, claims: decodeClaims(token), github: github.claims };
  }
};
function expiresSoon(claims, now) {
  return typeof claims.exp !== "number" || claims.exp * 1e3 - now < REFRESH_BEFORE_MS;
}
async function exchangeForUpst(req, deps) {
  const url = `${req.domainUrl.replace(/\/+$/, "")}/oauth2/v1/token`;
  const basic = Buffer.from(`${encodeURIComponent(req.clientId)}:${encodeURIComponent(req.clientSecret)}`);
  deps.mask(basic.toString("base64"));
  const body = new URLSearchParams({
    grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
    requested_token_type: "urn:oci:token-type:oci-upst",
    subject_token: req.subjectToken,
    subject_token_type: "jwt",
    public_key: req.publicKeyDer
  }).toString();
  const answer = await withRetry(
    () => postForm(url, body, basic.toString("base64"), deps),
    classifyForRetry,
    { ...EXCHANGE_RETRY, now: deps.now, ...deps.retry }
  ).catch((err) => {
    if (err instanceof TokenExchangeError) throw err;
    const why = err instanceof RetryableHttpError ? err.message : oneLine(err);
    throw new TokenExchangeError(
      `the token exchange at ${url} failed: ${clip(why, 200)}; check 'identity-domain-url' and that the identity domain is reachable, then re-run`
    );
  });
  if (answer.status !== 200) throw exchangeRefusal(answer, url, req);
  const token = upstOf(answer.body);
  if (!token) {
    throw new TokenExchangeError(
      `${url} answered 200 without a token: it is not an identity domain's token endpoint; set 'identity-domain-url' to the domain URL, e.g. https://idcs-\u2026.identity.oraclecloud.com`
    );
  }
  return token;
}
async function postForm(url, body, basic, deps) {
  const res = await (0, import_undici.request)(url, {
    method: "POST",
    dispatcher: deps.agent ?? defaultAgent(),
    headers: {
      authorization: `Basic ${basic}`,
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json"
    },
    body
  });
  const text = await readBody(res.body);
  if (isRetryableStatus(res.statusCode)) {
    const retryAfter = res.headers["retry-after"];
    throw new RetryableHttpError(
      `HTTP ${res.statusCode}`,
      res.statusCode,
      parseRetryAfter(typeof retryAfter === "string" ? retryAfter : void 0, deps.now())
    );
  }
  return { status: res.statusCode, body: text };
}
function upstOf(body) {
  try {
    const token = JSON.parse(body).token;
    return typeof token === "string" && token !== "" ? token : void 0;
  } catch {
    return void 0;
  }
}
function oauthError(body) {
  try {
    const parsed = JSON.parse(body);
    if (typeof parsed.error !== "string") return void 0;
    const description = typeof parsed.error_description === "string" ? parsed.error_description : "";
    return { error: parsed.error, description: clip(oneLine(description), 400) };
  } catch {
    return void 0;
  }
}
function exchangeRefusal(answer, url, req) {
  const refusal = oauthError(answer.body);
  if (!refusal) {
    return new TokenExchangeError(
      `${url} answered HTTP ${answer.status} without an OAuth2 error: it is not an identity domain's token endpoint; set 'identity-domain-url' to the domain URL, e.g. https://idcs-\u2026.identity.oraclecloud.com`
    );
  }
  const said = `${refusal.error}: ${refusal.description || "(no description)"}`;
  const token = describeToken(req.claims);
  const issuer = String(req.claims.iss ?? "(none)");
  for (const rule of REFUSALS) {
    if (rule.test(refusal, answer.status)) {
      return new TokenExchangeError(rule.message({ said, token, issuer, clientId: req.clientId, req }));
    }
  }
  return new TokenExchangeError(
    `the identity domain refused the token exchange for ${token} (HTTP ${answer.status} ${said}); check the Identity Propagation Trust setup created for this repository`
  );
}
var described = (pattern) => (r) => pattern.test(r.description);
var REFUSALS = [
  {
    test: (r) => described(/oauthClients|client.*not (allowed|listed|in)|another (oauth )?client/i)(r),
    message: (c) => `the Identity Propagation Trust for issuer '${c.issuer}' is for another OAuth client, not '${c.clientId}' (${c.said}); set 'oidc-client-id' and 'oidc-client-secret' to the app the trust lists (setup wrote them as OIDC_CLIENT_ID / OIDC_CLIENT_SECRET), or re-run setup to add this client to the trust`
  },
  {
    test: (r, status) => r.error === "invalid_client" || status === 401,
    message: (c) => `the identity domain refused OAuth client '${c.clientId}' (${c.said}); check 'oidc-client-id' and 'oidc-client-secret': they must be the confidential app setup created for the exchange (OIDC_CLIENT_ID / OIDC_CLIENT_SECRET)`
  },
  {
    test: described(
      /\bno (active )?(jwt )?(identity propagation )?trusts?\b|trust.*not found|unknown issuer/i
    ),
    message: (c) => `no Identity Propagation Trust in ${c.req.domainUrl} accepts tokens from issuer '${c.issuer}' (${c.said}); run setup with 'keyless: true' for this repository, or check 'identity-domain-url'`
  },
  {
    test: described(/expired|\bexp\b|not yet valid|\bnbf\b/i),
    message: (c) => `the GitHub OIDC token for ${c.token} was refused as expired or not yet valid (${c.said}); GitHub's tokens last 5 minutes: re-run the job, and check the runner's clock`
  },
  {
    test: described(/audience|\baud\b/i),
    message: (c) => `the trust does not accept audience '${c.req.audience}' (${c.said}); set 'oidc-audience' to the trust's clientClaimValues (setup uses https://cloud.oracle.com)`
  },
  {
    test: described(/signature/i),
    message: (c) => `the GitHub OIDC token's signature did not verify with the trust's keys (${c.said}); check the trust's issuer and publicKeyEndpoint (<issuer>/.well-known/jwks)`
  },
  {
    test: described(/rule|impersonat|\bsub\b|subject/i),
    message: (c) => `no impersonation rule of the trust matches this job's ${c.token} (${c.said}); re-run setup with 'github-repository' and 'github-ref' or 'github-environment' of this job, or run the job on the ref or environment the trust names`
  }
];
var SessionAuthProvider = class {
  constructor(session, region) {
    this.session = session;
    this.region = region;
  }
  session;
  region;
  async getKeyId() {
    return `ST$${await this.session.token()}`;
  }
  getPrivateKey() {
    return this.session.privateKeyPem;
  }
  getPassphrase() {
    return null;
  }
  getRegion() {
    return this.region;
  }
};

// src/oci/sign-in.ts
function sessionDeps(mask) {
  return {
    idToken: (audience) => githubIdToken(audience, { mask }),
    now: () => Date.now(),
    mask
  };
}
async function signInOci(request2, deps) {
  return request2.kind === "api-key" ? request2 : openSession(request2, deps);
}
async function openSession(request2, deps) {
  const session = new OciSession(request2.exchange, deps);
  const { upst, github } = await session.claims();
  const tenancyId = request2.tenancyId ?? tenancyOf(upst.tenant);
  return {
    kind: "session",
    tenancyId,
    userId: String(upst.sub ?? "(unknown)"),
    subject: String(github.sub ?? "(none)"),
    region: request2.region,
    regionKey: request2.regionKey,
    endpoints: request2.endpoints,
    session,
    provider: new SessionAuthProvider(session, regionOf(request2.region))
  };
}
function regionOf(regionId) {
  try {
    return common.Region.fromRegionId(regionId);
  } catch {
    return void 0;
  }
}
function tenancyOf(claim) {
  try {
    return ocidOf("tenancy")(typeof claim === "string" ? claim : "", "tenant");
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new UserFacingError(
      `the session token's 'tenant' claim is not a tenancy OCID; set '${OCI_INPUTS.tenancy}' to the tenancy OCID`
    );
  }
}
async function signInInputs(inputs, deps) {
  return { ...inputs, auth: await signInOci(inputs.auth, deps) };
}
function describeAuth(auth, keySource = "") {
  if (auth.kind === "session") {
    return `keyless OCI session of user ${auth.userId} (tenancy ${auth.tenancyId}, for GitHub ${auth.subject}); region ${auth.region}`;
  }
  return `OCI API key of user ${auth.userId} (tenancy ${auth.tenancyId}, fingerprint ${auth.fingerprint}${keySource}); region ${auth.region}`;
}

export {
  sessionDeps,
  signInOci,
  signInInputs,
  describeAuth
};
