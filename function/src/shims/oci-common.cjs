// oci-common's index, with each export loaded when first read. The package's own index requires every
// module at once: the instance-principal, OKE workload-identity, config-file and session providers, the
// waiters, paginators and the chunker, and through them tls and https. The function reads a few exports
// (the resource-principal provider, the signer, the request and answer builders, the retrier); the rest
// stay unevaluated until something reads them. The names and values are the index's own (2.139.1):
// test/unit/function-bundle-shims.test.ts compares the two.
"use strict";

/** Each export: the module under oci-common/lib that holds it, and its name there ("*": the module itself). */
const EXPORTS = {
  utils: ["utils", "*"],
  Region: ["region", "Region"],
  Realm: ["realm", "Realm"],
  EndpointBuilder: ["endpoint-builder", "EndpointBuilder"],
  LOG: ["log", "LOG"],
  Constants: ["constants", "default"],
  CircuitBreaker: ["circuit-breaker", "default"],
  ExponentialBackoffDelayStrategy: ["waiter", "ExponentialBackoffDelayStrategy"],
  MaxTimeTerminationStrategy: ["waiter", "MaxTimeTerminationStrategy"],
  genericWaiter: ["waiter", "genericWaiter"],
  genericTerminalConditionWaiter: ["waiter", "genericTerminalConditionWaiter"],
  MaxAttemptsTerminationStrategy: ["waiter", "MaxAttemptsTerminationStrategy"],
  FixedTimeDelayStrategy: ["waiter", "FixedTimeDelayStrategy"],
  GenericRetrier: ["retrier", "GenericRetrier"],
  NoRetryConfigurationDetails: ["retrier", "NoRetryConfigurationDetails"],
  OciSdkDefaultRetryConfiguration: ["retrier", "OciSdkDefaultRetryConfiguration"],
  InstancePrincipalsAuthenticationDetailsProviderBuilder: [
    "auth/instance-principals-authentication-detail-provider",
    "default",
  ],
  ResourcePrincipalAuthenticationDetailsProvider: [
    "auth/resource-principal-authentication-details-provider",
    "default",
  ],
  OkeWorkloadIdentityAuthenticationDetailsProvider: [
    "auth/oke-workload-identity-authentication-details-provider",
    "default",
  ],
  AbstractRequestingAuthenticationDetailsProvider: [
    "auth/abstract-requesting-authentication-detail-provider",
    "default",
  ],
  paginateRecords: ["paginators", "paginateRecords"],
  genericPaginateRecords: ["paginators", "genericPaginateRecords"],
  paginatedRecordsWithLimit: ["paginators", "paginatedRecordsWithLimit"],
  paginateResponses: ["paginators", "paginateResponses"],
  genericPaginateResponses: ["paginators", "genericPaginateResponses"],
  paginatedResponsesWithLimit: ["paginators", "paginatedResponsesWithLimit"],
  ConfigFileAuthenticationDetailsProvider: [
    "auth/config-file-auth",
    "ConfigFileAuthenticationDetailsProvider",
  ],
  SessionAuthDetailProvider: ["auth/session-auth-details-provider", "SessionAuthDetailProvider"],
  getChunk: ["chunker", "default"],
  ConfigFileReader: ["config-file-reader", "ConfigFileReader"],
  composeRequest: ["request-generator", "composeRequest"],
  composeResponse: ["response-generator", "composeResponse"],
  developerToolConfiguration: ["developertoolconfiguration", "*"],
  SimpleAuthenticationDetailsProvider: ["auth/auth", "SimpleAuthenticationDetailsProvider"],
  isRegionProvider: ["auth/auth", "isRegionProvider"],
  FetchHttpClient: ["http", "FetchHttpClient"],
  OciError: ["error", "OciError"],
  DefaultRequestSigner: ["signer", "DefaultRequestSigner"],
  getStringFromResponseBody: ["helper", "getStringFromResponseBody"],
  handleErrorResponse: ["helper", "handleErrorResponse"],
  mapContainer: ["helper", "mapContainer"],
  handleErrorBody: ["helper", "handleErrorBody"],
  convertStringToType: ["helper", "convertStringToType"],
  ObjectSerializer: ["object-serializer", "ObjectSerializer"],
  byteLength: ["helper", "byteLength"],
  Range: ["range", "Range"],
};

/**
 * The modules by path, as literal requires so that the bundler includes each one (a computed require
 * would not be bundled).
 */
const MODULES = {
  utils: () => require("oci-common/lib/utils"),
  region: () => require("oci-common/lib/region"),
  realm: () => require("oci-common/lib/realm"),
  "endpoint-builder": () => require("oci-common/lib/endpoint-builder"),
  log: () => require("oci-common/lib/log"),
  constants: () => require("oci-common/lib/constants"),
  "circuit-breaker": () => require("oci-common/lib/circuit-breaker"),
  waiter: () => require("oci-common/lib/waiter"),
  retrier: () => require("oci-common/lib/retrier"),
  "auth/instance-principals-authentication-detail-provider": () =>
    require("oci-common/lib/auth/instance-principals-authentication-detail-provider"),
  "auth/resource-principal-authentication-details-provider": () =>
    require("oci-common/lib/auth/resource-principal-authentication-details-provider"),
  "auth/oke-workload-identity-authentication-details-provider": () =>
    require("oci-common/lib/auth/oke-workload-identity-authentication-details-provider"),
  "auth/abstract-requesting-authentication-detail-provider": () =>
    require("oci-common/lib/auth/abstract-requesting-authentication-detail-provider"),
  paginators: () => require("oci-common/lib/paginators"),
  "auth/config-file-auth": () => require("oci-common/lib/auth/config-file-auth"),
  "auth/session-auth-details-provider": () => require("oci-common/lib/auth/session-auth-details-provider"),
  chunker: () => require("oci-common/lib/chunker"),
  "config-file-reader": () => require("oci-common/lib/config-file-reader"),
  "request-generator": () => require("oci-common/lib/request-generator"),
  "response-generator": () => require("oci-common/lib/response-generator"),
  developertoolconfiguration: () => require("oci-common/lib/developertoolconfiguration"),
  "auth/auth": () => require("oci-common/lib/auth/auth"),
  http: () => require("oci-common/lib/http"),
  error: () => require("oci-common/lib/error"),
  signer: () => require("oci-common/lib/signer"),
  helper: () => require("oci-common/lib/helper"),
  "object-serializer": () => require("oci-common/lib/object-serializer"),
  range: () => require("oci-common/lib/range"),
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
  MODULES["auth/auth"]();
  MODULES.error();
  MODULES.signer();
}

Object.defineProperty(exports, "__esModule", { value: true });
for (const [name, [path, member]] of Object.entries(EXPORTS)) {
  Object.defineProperty(exports, name, {
    enumerable: true,
    get() {
      loadIndexHead();
      const mod = MODULES[path]();
      if (member === "*") return mod;
      // A default export compiled by tsc: the index reads it through __importDefault.
      if (member === "default") return mod?.__esModule ? mod.default : mod;
      return mod[member];
    },
  });
}
