// Emulated GitHub Actions OIDC issuer, on its own loopback listener (another host as far as clients can
// tell): the discovery document and JWKS at the issuer's origin (like GitHub Enterprise Server's own issuer),
// and the runner's token route that core.getIDToken calls with the job's request token. job() registers a
// job and gives the environment the runner would set; mint() signs any claims directly for tests.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { FaultInjector } from "../core/faults.js";
import { listen, newRequestId, pathOf, queryOf, sendJson, takeFault } from "../core/http.js";
import { recordIssued } from "../core/issued-secrets.js";
import { matchRoute } from "../core/routing.js";
import {
  CLAIMS_SUPPORTED,
  checkRepository,
  DEFAULT_GITHUB_REPOSITORY,
  type GithubJob,
  type GithubJobClaims,
  jobClaims,
} from "./claims.js";
import {
  type ClaimOverrides,
  DEFAULT_NOT_BEFORE_SECONDS,
  DEFAULT_TOKEN_TTL_SECONDS,
  type MintOptions,
  TokenSigner,
} from "./tokens.js";

export { checkRepository, DEFAULT_GITHUB_REPOSITORY, type GithubJob, type GithubJobClaims, type MintOptions };

export interface GithubIssuerOptions {
  /** The repository of mint()'s default claims (default octo-org/usage-reports). */
  repository?: string;
  /** exp − iat of the runner's tokens (default 300 s, as GitHub's). */
  tokenTtlSeconds?: number;
  /** iat − nbf (default 600 s, from GitHub's published example token; unconfirmed). */
  notBeforeSeconds?: number;
  /** Clock in epoch milliseconds. */
  now?: () => number;
  /** Applied to every request (an outage of the JWKS, a slow runner). */
  faults?: FaultInjector;
  port?: number;
}

/** What the runner sets for a job with `id-token: write`, and the claims its tokens carry. */
export interface GithubJobHandle {
  env: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  claims: GithubJobClaims;
}

export interface GithubIssuer {
  /** The issuer's origin, `http://127.0.0.1:<port>`: the tokens' `iss`. */
  issuer: string;
  jwksUrl: string;
  openidConfigurationUrl: string;
  faults: FaultInjector;
  /** Register a job: a fresh request token for the runner route, bound to the job's claims. */
  job(job: GithubJob): GithubJobHandle;
  /** A token of the default job's claims with `claims` laid over them (undefined removes a claim). */
  mint(claims?: ClaimOverrides, options?: MintOptions): Promise<string>;
  /** Tokens handed out by the runner route, for tests. */
  readonly issued: number;
  close(): Promise<void>;
}

const ID_TOKEN_PATH = "/_apis/idtoken";
const JWKS_PATH = "/.well-known/jwks";
const OPENID_CONFIGURATION_PATH = "/.well-known/openid-configuration";
const API_VERSION = "2.0";

interface IssuerState {
  issuer: () => string;
  signer: TokenSigner;
  jobs: Map<string, GithubJobClaims>;
  counts: { issued: number };
}

type IssuerRoute = {
  method: string;
  pattern: RegExp;
  run(state: IssuerState, req: IncomingMessage, res: ServerResponse): Promise<void> | void;
};

function discovery(issuer: string) {
  return {
    issuer,
    jwks_uri: `${issuer}${JWKS_PATH}`,
    subject_types_supported: ["public", "pairwise"],
    response_types_supported: ["id_token"],
    claims_supported: CLAIMS_SUPPORTED,
    id_token_signing_alg_values_supported: ["RS256"],
    scopes_supported: ["openid"],
  };
}

const bearerOf = (req: IncomingMessage) => /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];

/** The runner's token route: the job's token for `audience` (GitHub's default without one). */
async function idToken(state: IssuerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const query = queryOf(req);
  if (query.get("api-version") !== API_VERSION) {
    return sendJson(res, 400, { message: `api-version must be ${API_VERSION}` });
  }
  const bearer = bearerOf(req);
  const claims = bearer === undefined ? undefined : state.jobs.get(bearer);
  // Unconfirmed: the body of the runner's refusal; the status is what core.getIDToken reports.
  if (!claims) return sendJson(res, 401, { message: "Unauthorized" }, { "www-authenticate": "Bearer" });
  const audience = query.get("audience") || undefined;
  const value = await state.signer.mint(claims, {}, { audience });
  state.counts.issued++;
  sendJson(res, 200, { value });
}

const ROUTES: IssuerRoute[] = [
  {
    method: "GET",
    pattern: /^\/\.well-known\/openid-configuration$/,
    run: (state, _req, res) => sendJson(res, 200, discovery(state.issuer())),
  },
  {
    method: "GET",
    pattern: /^\/\.well-known\/jwks$/,
    run: (state, _req, res) => sendJson(res, 200, state.signer.jwks()),
  },
  { method: "GET", pattern: /^\/_apis\/idtoken$/, run: idToken },
];

async function handle(state: IssuerState, faults: FaultInjector, req: IncomingMessage, res: ServerResponse) {
  const fault = await takeFault(faults, req, res, newRequestId());
  if (fault === "handled") return;
  req.resume();
  const found = matchRoute(ROUTES, req.method ?? "GET", pathOf(req));
  if (found === "method-not-allowed")
    return sendJson(res, 405, { message: "Method Not Allowed" }, { allow: "GET" });
  if (!found) return sendJson(res, 404, { message: "Not Found" });
  await found.route.run(state, req, res);
}

export async function startGithubIssuer(options: GithubIssuerOptions = {}): Promise<GithubIssuer> {
  const defaultRepository = checkRepository(options.repository ?? DEFAULT_GITHUB_REPOSITORY);
  const faults = options.faults ?? new FaultInjector("github");
  const signer = await TokenSigner.create({
    now: options.now ?? Date.now,
    ttlSeconds: options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS,
    notBeforeSeconds: options.notBeforeSeconds ?? DEFAULT_NOT_BEFORE_SECONDS,
  });
  let issuer = "";
  const state: IssuerState = { issuer: () => issuer, signer, jobs: new Map(), counts: { issued: 0 } };
  const listening = await listen((req, res) => handle(state, faults, req, res), options.port ?? 0);
  issuer = listening.url;
  const defaultClaims = jobClaims(issuer, { repository: defaultRepository }, 1);
  let runs = 1;
  return {
    issuer,
    jwksUrl: `${issuer}${JWKS_PATH}`,
    openidConfigurationUrl: `${issuer}${OPENID_CONFIGURATION_PATH}`,
    faults,
    job(job) {
      const claims = jobClaims(issuer, job, ++runs);
      const token = randomBytes(32).toString("base64url");
      recordIssued("GitHub request token", token);
      state.jobs.set(token, claims);
      const env = {
        ACTIONS_ID_TOKEN_REQUEST_URL: `${issuer}${ID_TOKEN_PATH}?api-version=${API_VERSION}`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: token,
      };
      return { env, claims: { ...claims } };
    },
    mint: (claims, mintOptions) => signer.mint(defaultClaims, claims, mintOptions),
    get issued() {
      return state.counts.issued;
    },
    close: () => listening.close(),
  };
}
