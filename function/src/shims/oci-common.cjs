// oci-common's index, with each export loaded when first read. The package's own index requires every
// module at once: the instance-principal, OKE workload-identity, config-file and session providers, the
// waiters, paginators and the chunker, and through them tls and https. The function reads a few exports
// (the resource-principal provider, the signer, the request and answer builders, the retrier); the rest
// stay unevaluated until something reads them. The names and values are the index's own (2.139.1):
// test/unit/function-bundle-shims.test.ts compares the two.
"use strict";

/**
 * Each export: a loader of the module under oci-common/lib that holds it (a literal require, so that the
 * bundler includes the module), and its name there ("*": the module itself).
 */
const EXPORTS = {
  utils: [() => require("oci-common/lib/utils"), "*"],
  Region: [() => require("oci-common/lib/region"), "Region"],
  Realm: [() => require("oci-common/lib/realm"), "Realm"],
  EndpointBuilder: [() => require("oci-common/lib/endpoint-builder"), "EndpointBuilder"],
  LOG: [() => require("oci-common/lib/log"), "LOG"],
  Constants: [() => require("oci-common/lib/constants"), "default"],
  CircuitBreaker: [() => require("oci-common/lib/circuit-breaker"), "default"],
  ExponentialBackoffDelayStrategy: [
    () => require("oci-common/lib/waiter"),
    "ExponentialBackoffDelayStrategy",
  ],
  MaxTimeTerminationStrategy: [() => require("oci-common/lib/waiter"), "MaxTimeTerminationStrategy"],
  genericWaiter: [() => require("oci-common/lib/waiter"), "genericWaiter"],
  genericTerminalConditionWaiter: [() => require("oci-common/lib/waiter"), "genericTerminalConditionWaiter"],
  MaxAttemptsTerminationStrategy: [() => require("oci-common/lib/waiter"), "MaxAttemptsTerminationStrategy"],
  FixedTimeDelayStrategy: [() => require("oci-common/lib/waiter"), "FixedTimeDelayStrategy"],
  GenericRetrier: [() => require("oci-common/lib/retrier"), "GenericRetrier"],
  NoRetryConfigurationDetails: [() => require("oci-common/lib/retrier"), "NoRetryConfigurationDetails"],
  OciSdkDefaultRetryConfiguration: [
    () => require("oci-common/lib/retrier"),
    "OciSdkDefaultRetryConfiguration",
  ],
  InstancePrincipalsAuthenticationDetailsProviderBuilder: [
    () => require("oci-common/lib/auth/instance-principals-authentication-detail-provider"),
    "default",
  ],
  ResourcePrincipalAuthenticationDetailsProvider: [
    () => require("oci-common/lib/auth/resource-principal-authentication-details-provider"),
    "default",
  ],
  OkeWorkloadIdentityAuthenticationDetailsProvider: [
    () => require("oci-common/lib/auth/oke-workload-identity-authentication-details-provider"),
    "default",
  ],
  AbstractRequestingAuthenticationDetailsProvider: [
    () => require("oci-common/lib/auth/abstract-requesting-authentication-detail-provider"),
    "default",
  ],
  paginateRecords: [() => require("oci-common/lib/paginators"), "paginateRecords"],
  genericPaginateRecords: [() => require("oci-common/lib/paginators"), "genericPaginateRecords"],
  paginatedRecordsWithLimit: [() => require("oci-common/lib/paginators"), "paginatedRecordsWithLimit"],
  paginateResponses: [() => require("oci-common/lib/paginators"), "paginateResponses"],
  genericPaginateResponses: [() => require("oci-common/lib/paginators"), "genericPaginateResponses"],
  paginatedResponsesWithLimit: [() => require("oci-common/lib/paginators"), "paginatedResponsesWithLimit"],
  ConfigFileAuthenticationDetailsProvider: [
    () => require("oci-common/lib/auth/config-file-auth"),
    "ConfigFileAuthenticationDetailsProvider",
  ],
  SessionAuthDetailProvider: [
    () => require("oci-common/lib/auth/session-auth-details-provider"),
    "SessionAuthDetailProvider",
  ],
  getChunk: [() => require("oci-common/lib/chunker"), "default"],
  ConfigFileReader: [() => require("oci-common/lib/config-file-reader"), "ConfigFileReader"],
  composeRequest: [() => require("oci-common/lib/request-generator"), "composeRequest"],
  composeResponse: [() => require("oci-common/lib/response-generator"), "composeResponse"],
  developerToolConfiguration: [() => require("oci-common/lib/developertoolconfiguration"), "*"],
  SimpleAuthenticationDetailsProvider: [
    () => require("oci-common/lib/auth/auth"),
    "SimpleAuthenticationDetailsProvider",
  ],
  isRegionProvider: [() => require("oci-common/lib/auth/auth"), "isRegionProvider"],
  FetchHttpClient: [() => require("oci-common/lib/http"), "FetchHttpClient"],
  OciError: [() => require("oci-common/lib/error"), "OciError"],
  DefaultRequestSigner: [() => require("oci-common/lib/signer"), "DefaultRequestSigner"],
  getStringFromResponseBody: [() => require("oci-common/lib/helper"), "getStringFromResponseBody"],
  handleErrorResponse: [() => require("oci-common/lib/helper"), "handleErrorResponse"],
  mapContainer: [() => require("oci-common/lib/helper"), "mapContainer"],
  handleErrorBody: [() => require("oci-common/lib/helper"), "handleErrorBody"],
  convertStringToType: [() => require("oci-common/lib/helper"), "convertStringToType"],
  ObjectSerializer: [() => require("oci-common/lib/object-serializer"), "ObjectSerializer"],
  byteLength: [() => require("oci-common/lib/helper"), "byteLength"],
  Range: [() => require("oci-common/lib/range"), "Range"],
};

/**
 * The modules the index requires first, in its order. oci-common's modules require each other in cycles
 * (the signer -> delegate-auth-provider -> instance-principals -> abstract-requesting provider -> ... ->
 * the signer); entered elsewhere, a class is read from a half-loaded module and is undefined. Loaded first,
 * as the index does, the cycles resolve as they always have.
 */
let headLoaded = false;
function loadIndexHead() {
  if (headLoaded) return;
  headLoaded = true;
  require("oci-common/lib/auth/auth");
  require("oci-common/lib/error");
  require("oci-common/lib/signer");
}

Object.defineProperty(exports, "__esModule", { value: true });
for (const [name, [load, member]] of Object.entries(EXPORTS)) {
  Object.defineProperty(exports, name, {
    enumerable: true,
    get() {
      loadIndexHead();
      const mod = load();
      if (member === "*") return mod;
      // A default export compiled by tsc: the index reads it through __importDefault.
      if (member === "default") return mod?.__esModule ? mod.default : mod;
      return mod[member];
    },
  });
}
