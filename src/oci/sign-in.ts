// Turning the checked `oci-auth` into what the SDK clients are made with: an API key as it is, or, with
// `oci-auth: oidc`, a keyless session opened here (the first exchange runs now, so a trust that refuses this
// job fails before anything else is read). The tenancy is `oci-tenancy`, else the UPST's `tenant` claim.
import * as common from "oci-common";
import { InputError, UserFacingError } from "../lib/errors.js";
import { githubIdToken } from "../lib/github-oidc.js";
import type { OciAuth, OciAuthRequest, OidcAuthRequest, SessionAuth } from "./auth.js";
import { OCI_INPUTS } from "./auth.js";
import { ocidOf } from "./ocid.js";
import { OciSession, SessionAuthProvider, type SessionDeps } from "./session.js";

/** The real session dependencies: the runner's OIDC token (masked), the clock, the action's masker. */
export function sessionDeps(mask: (secret: string) => void): SessionDeps {
  return {
    idToken: (audience) => githubIdToken(audience, { mask }),
    now: () => Date.now(),
    mask,
  };
}

export async function signInOci(request: OciAuthRequest, deps: SessionDeps): Promise<OciAuth> {
  return request.kind === "api-key" ? request : openSession(request, deps);
}

async function openSession(request: OidcAuthRequest, deps: SessionDeps): Promise<SessionAuth> {
  const session = new OciSession(request.exchange, deps);
  const { upst, github } = await session.claims();
  const tenancyId = request.tenancyId ?? tenancyOf(upst.tenant);
  return {
    kind: "session",
    tenancyId,
    userId: String(upst.sub ?? "(unknown)"),
    subject: String(github.sub ?? "(none)"),
    region: request.region,
    regionKey: request.regionKey,
    endpoints: request.endpoints,
    session,
    provider: new SessionAuthProvider(session, regionOf(request.region)),
  };
}

function regionOf(regionId: string): common.Region | undefined {
  try {
    return common.Region.fromRegionId(regionId);
  } catch {
    return undefined;
  }
}

/** The UPST's `tenant` claim, which must be a tenancy OCID. */
function tenancyOf(claim: unknown): string {
  try {
    return ocidOf("tenancy")(typeof claim === "string" ? claim : "", "tenant");
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new UserFacingError(
      `the session token's 'tenant' claim is not a tenancy OCID; set '${OCI_INPUTS.tenancy}' to the tenancy OCID`,
    );
  }
}

/** Command inputs with their auth signed in (distributes over a union of input shapes). */
type SignedIn<T> = T extends { auth: OciAuthRequest } ? Omit<T, "auth"> & { auth: OciAuth } : never;

/** The command's inputs with the auth signed in: an API key as it is, `oci-auth: oidc` as an open session. */
export async function signInInputs<T extends { auth: OciAuthRequest }>(
  inputs: T,
  deps: SessionDeps,
): Promise<SignedIn<T>> {
  return { ...inputs, auth: await signInOci(inputs.auth, deps) } as unknown as SignedIn<T>;
}

/** The log line saying how the calls are signed (never a secret: OCIDs, the region, the GitHub subject). */
export function describeAuth(auth: OciAuth, keySource = ""): string {
  if (auth.kind === "session") {
    return `keyless OCI session of user ${auth.userId} (tenancy ${auth.tenancyId}, for GitHub ${auth.subject}); region ${auth.region}`;
  }
  return `OCI API key of user ${auth.userId} (tenancy ${auth.tenancyId}, fingerprint ${auth.fingerprint}${keySource}); region ${auth.region}`;
}
