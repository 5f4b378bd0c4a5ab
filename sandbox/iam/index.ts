// The emulated OCI Identity API (IdentityClient, base /20160918), as far as setup needs it: dynamic groups and
// policies in the Default domain. Names are unique in the tenancy; a new resource is CREATING, then ACTIVE
// after `lifecycleDelayMs` (IdentityClient's docs: "the new object's lifecycleState will temporarily be
// CREATING"). Matching rules and statements are parsed against grammar.ts (kinds.ts); a malformed one is 400
// InvalidParameter, as OCI answers it (oracle/terraform-provider-oci #1335).
//
// Wire shapes follow oci-identity 2.139.1 (lib/client.js and lib/model). Choices the public record does not
// settle are marked "unconfirmed" and listed in sandbox/README.md.
import type { OciAuthority } from "../core/auth.js";
import { FaultInjector } from "../core/faults.js";
import type { ResponseLatency } from "../core/latency.js";
import { type ControlPlaneStats, startControlPlane } from "../core/pipeline.js";
import type { PagingSettings } from "../core/resources.js";
import { KNOWN_RESOURCE_TYPES } from "./grammar.js";
import { type DynamicGroupResource, dynamicGroupKind, type PolicyResource, policyKind } from "./kinds.js";
import { IamStore, Lifecycle } from "./model.js";
import { iamRoutes } from "./routes.js";

const IAM_BASE_PATH = "/20160918";

interface IamOptions {
  /** The latency model's delay before each request (default none). */
  latency?: ResponseLatency;
  authority: OciAuthority;
  tenancyId: string;
  /** Compartments policies may live in (the tenancy included). */
  compartments: Iterable<string>;
  faults?: FaultInjector;
  /** How long a new dynamic group or policy stays CREATING (default 0: ACTIVE when next read). */
  lifecycleDelayMs?: number;
  /** Resource types a statement may name (default: grammar.ts's list); "any" accepts any. */
  resourceTypes?: readonly string[] | "any";
  /** Most statements in one policy (unconfirmed; OCI documents 50 per policy). */
  maxStatements?: number;
  paging?: Partial<PagingSettings>;
  port?: number;
}

export interface IamService {
  url: string;
  stats: ControlPlaneStats;
  faults: FaultInjector;
  dynamicGroups(): DynamicGroupResource[];
  policies(): PolicyResource[];
  /** Resolve when every new resource is ACTIVE. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startIam(opts: IamOptions): Promise<IamService> {
  const faults = opts.faults ?? new FaultInjector("iam");
  const paging: PagingSettings = { defaultLimit: 100, maxLimit: 1000, ...opts.paging }; // unconfirmed
  const lifecycle = new Lifecycle(opts.lifecycleDelayMs ?? 0);
  const dynamicGroups = new IamStore(dynamicGroupKind(opts.tenancyId), lifecycle);
  const policies = new IamStore(
    policyKind({
      compartments: new Set(opts.compartments),
      resourceTypes: opts.resourceTypes === "any" ? undefined : (opts.resourceTypes ?? KNOWN_RESOURCE_TYPES),
      maxStatements: opts.maxStatements ?? 50,
    }),
    lifecycle,
  );
  const server = await startControlPlane(IAM_BASE_PATH, { ...opts, faults }, [
    ...iamRoutes(dynamicGroups, paging),
    ...iamRoutes(policies, paging),
  ]);
  return {
    url: server.url,
    stats: server.stats,
    faults,
    dynamicGroups: () => dynamicGroups.list(),
    policies: () => policies.list(),
    async settle() {
      while (lifecycle.pending.size > 0) await Promise.all([...lifecycle.pending]);
    },
    async close() {
      lifecycle.closed = true;
      await Promise.all([...lifecycle.pending]);
      await server.close();
    },
  };
}
