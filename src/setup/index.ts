// The `setup` flow: everything the original guide clicked together, found by name first, then one plan
// (every create and update with its diff, and the permissions setup itself needs) printed before the first
// write; a dry run stops there. Writes follow in dependency order: repository, application, gateway (waited
// to ACTIVE through its work request), dynamic group, policy, resource app, client app (both activated).
// Nothing is ever deleted, and a re-run with nothing changed writes nothing. The client secret is masked
// the moment it exists and goes only to an encrypted Actions secret or a 0600 file.
import * as core from "@actions/core";
import type { DeployLogger } from "../deploy/context.js";
import { iamPolicy } from "../deploy/iam.js";
import { createJsonGetter, discover, type JsonGetter } from "../deploy/identity.js";
import { UserFacingError } from "../lib/errors.js";
import { maskSecret } from "../lib/mask.js";
import { realSleep } from "../lib/retry.js";
import { runnerLog } from "../lib/runner-log.js";
import { safeLogLine } from "../lib/text.js";
import type { CallOptions } from "../oci/clients.js";
import { OciCallError } from "../oci/errors.js";
import type { SessionDeps } from "../oci/session.js";
import { describeAuth, sessionDeps, signInInputs } from "../oci/sign-in.js";
import {
  type AppsApi,
  activateApp,
  clientAppBody,
  clientAppFields,
  createApp,
  findApp,
  fullyQualifiedScope,
  patchApp,
  readClientCredentials,
  resourceAppBody,
  resourceAppFields,
} from "./apps.js";
import { createSetupClients, type SetupClients } from "./clients.js";
import {
  createPolicy,
  type DynamicGroupStore,
  domainGroupStore,
  findPolicy,
  identityGroupStore,
  policyGroupName,
  updatePolicy,
} from "./iam.js";
import { DEFAULT_DOMAIN, SETUP_OUTPUTS, type SetupInputs, type SignedSetupInputs } from "./inputs.js";
import {
  createServiceUser,
  ensureMember,
  ensureTrust,
  exchangeAppBody,
  findKeyless,
  type KeylessFound,
  type KeylessWanted,
  planKeyless,
  trustBody,
} from "./keyless.js";
import { permissionHint, setupPermissions } from "./permissions.js";
import { countWrites, type PlannedItem, planItem, planPolicy, renderPlan, type SetupPlan } from "./plan.js";
import {
  applicationFields,
  createApplication,
  createGateway,
  createRepository,
  findApplication,
  findFunctionId,
  findGateway,
  findRepository,
  gatewayFields,
  makeRepositoryPrivate,
  type Polling,
  repositoryFields,
  waitForApplication,
  waitForGateway,
} from "./resources.js";
import {
  CLIENT_SECRET_NAME,
  type GithubApi,
  ghCommands,
  githubApi,
  OIDC_CLIENT_ID_NAME,
  OIDC_CLIENT_SECRET_NAME,
  type SetupValues,
  storeInGithub,
  storeSecrets,
  writeSecretFile,
} from "./secret.js";

export interface SetupDeps {
  log: DeployLogger;
  setOutput(name: string, value: string): void;
  /** Mask a secret (and its derived forms) in everything printed from now on. */
  setSecret(value: string): void;
  createClients(inputs: SignedSetupInputs): SetupClients;
  github(token: string, repository: string): GithubApi;
  http: JsonGetter;
  writeSecretFile(path: string, secret: string): Promise<{ path: string; changed: boolean }>;
  /** The local command prints `gh` lines for the secret file; the action does not. */
  printGhCommands: boolean;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** For `oci-auth: oidc`: the GitHub token, clock and masker of the session (default: the runner's). */
  session?: SessionDeps;
}

interface SetupResult {
  plan: SetupPlan;
  values: SetupValues | undefined;
  /** Where the secret was written, when it was. */
  secretFile: string | undefined;
}

/** Shown in a dry run before the gateway exists (the audience defaults to its hostname). */
const PENDING_AUDIENCE = "https://(the new gateway's hostname)/";

interface Found {
  repository: { id: string; isPublic: boolean; lifecycleState: string } | undefined;
  application: { id: string; lifecycleState?: string; subnetIds?: string[]; shape?: string } | undefined;
  functionId: string | undefined;
  gateway:
    | {
        id: string;
        lifecycleState?: string;
        lifecycleDetails?: string;
        hostname?: string;
        subnetId?: string;
        endpointType?: string;
      }
    | undefined;
  dynamicGroup: { id: string; matchingRule: string; lifecycleState?: string } | undefined;
  policy: { id: string; statements: string[]; lifecycleState?: string } | undefined;
  resourceApp: Awaited<ReturnType<typeof findApp>>;
  clientApp: Awaited<ReturnType<typeof findApp>>;
  issuer: string;
  /** With `keyless: true`. */
  keyless: KeylessFound | undefined;
}

interface Context {
  inputs: SignedSetupInputs;
  deps: SetupDeps;
  clients: SetupClients;
  call: CallOptions;
  groups: DynamicGroupStore;
  info(line: string): void;
  polling(): Polling;
}

async function readState(ctx: Context): Promise<Found> {
  const { inputs, clients, call } = ctx;
  const tenancyId = inputs.auth.tenancyId;
  const repository = await findRepository(
    clients.repositories,
    inputs.compartmentId,
    inputs.repository,
    call,
  );
  const application = await findApplication(
    clients.applications,
    inputs.compartmentId,
    inputs.applicationName,
    call,
  );
  const functionId = application
    ? await findFunctionId(clients.applications, application.id, inputs.functionName, call)
    : undefined;
  const gateway = await findGateway(clients.gateways, inputs.compartmentId, inputs.gatewayName, call);
  const dynamicGroup = await ctx.groups.find(inputs.dynamicGroupName);
  const policy = await findPolicy(clients.identity, tenancyId, inputs.policyName, call);
  const resourceApp = await findApp(clients.apps, inputs.resourceAppName, call);
  const clientApp = await findApp(clients.apps, inputs.clientAppName, call);
  const { issuer } = await discover(ctx.deps.http, inputs.identityDomainUrl);
  const keyless = inputs.keyless
    ? await findKeyless(clients.keyless, clients.apps, keylessWanted(inputs), call)
    : undefined;
  for (const [what, id] of [
    ["repository", repository?.id],
    ["application", application?.id],
    ["function", functionId],
    ["gateway", gateway?.id],
    ["dynamic group", dynamicGroup?.id],
    ["policy", policy?.id],
    ["resource app", resourceApp?.id],
    ["client app", clientApp?.id],
    ...(keyless
      ? ([
          ["service user", keyless.user?.id],
          ["exchange app", keyless.app?.id],
          ["trust", keyless.trust?.id],
          ["deployer group", keyless.group?.id],
        ] as const)
      : []),
  ] as const) {
    ctx.info(id ? `${what}: found ${id}` : `${what}: not found`);
  }
  return {
    repository,
    application,
    functionId,
    gateway,
    dynamicGroup,
    policy,
    resourceApp,
    clientApp,
    issuer,
    keyless,
  };
}

/** What the trust is for: this repository's workflows on the ref (or in the environment). */
function keylessWanted(inputs: SignedSetupInputs): KeylessWanted {
  return {
    repository: inputs.githubRepository ?? "",
    ref: inputs.githubRef,
    environment: inputs.githubEnvironment,
    issuer: inputs.githubOidcIssuer,
    audience: inputs.keylessAudience,
    userName: inputs.serviceUserName,
    appName: inputs.exchangeAppName,
    trustName: inputs.trustName,
    groupName: inputs.deployerGroup,
  };
}

function audienceOf(inputs: SignedSetupInputs, hostname: string | undefined): string {
  return inputs.audience ?? (hostname ? `https://${hostname}/` : PENDING_AUDIENCE);
}

function iamFor(inputs: SignedSetupInputs, functionId: string | undefined) {
  const c = inputs.compartmentId;
  const policy = iamPolicy({
    tenancyId: inputs.auth.tenancyId,
    functionCompartmentId: c,
    deploymentCompartmentId: c,
    gatewayCompartmentId: c,
    repository: inputs.repository,
    functionId,
    deployerGroup: policyGroupName(inputs.identityDomainName, inputs.deployerGroup),
    dynamicGroup: policyGroupName(inputs.identityDomainName, inputs.dynamicGroupName),
  });
  return { rule: policy.dynamicGroupRule, statements: policy.sections.flatMap((s) => s.statements) };
}

function appItems(inputs: SignedSetupInputs, found: Found, audience: string): [PlannedItem, PlannedItem] {
  const resource = { displayName: inputs.resourceAppName, audience, scope: inputs.scopeName };
  const client = { displayName: inputs.clientAppName, fqs: fullyQualifiedScope(audience, inputs.scopeName) };
  const existing = (app: Found["resourceApp"]) => (app?.id ? { id: app.id } : undefined);
  return [
    planItem(
      "resource app",
      inputs.resourceAppName,
      existing(found.resourceApp),
      resourceAppFields(found.resourceApp, resource),
    ),
    planItem(
      "client app",
      inputs.clientAppName,
      existing(found.clientApp),
      clientAppFields(found.clientApp, client),
    ),
  ];
}

/** The whole plan, from what exists (pure). */
function buildPlan(inputs: SignedSetupInputs, found: Found): SetupPlan {
  const iam = iamFor(inputs, found.functionId);
  const audience = audienceOf(inputs, found.gateway?.hostname);
  const items: PlannedItem[] = [
    planItem("repository", inputs.repository, found.repository, repositoryFields(found.repository)),
    planItem(
      "application",
      inputs.applicationName,
      found.application,
      applicationFields(found.application, { subnetId: inputs.subnetId, shape: inputs.applicationShape }),
    ),
    planItem("gateway", inputs.gatewayName, found.gateway, gatewayFields(found.gateway, inputs.subnetId)),
    planItem("dynamic group", inputs.dynamicGroupName, found.dynamicGroup, [
      { field: "matchingRule", desired: iam.rule, current: found.dynamicGroup?.matchingRule },
    ]),
    planPolicy(inputs.policyName, found.policy, iam.statements),
    ...appItems(inputs, found, audience),
    ...(found.keyless ? planKeyless(keylessWanted(inputs), found.keyless) : []),
  ];
  return {
    dryRun: inputs.dryRun,
    items,
    permissions: setupPermissions({
      tenancyId: inputs.auth.tenancyId,
      compartmentId: inputs.compartmentId,
      identityDomainName: inputs.identityDomainName,
    }),
  };
}

const itemOf = (plan: SetupPlan, kind: PlannedItem["kind"]) =>
  plan.items.find((i) => i.kind === kind) as PlannedItem;

async function ensureRegional(ctx: Context, plan: SetupPlan, found: Found) {
  const { inputs, clients, call } = ctx;
  const repo = itemOf(plan, "repository");
  if (repo.action === "create") {
    ctx.info(
      `repository ${inputs.repository}: created ${await createRepository(clients.repositories, inputs.compartmentId, inputs.repository, call)}`,
    );
  } else if (repo.action === "update") {
    await makeRepositoryPrivate(clients.repositories, repo.id as string, call);
    ctx.info(`repository ${inputs.repository}: made private`);
  }

  const app = itemOf(plan, "application");
  let applicationId = app.id;
  if (app.action === "create") {
    applicationId = await createApplication(
      clients.applications,
      {
        compartmentId: inputs.compartmentId,
        name: inputs.applicationName,
        subnetId: inputs.subnetId,
        shape: inputs.applicationShape,
      },
      call,
    );
    ctx.info(`application ${inputs.applicationName}: created ${applicationId}`);
  }
  if (app.action === "create" || app.action === "wait") {
    await waitForApplication(
      clients.applications,
      applicationId as string,
      inputs.applicationName,
      ctx.polling(),
      call,
    );
  }

  const gw = itemOf(plan, "gateway");
  let hostname = found.gateway?.hostname;
  let gatewayId = gw.id;
  if (gw.action === "create" || gw.action === "wait") {
    const created =
      gw.action === "create"
        ? await createGateway(
            clients.gateways,
            { compartmentId: inputs.compartmentId, name: inputs.gatewayName, subnetId: inputs.subnetId },
            call,
          )
        : undefined;
    if (created)
      ctx.info(
        `gateway ${inputs.gatewayName}: created ${created.id} (work request ${created.workRequestId})`,
      );
    gatewayId = created?.id ?? (gw.id as string);
    const gateway = await waitForGateway(
      { gateways: clients.gateways, workRequests: clients.workRequests },
      {
        id: gatewayId,
        name: inputs.gatewayName,
        ...(created ? { workRequestId: created.workRequestId } : {}),
      },
      ctx.polling(),
      call,
    );
    hostname = gateway.hostname;
  }
  return { applicationId: applicationId as string, gatewayId: gatewayId as string, hostname };
}

async function ensureIam(ctx: Context, plan: SetupPlan, found: Found) {
  const { inputs, clients, call } = ctx;
  const iam = iamFor(inputs, found.functionId);
  const dg = itemOf(plan, "dynamic group");
  if (dg.action === "create") {
    ctx.info(
      `dynamic group ${inputs.dynamicGroupName}: created ${await ctx.groups.create(inputs.dynamicGroupName, iam.rule)}`,
    );
  } else if (dg.changes.length > 0) {
    await ctx.groups.update(dg.id as string, iam.rule);
    ctx.info(`dynamic group ${inputs.dynamicGroupName}: matching rule updated`);
  }
  const policy = itemOf(plan, "policy");
  const tenancyId = inputs.auth.tenancyId;
  if (policy.action === "create") {
    ctx.info(
      `policy ${inputs.policyName}: created ${await createPolicy(clients.identity, tenancyId, inputs.policyName, iam.statements, call)}`,
    );
  } else if ((policy.statements?.added.length ?? 0) + (policy.statements?.removed.length ?? 0) > 0) {
    await updatePolicy(clients.identity, policy.id as string, iam.statements, call);
    ctx.info(`policy ${inputs.policyName}: statements updated`);
  }
}

/** Create or patch one app, then activate it when it is not active; returns the created app, if any. */
async function ensureApp(ctx: Context, item: PlannedItem, body: Parameters<AppsApi["createApp"]>[0]["app"]) {
  const apps = ctx.clients.apps;
  let created: Awaited<ReturnType<typeof createApp>> | undefined;
  let id = item.id;
  if (item.action === "create") {
    created = await createApp(apps, body as NonNullable<typeof body>, ctx.call);
    id = created.id;
    ctx.info(`${item.kind} ${item.name}: created ${id}`);
  } else if (item.changes.length > 0) {
    await patchApp(apps, id as string, body as NonNullable<typeof body>, item.changes, ctx.call);
    ctx.info(`${item.kind} ${item.name}: ${item.changes.map((c) => c.field).join(", ")} updated`);
  }
  if (item.action === "create" || item.changes.some((c) => c.field === "active")) {
    await activateApp(apps, id as string, ctx.call);
    ctx.info(`${item.kind} ${item.name}: activated`);
  }
  return { id: id as string, created };
}

async function ensureApps(ctx: Context, found: Found, audience: string) {
  const { inputs } = ctx;
  // Planned again: the audience may only now be known (the gateway's hostname).
  const [resourceItem, clientItem] = appItems(inputs, found, audience);
  await ensureApp(
    ctx,
    resourceItem,
    resourceAppBody({ displayName: inputs.resourceAppName, audience, scope: inputs.scopeName }),
  );
  const client = await ensureApp(
    ctx,
    clientItem,
    clientAppBody({
      displayName: inputs.clientAppName,
      fqs: fullyQualifiedScope(audience, inputs.scopeName),
    }),
  );
  // The secret exists from here on: mask it before anything else can print it.
  if (client.created?.clientSecret) ctx.deps.setSecret(client.created.clientSecret);
  return {
    clientAppId: client.id,
    createdClientId: client.created?.name,
    createdSecret: client.created?.clientSecret,
  };
}

/**
 * The service user, the exchange app, the trust (planned again with the user's id and the app's client id,
 * which may only now exist) and the user in the deployer group.
 */
async function ensureKeyless(ctx: Context, plan: SetupPlan, found: KeylessFound) {
  const { clients, call } = ctx;
  const wanted = keylessWanted(ctx.inputs);
  const userItem = itemOf(plan, "service user");
  const user =
    userItem.action === "create"
      ? await createServiceUser(clients.keyless, wanted.userName, call)
      : found.user;
  if (userItem.action === "create") ctx.info(`service user ${wanted.userName}: created ${user?.id}`);
  const app = await ensureApp(ctx, itemOf(plan, "exchange app"), exchangeAppBody(wanted.appName));
  if (app.created?.clientSecret) ctx.deps.setSecret(app.created.clientSecret);
  const clientId = app.created?.name ?? found.app?.name ?? "";
  const now = { ...found, user, app: app.created ?? found.app };
  const [, , trustItem, memberItem] = planKeyless(wanted, now) as [
    PlannedItem,
    PlannedItem,
    PlannedItem,
    PlannedItem,
  ];
  const userId = user?.id ?? "";
  const trustId = await ensureTrust(
    clients.keyless,
    trustItem,
    trustBody(wanted, { id: userId, ocid: user?.ocid }, clientId),
    call,
  );
  if (trustItem.action !== "none")
    ctx.info(
      `trust ${wanted.trustName}: ${trustItem.action === "create" ? "created" : "updated"} ${trustId}`,
    );
  await ensureMember(clients.keyless, memberItem, wanted.groupName, userId, call);
  if (memberItem.action !== "none") ctx.info(`deployer group ${wanted.groupName}: ${wanted.userName} added`);
  return { appId: app.id, clientId, createdSecret: app.created?.clientSecret };
}

async function readSecret(
  ctx: Context,
  appId: string,
  appName = ctx.inputs.clientAppName,
): Promise<{ clientId: string; secret: string }> {
  const { clientId, clientSecret } = await readClientCredentials(ctx.clients.apps, appId, ctx.call);
  if (clientSecret) ctx.deps.setSecret(clientSecret);
  if (!clientSecret) {
    throw new UserFacingError(
      `client app ${appName} (${appId}) returned no client secret; check that it is a confidential application, or regenerate its secret in the console`,
    );
  }
  return { clientId, secret: clientSecret };
}

/** The secret to the GitHub repository and/or the 0600 file; the other values as variables or gh lines. */
async function deliver(
  ctx: Context,
  values: SetupValues,
  clientAppId: string,
  createdSecret: string | undefined,
) {
  const { inputs, deps } = ctx;
  let secret = createdSecret;
  const need = async () => {
    secret ??= (await readSecret(ctx, clientAppId)).secret;
    return secret;
  };
  let secretFile: string | undefined;
  if (inputs.githubToken && inputs.githubRepository) {
    const api = deps.github(inputs.githubToken, inputs.githubRepository);
    const storeSecret = createdSecret !== undefined || !(await api.secretExists(CLIENT_SECRET_NAME));
    await storeInGithub(api, values, storeSecret ? await need() : undefined, ctx.info);
  }
  if (inputs.secretFile) {
    const written = await deps.writeSecretFile(inputs.secretFile, await need());
    secretFile = written.path;
    ctx.info(`client secret ${written.changed ? "written to" : "already in"} ${written.path} (mode 0600)`);
    if (deps.printGhCommands) {
      ctx.info("to give it and the other values to a GitHub repository, run:");
      for (const line of ghCommands(values, written.path, inputs.githubRepository)) ctx.info(`  ${line}`);
    }
  }
  if (!inputs.githubToken && !inputs.secretFile) {
    deps.log.warning(
      `the client secret of ${inputs.clientAppName} was not stored: set 'github-token' (to store it as an Actions secret) or 'secret-file', and re-run setup; it reads the secret back from the identity domain`,
    );
  }
  return secretFile;
}

/** OIDC_CLIENT_ID and OIDC_CLIENT_SECRET as Actions secrets: when the app is new or the repository lacks them. */
async function deliverKeyless(
  ctx: Context,
  exchange: { appId: string; clientId: string; createdSecret: string | undefined },
) {
  const { inputs, deps } = ctx;
  if (!inputs.githubToken || !inputs.githubRepository) {
    deps.log.warning(
      `the exchange app ${inputs.exchangeAppName}'s client id and secret were not stored: set 'github-token' to store them as the Actions secrets ${OIDC_CLIENT_ID_NAME} and ${OIDC_CLIENT_SECRET_NAME}, and re-run setup`,
    );
    return;
  }
  const api = deps.github(inputs.githubToken, inputs.githubRepository);
  const fresh = exchange.createdSecret !== undefined;
  const missing = async (name: string) => fresh || !(await api.secretExists(name));
  const needId = await missing(OIDC_CLIENT_ID_NAME);
  const needSecret = await missing(OIDC_CLIENT_SECRET_NAME);
  if (!needId && !needSecret) return;
  const secret = needSecret
    ? (exchange.createdSecret ?? (await readSecret(ctx, exchange.appId, inputs.exchangeAppName)).secret)
    : undefined;
  await storeSecrets(
    api,
    [
      ...(needId ? ([[OIDC_CLIENT_ID_NAME, exchange.clientId]] as const) : []),
      ...(secret ? ([[OIDC_CLIENT_SECRET_NAME, secret]] as const) : []),
    ],
    ctx.info,
  );
}

function setOutputs(deps: SetupDeps, values: Partial<SetupValues>): void {
  deps.setOutput(SETUP_OUTPUTS.applicationId, values.applicationId ?? "");
  deps.setOutput(SETUP_OUTPUTS.gatewayId, values.gatewayId ?? "");
  deps.setOutput(SETUP_OUTPUTS.repository, values.repository ?? "");
  deps.setOutput(SETUP_OUTPUTS.audience, values.audience ?? "");
  deps.setOutput(SETUP_OUTPUTS.scope, values.scope ?? "");
  deps.setOutput(SETUP_OUTPUTS.clientId, values.clientId ?? "");
  deps.setOutput(SETUP_OUTPUTS.identityDomainUrl, values.identityDomainUrl ?? "");
  deps.setOutput(SETUP_OUTPUTS.issuer, values.issuer ?? "");
}

/** A 401/403/404 from OCI names the permission the call needs. */
function withPermissionHint(err: unknown, inputs: SignedSetupInputs): unknown {
  if (!(err instanceof OciCallError) || err.status === undefined) return err;
  const hint = permissionHint(err.call, {
    tenancyId: inputs.auth.tenancyId,
    compartmentId: inputs.compartmentId,
    identityDomainName: inputs.identityDomainName,
  })(err.status);
  return hint ? new UserFacingError(`${err.message}; ${hint}`, { cause: err }) : err;
}

export async function runSetup(read: SetupInputs, deps: SetupDeps): Promise<SetupResult> {
  const info = (line: string) => deps.log.info(safeLogLine(line));
  const inputs: SignedSetupInputs = await signInInputs(read, deps.session ?? sessionDeps(deps.setSecret));
  info(describeAuth(inputs.auth));
  const clients = deps.createClients(inputs);
  const call: CallOptions = { log: info, retryOptions: { sleep: deps.sleep, now: deps.now } };
  const deadline = deps.now() + inputs.waitTimeout * 60_000;
  const ctx: Context = {
    inputs,
    deps,
    clients,
    call,
    info,
    groups:
      inputs.identityDomainName === DEFAULT_DOMAIN
        ? identityGroupStore(clients.identity, inputs.auth.tenancyId, call)
        : domainGroupStore(clients.domainGroups, call),
    polling: () => ({ deadline, now: deps.now, sleep: deps.sleep, log: info }),
  };
  try {
    return await runSteps(ctx);
  } catch (err) {
    throw withPermissionHint(err, inputs);
  } finally {
    clients.close();
  }
}

async function runSteps(ctx: Context): Promise<SetupResult> {
  const { inputs, deps } = ctx;
  const found = await deps.log.group("Find what exists", () => readState(ctx));
  const plan = buildPlan(inputs, found);
  await deps.log.group(inputs.dryRun ? "Plan (dry run: nothing is changed)" : "Plan", async () => {
    for (const line of renderPlan(plan)) deps.log.info(line);
  });
  const known: Partial<SetupValues> = {
    applicationId: found.application?.id,
    gatewayId: found.gateway?.id,
    repository: inputs.repository,
    identityDomainUrl: inputs.identityDomainUrl,
    issuer: found.issuer,
  };
  if (inputs.dryRun) {
    const audience =
      found.gateway?.hostname || inputs.audience ? audienceOf(inputs, found.gateway?.hostname) : undefined;
    setOutputs(deps, {
      ...known,
      audience,
      scope: audience ? fullyQualifiedScope(audience, inputs.scopeName) : undefined,
      clientId: found.clientApp?.name,
    });
    return { plan, values: undefined, secretFile: undefined };
  }
  if (countWrites(plan) > 0) ctx.info(`writing ${countWrites(plan)} items`);
  const regional = await deps.log.group("Repository, application and gateway", () =>
    ensureRegional(ctx, plan, found),
  );
  await deps.log.group("Dynamic group and policy", () => ensureIam(ctx, plan, found));
  const audience = audienceOf(inputs, regional.hostname);
  const apps = await deps.log.group("Identity domain applications", () => ensureApps(ctx, found, audience));
  const values: SetupValues = {
    applicationId: regional.applicationId,
    gatewayId: regional.gatewayId,
    repository: inputs.repository,
    audience,
    scopeName: inputs.scopeName,
    scope: fullyQualifiedScope(audience, inputs.scopeName),
    clientId: apps.createdClientId ?? found.clientApp?.name ?? "",
    identityDomainUrl: inputs.identityDomainUrl,
    issuer: found.issuer,
  };
  const secretFile = await deliver(ctx, values, apps.clientAppId, apps.createdSecret);
  if (found.keyless) {
    const keyless = found.keyless;
    const exchange = await deps.log.group("Keyless deploys: service user, exchange app, trust", () =>
      ensureKeyless(ctx, plan, keyless),
    );
    await deliverKeyless(ctx, exchange);
  }
  setOutputs(deps, values);
  return { plan, values, secretFile };
}

/** The real dependencies of the action: @actions/core, the SDK clients, Octokit, undici. */
export function createSetupDeps(): SetupDeps {
  return {
    log: runnerLog,
    setOutput: (name, value) => core.setOutput(name, value),
    setSecret: (value) => maskSecret(value),
    createClients: (inputs) => createSetupClients(inputs),
    github: (token, repository) => githubApi(token, repository, process.env.GITHUB_API_URL),
    http: createJsonGetter(),
    writeSecretFile,
    printGhCommands: false,
    now: () => Date.now(),
    sleep: realSleep,
  };
}
