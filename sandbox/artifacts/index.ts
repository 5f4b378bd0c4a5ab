// The emulated Artifacts and Container Images API (ArtifactsClient, base /20160918), only as far as deploy
// and setup need it: GetContainerConfiguration, which tells the tenancy's registry namespace (oci-services.md
// §6), and the container repositories of repositories.ts.
import type { OciAuthority } from "../core/auth.js";
import { apiErrors } from "../core/errors.js";
import { FaultInjector } from "../core/faults.js";
import type { ResponseLatency } from "../core/latency.js";
import { type ControlPlaneStats, startControlPlane } from "../core/pipeline.js";
import { etagOf, isOcid } from "../core/resources.js";
import type { ContainerRepositories } from "./repositories.js";

const ARTIFACTS_BASE_PATH = "/20160918";

interface ArtifactsOptions {
  /** The latency model's delay before each request (default none). */
  latency?: ResponseLatency;
  authority: OciAuthority;
  tenancyId: string;
  /** The tenancy's Object Storage namespace, which OCIR uses as the first part of every repository. */
  namespace: string;
  /** Compartments of the tenancy (the tenancy itself included). */
  compartments: Iterable<string>;
  faults?: FaultInjector;
  port?: number;
  /** The tenancy's "create repositories on first push" setting (default true). */
  createRepositoryOnFirstPush?: boolean;
  /** Container repositories (repositories.ts), served when given. */
  repositories?: ContainerRepositories;
}

export interface ArtifactsService {
  url: string;
  stats: ControlPlaneStats;
  faults: FaultInjector;
  close(): Promise<void>;
}

export async function startArtifacts(opts: ArtifactsOptions): Promise<ArtifactsService> {
  const faults = opts.faults ?? new FaultInjector("artifacts");
  const compartments = new Set(opts.compartments);
  const server = await startControlPlane(ARTIFACTS_BASE_PATH, { ...opts, faults }, [
    {
      method: "GET",
      pattern: /^\/container\/configuration$/,
      run(req) {
        const compartmentId = req.query.get("compartmentId");
        if (!compartmentId) throw apiErrors.missing("compartmentId");
        if (!isOcid(compartmentId, "compartment", "tenancy")) {
          throw apiErrors.invalid(`compartmentId ${compartmentId} is not a compartment OCID`);
        }
        if (!compartments.has(compartmentId)) throw apiErrors.notFound();
        // The sandbox registry creates a repository on its first push, as OCIR does by default.
        const body = {
          isRepositoryCreatedOnFirstPush: opts.createRepositoryOnFirstPush ?? true,
          namespace: opts.namespace,
        };
        return { status: 200, body, headers: { etag: etagOf(body) } };
      },
    },
    ...(opts.repositories?.routes ?? []),
  ]);
  return { url: server.url, stats: server.stats, faults, close: () => server.close() };
}
