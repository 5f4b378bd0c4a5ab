// The SDK clients setup calls, built for one checked API key as deploy builds its own: the SDK's retrier set
// to one attempt (ociCall retries), the region set, and each endpoint overridable (the local sandbox). The
// Identity Domains client is pointed at the identity domain URL, as the SDK documents.
import { GatewayClient, WorkRequestsClient } from "oci-apigateway";
import { ArtifactsClient } from "oci-artifacts";
import { FunctionsManagementClient } from "oci-functions";
import { IdentityClient } from "oci-identity";
import { IdentityDomainsClient } from "oci-identitydomains";
import { sdkClientFactory } from "../oci/clients.js";
import type { AppsApi } from "./apps.js";
import type { DomainGroupsApi, IdentityApi } from "./iam.js";
import type { SignedSetupInputs } from "./inputs.js";
import type { KeylessApi } from "./keyless.js";
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
  keyless: KeylessApi;
  close(): void;
}

export function createSetupClients(inputs: SignedSetupInputs): SetupClients {
  const { endpoints } = inputs.auth;
  const sdk = sdkClientFactory(inputs.auth);
  const domains = sdk.create(IdentityDomainsClient, inputs.identityDomainUrl);
  return {
    repositories: sdk.create(ArtifactsClient, endpoints.artifacts),
    applications: sdk.create(FunctionsManagementClient, endpoints.functions),
    gateways: sdk.create(GatewayClient, endpoints.apigateway),
    workRequests: sdk.create(WorkRequestsClient, endpoints.apigateway),
    identity: sdk.create(IdentityClient, inputs.identityEndpoint),
    domainGroups: domains,
    apps: domains,
    keyless: domains,
    close: () => sdk.close(),
  };
}
