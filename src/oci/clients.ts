// The SDK clients deploy uses, built for one checked API key, and `ociCall`, the one way they are called:
// the project's retry helper (capped backoff with full jitter, only 429/5xx/network, bounded by a deadline)
// around a single SDK attempt, and every failure turned into one line. The SDK's own retrier is set to one
// attempt: it does not honour Retry-After, and it prints each failure with console.warn (as "[object
// Object]" for network errors), which quietSdkRetrierWarnings keeps out of the log.

import { DeploymentClient, GatewayClient, WorkRequestsClient } from "oci-apigateway";
import { ArtifactsClient } from "oci-artifacts";
import * as common from "oci-common";
import { FunctionsManagementClient } from "oci-functions";
import { RetryDeadlineError, type RetryOptions, withRetry } from "../lib/retry.js";
import { authenticationProvider, type OciAuth } from "./auth.js";
import { type OciCallError, ociCallError } from "./errors.js";
import { quietSdkRetrierWarnings } from "./sdk-warnings.js";

interface OciClients {
  functions: FunctionsManagementClient;
  gateways: GatewayClient;
  deployments: DeploymentClient;
  workRequests: WorkRequestsClient;
  artifacts: ArtifactsClient;
  close(): void;
}

/** What every SDK client constructor takes. */
type SdkClientClass<T> = new (params: common.AuthParams, configuration?: common.ClientConfiguration) => T;

/**
 * SDK clients for one checked API key: each with the SDK's retrier set to one attempt (ociCall retries), in the
 * key's region (regional clients) and at an endpoint override when one is given; `close()` closes every client made (their circuit breakers hold
 * timers that would keep the process alive).
 */
export function sdkClientFactory(auth: OciAuth): {
  create<T extends { endpoint: string; close(): void }>(Client: SdkClientClass<T>, endpoint?: string): T;
  close(): void;
} {
  quietSdkRetrierWarnings();
  const params = { authenticationDetailsProvider: authenticationProvider(auth) };
  const configuration: common.ClientConfiguration = {
    retryConfiguration: { terminationStrategy: new common.MaxAttemptsTerminationStrategy(1) },
  };
  const made: { close(): void }[] = [];
  return {
    create(Client, endpoint) {
      const client = new Client(params, configuration);
      // Regional clients take the key's region; a domain-scoped one (Identity Domains) has none.
      if ("regionId" in client) (client as { regionId: string }).regionId = auth.region;
      if (endpoint) client.endpoint = endpoint;
      made.push(client);
      return client;
    },
    close() {
      for (const client of made) {
        try {
          client.close();
        } catch {
          // already closed
        }
      }
    },
  };
}

export function createOciClients(auth: OciAuth): OciClients {
  const sdk = sdkClientFactory(auth);
  return {
    functions: sdk.create(FunctionsManagementClient, auth.endpoints.functions),
    gateways: sdk.create(GatewayClient, auth.endpoints.apigateway),
    deployments: sdk.create(DeploymentClient, auth.endpoints.apigateway),
    workRequests: sdk.create(WorkRequestsClient, auth.endpoints.apigateway),
    artifacts: sdk.create(ArtifactsClient, auth.endpoints.artifacts),
    close: () => sdk.close(),
  };
}

export interface CallOptions {
  /** Absolute time (ms) after which no new attempt starts. */
  deadline?: number;
  /** Retry throttling, 5xx and network failures (default). False for writes that are not safe to repeat. */
  retry?: boolean | ((err: OciCallError) => boolean);
  /** A status-specific "what to check" for the message. */
  hint?: (status: number) => string | undefined;
  retryOptions?: Partial<RetryOptions>;
  log?: (line: string) => void;
}

const DEFAULT_RETRY: RetryOptions = { maxAttempts: 5, baseMs: 500, maxDelayMs: 8_000 };

/** One SDK call, retried when worth it, failing with one readable line that names `name`. */
export async function ociCall<T>(name: string, fn: () => Promise<T>, options: CallOptions = {}): Promise<T> {
  const retryWanted = options.retry ?? true;
  try {
    return await withRetry(
      async () => {
        try {
          return await fn();
        } catch (err) {
          throw ociCallError(name, err, options.hint);
        }
      },
      (err) => {
        const e = err as OciCallError;
        const retry = e.retryable && (typeof retryWanted === "function" ? retryWanted(e) : retryWanted);
        return { retry, reason: e.status ? `HTTP ${e.status}` : "network error" };
      },
      {
        ...DEFAULT_RETRY,
        deadline: options.deadline,
        onRetry: ({ attempt, delayMs, reason }) =>
          options.log?.(`${name}: attempt ${attempt} failed (${reason}); retrying in ${delayMs} ms`),
        ...options.retryOptions,
      },
    );
  } catch (err) {
    if (err instanceof RetryDeadlineError) throw err.lastError;
    throw err;
  }
}
