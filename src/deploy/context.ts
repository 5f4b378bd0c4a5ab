// What the deploy flow runs against: the runner (log, outputs, secrets, summary), the OCI clients, the image
// builder, HTTP for the identity domain, and the clock. Tests give fakes; createDeployDeps the real ones.
import type { BuildImageInput, BuildResult } from "../image/build.js";
import type { OciAuth } from "../oci/auth.js";
import type { CallOptions } from "../oci/clients.js";
import type { FunctionsApi } from "./function.js";
import type { DeploymentsApi, GatewaysApi, WorkRequestsApi } from "./gateway.js";
import type { JsonGetter } from "./identity.js";

export interface DeployLogger {
  info(line: string): void;
  warning(line: string): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

interface ArtifactsApi {
  getContainerConfiguration(r: {
    compartmentId: string;
  }): Promise<{ containerConfiguration: { namespace: string } }>;
}

export interface DeployClients {
  functions: FunctionsApi;
  gateways: GatewaysApi;
  deployments: DeploymentsApi;
  workRequests: WorkRequestsApi;
  artifacts: ArtifactsApi;
  close(): void;
}

export interface DeployDeps {
  log: DeployLogger;
  setOutput(name: string, value: string): void;
  setSecret(value: string): void;
  writeSummary?(markdown: string): Promise<void>;
  createClients(auth: OciAuth): DeployClients;
  buildImage(input: BuildImageInput): Promise<BuildResult>;
  http: JsonGetter;
  readFunctionBundle(): Promise<Buffer>;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** What every step of one run shares. */
export interface DeployRun {
  deps: DeployDeps;
  clients: DeployClients;
  /** deps.log.info, each line made safe for the runner's log. */
  info: (line: string) => void;
  /** For ociCall: the log and the retry clock. */
  call: CallOptions;
}
