// The SDK clients setup calls, built for one checked API key as deploy builds its own: the SDK's retrier set
// to one attempt (ociCall retries), the region set, and each endpoint overridable (the local sandbox). The
// Identity Domains client is pointed at the identity domain URL, as the SDK documents.
import { GatewayClient, WorkRequestsClient } from "oci-apigateway";
import { ArtifactsClient } from "oci-artifacts";
import * as common from "oci-common";
import { FunctionsManagementClient } from "oci-functions";
import { IdentityClient } from "oci-identity";
import { IdentityDomainsClient } from "oci-identitydomains";
import { authenticationProvider } from "../oci/auth.js";
import { quietSdkRetrierWarnings } from "../oci/clients.js";
import type { AppsApi } from "./apps.js";
import type { DomainGroupsApi, IdentityApi } from "./iam.js";
import type { SetupInputs } from "./inputs.js";
import type {
  ApplicationsApi,
  RepositoriesApi,
  SetupGatewaysApi,
  SetupWorkRequestsApi,
} from "./resources.js";

export interface SetupClients {
  repositories: RepositoriesApi;
  applications: ApplicationsApi;
  gateways: SetupGatewaysApi;
  workRequests: SetupWorkRequestsApi;
  identity: IdentityApi;
  domainGroups: DomainGroupsApi;
  apps: AppsApi;
  close(): void;
}

export function createSetupClients(inputs: SetupInputs): SetupClients {
  quietSdkRetrierWarnings();
  const { auth } = inputs;
  const params = { authenticationDetailsProvider: authenticationProvider(auth) };
  const configuration: common.ClientConfiguration = {
    retryConfiguration: { terminationStrategy: new common.MaxAttemptsTerminationStrategy(1) },
  };
  const place = <T extends { regionId: string; endpoint: string }>(client: T, override?: string): T => {
    client.regionId = auth.region;
    if (override) client.endpoint = override;
    return client;
  };
  const repositories = place(new ArtifactsClient(params, configuration), auth.endpoints.artifacts);
  const applications = place(new FunctionsManagementClient(params, configuration), auth.endpoints.functions);
  const gateways = place(new GatewayClient(params, configuration), auth.endpoints.apigateway);
  const workRequests = place(new WorkRequestsClient(params, configuration), auth.endpoints.apigateway);
  const identity = place(new IdentityClient(params, configuration), inputs.identityEndpoint);
  const domains = new IdentityDomainsClient(params, configuration);
  domains.endpoint = inputs.identityDomainUrl;
  const all = [repositories, applications, gateways, workRequests, identity, domains];
  return {
    repositories,
    applications,
    gateways,
    workRequests,
    identity,
    domainGroups: domains,
    apps: domains,
    close() {
      // The clients' circuit breakers hold timers; close them so the process can exit.
      for (const client of all) {
        try {
          client.close();
        } catch {
          // already closed
        }
      }
    },
  };
}
