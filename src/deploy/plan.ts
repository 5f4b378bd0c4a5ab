// The deploy plan as people read it (pure): the image to push, what happens to the function, a diff of the
// deployment spec, the JWT keys, and the IAM policy this setup needs. Printed on every run (it is the whole
// output of a dry run) and written to the job summary as Markdown.
import { clip, flatten, safeLogLine } from "../lib/text.js";
import type { FunctionChange } from "./function.js";
import { compartmentClause, DEFAULT_DEPLOYER_GROUP, type IamPolicy, renderIamPolicy } from "./iam.js";
import type { DroppedKey } from "./jwks.js";
import { renderSpecDiff, type SpecChange } from "./spec.js";

export type Action = "create" | "update" | "none";

export interface DeployPlan {
  dryRun: boolean;
  region: string;
  image: {
    /** `host/ns/repo:tag@sha256:…` */
    reference: string;
    digest: string;
    base: string;
    baseDigest: string;
    platforms: string[];
    layerDigest: string;
    layerSize: number;
  };
  fn: {
    name: string;
    applicationId: string;
    id: string | undefined;
    action: Action;
    changes: FunctionChange[];
  };
  deployment: {
    name: string;
    gatewayId: string;
    pathPrefix: string;
    id: string | undefined;
    action: Action;
    changes: SpecChange[];
    /** The route URL, when the deployment exists. */
    endpoint: string | undefined;
  };
  jwt: {
    issuer: string;
    audiences: string[];
    mode: "static" | "remote";
    jwksUri: string;
    kids: string[];
    dropped: DroppedKey[];
    requiredScopes: string[];
  };
  iam: IamPolicy;
  /** The GitHub deployment: undefined when it is neither asked for nor there. */
  github?: GithubPlan;
}

/**
 * `managed`: `github-repositories` asks for it (created, updated or unchanged). `left`: it exists, but
 * `github-repositories` is empty now; deploy never deletes a deployment, so it is reported, not removed.
 */
export type GithubPlan =
  | {
      kind: "managed";
      name: string;
      pathPrefix: string;
      id: string | undefined;
      action: Action;
      changes: SpecChange[];
      endpoint: string | undefined;
      issuer: string;
      audience: string;
      jwksUri: string;
      kids: string[];
      repositories: string[];
      refs: string[];
      environments: string[];
    }
  | { kind: "left"; name: string; pathPrefix: string; id: string; endpoint: string | undefined };

/** The plan of an `image-only: true` run: the image, and what the deployer needs for it. */
export interface ImageOnlyPlan {
  imageOnly: true;
  dryRun: boolean;
  region: string;
  image: DeployPlan["image"];
  /** The deployer's policy statements for this run (push, and the reads it made). */
  iam: string[];
}

/**
 * What an image-only deployer needs: push to the one repository, plus the namespace lookup and the
 * application read when the run makes them. The function and gateway statements do not apply.
 */
export function imageOnlyStatements(ctx: {
  tenancyId: string;
  repository: string;
  namespaceLookedUp: boolean;
  /** Compartment of the application, when it was read for its shape. */
  applicationCompartmentId: string | undefined;
  deployerGroup?: string;
}): string[] {
  const group = ctx.deployerGroup ?? DEFAULT_DEPLOYER_GROUP;
  const statements: string[] = [];
  if (ctx.namespaceLookedUp)
    statements.push(`Allow group ${group} to read objectstorage-namespaces in tenancy`);
  statements.push(
    `Allow group ${group} to manage repos in tenancy where target.repo.name = '${ctx.repository.replace(/'/g, "")}'`,
  );
  if (ctx.applicationCompartmentId !== undefined) {
    statements.push(
      `Allow group ${group} to read fn-app in ${compartmentClause(ctx.applicationCompartmentId, ctx.tenancyId)}`,
    );
  }
  return statements;
}

/** A value from outside (names, config values) made safe for one log line: no control characters, bounded. */
function safeText(value: string | undefined, limit = 80): string {
  if (value === undefined) return "(none)";
  return clip(flatten(value), limit);
}

const VERB: Record<Action, string> = { create: "create", update: "update", none: "unchanged" };

function functionChangeLine(c: FunctionChange): string {
  if (c.before === undefined) return `+ ${c.field}: ${safeText(c.after)}`;
  if (c.after === undefined) return `- ${c.field}: ${safeText(c.before)}`;
  return `~ ${c.field}: ${safeText(c.before)} → ${safeText(c.after)}`;
}

function planHeadline(plan: DeployPlan): string {
  const parts = [`function ${VERB[plan.fn.action]}`, `deployment ${VERB[plan.deployment.action]}`];
  if (plan.github) {
    parts.push(
      `GitHub deployment ${plan.github.kind === "managed" ? VERB[plan.github.action] : "left in place"}`,
    );
  }
  return `${plan.dryRun ? "Dry run (nothing is changed)" : "Plan"}: image ${plan.image.digest}; ${parts.join(", ")}`;
}

/** The plan as log lines. */
export function renderPlan(plan: DeployPlan): string[] {
  const lines: string[] = [planHeadline(plan), ""];
  const { image, fn, deployment, jwt } = plan;
  lines.push(
    ...imageLines(image),
    "",
    `Function ${safeText(fn.name)} in application ${fn.applicationId}: ${VERB[fn.action]}${fn.id ? ` (${fn.id})` : ""}`,
  );
  for (const c of fn.action === "none" ? [] : fn.changes) lines.push(`  ${functionChangeLine(c)}`);
  lines.push(
    "",
    `Deployment ${safeText(deployment.name)} at ${deployment.pathPrefix} on gateway ${deployment.gatewayId}: ${VERB[deployment.action]}${deployment.id ? ` (${deployment.id})` : ""}`,
  );
  if (deployment.action !== "none") {
    for (const line of renderSpecDiff(deployment.changes)) lines.push(`  ${safeText(line, 200)}`);
  }
  if (deployment.endpoint) lines.push(`  endpoint ${deployment.endpoint}`);
  lines.push(
    "",
    `JWT: issuer ${safeText(jwt.issuer, 200)}; audiences ${jwt.audiences.map((a) => safeText(a)).join(", ")}`,
    jwt.mode === "static"
      ? `  static keys from ${safeText(jwt.jwksUri, 200)}: ${jwt.kids.map((k) => safeText(k)).join(", ")}`
      : `  remote JWKS ${safeText(jwt.jwksUri, 200)}`,
  );
  for (const d of jwt.dropped)
    lines.push(`  skipped key ${d.kid === undefined ? "(no kid)" : safeText(d.kid)}: ${d.reason}`);
  if (jwt.requiredScopes.length > 0)
    lines.push(`  required scope (any of): ${jwt.requiredScopes.join(", ")}`);
  if (plan.github) lines.push("", ...githubLines(plan.github));
  lines.push("", "IAM policy this setup needs (least privilege):");
  for (const line of renderIamPolicy(plan.iam)) lines.push(`  ${line}`);
  return lines.map(safeLogLine);
}

const LEFT_IN_PLACE =
  "left in place: 'github-repositories' is empty, and deploy never deletes a deployment; its repositories' workflows can still call it, so delete it if no report uses it";

/** The GitHub deployment's block: what happens to it, its diff, and whom it lets in. */
function githubLines(github: GithubPlan): string[] {
  const head = `GitHub deployment ${safeText(github.name)} at ${github.pathPrefix}`;
  if (github.kind === "left") {
    return [
      `${head} (${github.id}): ${LEFT_IN_PLACE}`,
      ...(github.endpoint ? [`  endpoint ${github.endpoint}`] : []),
    ];
  }
  const lines = [`${head}: ${VERB[github.action]}${github.id ? ` (${github.id})` : ""}`];
  if (github.action !== "none") {
    for (const line of renderSpecDiff(github.changes)) lines.push(`  ${safeText(line, 200)}`);
  }
  if (github.endpoint) lines.push(`  endpoint ${github.endpoint}`);
  lines.push(
    `  GitHub OIDC: issuer ${safeText(github.issuer, 200)}; audience ${safeText(github.audience)}; remote JWKS ${safeText(github.jwksUri, 200)} (keys ${github.kids.map((k) => safeText(k)).join(", ")})`,
    `  repository (any of): ${github.repositories.join(", ")}`,
  );
  if (github.refs.length > 0) lines.push(`  ref (any of): ${github.refs.map((r) => safeText(r)).join(", ")}`);
  if (github.environments.length > 0) {
    lines.push(`  environment (any of): ${github.environments.map((e) => safeText(e)).join(", ")}`);
  }
  return lines;
}

function imageLines(image: DeployPlan["image"]): string[] {
  return [
    `Image: ${image.reference}`,
    `  base ${safeText(image.base, 200)} (${image.baseDigest})`,
    `  platforms ${image.platforms.join(", ")}; function layer ${image.layerDigest} (${image.layerSize} bytes)`,
  ];
}

/** The image-only plan as log lines. */
export function renderImageOnlyPlan(plan: ImageOnlyPlan): string[] {
  const lines = [
    `${plan.dryRun ? "Dry run (nothing is changed)" : "Plan"}: image ${plan.image.digest}; image only (the function and the gateway deployment are not touched)`,
    "",
    ...imageLines(plan.image),
    "",
    "IAM policy this run needs (least privilege):",
    ...plan.iam.map((line) => `  ${line}`),
  ];
  return lines.map(safeLogLine);
}

function cell(text: string): string {
  return safeText(text, 120).replace(/\|/g, "\\|").replace(/`/g, "'");
}

/** The plan as Markdown for the job summary. */
export function renderPlanMarkdown(plan: DeployPlan): string {
  const { image, fn, deployment, jwt } = plan;
  const out: string[] = [
    `## usage-api deploy${plan.dryRun ? " (dry run: nothing was changed)" : ""}`,
    "",
    "| | |",
    "|---|---|",
    `| Image | \`${cell(image.reference)}\` |`,
    `| Platforms | ${cell(image.platforms.join(", "))} |`,
    `| Function \`${cell(fn.name)}\` | ${VERB[fn.action]}${fn.id ? ` (\`${cell(fn.id)}\`)` : ""} |`,
    `| Deployment \`${cell(deployment.name)}\` | ${VERB[deployment.action]}${deployment.id ? ` (\`${cell(deployment.id)}\`)` : ""} |`,
    `| Endpoint | ${deployment.endpoint ? `\`${cell(deployment.endpoint)}\`` : "(after the first deploy)"} |`,
    `| JWT | issuer \`${cell(jwt.issuer)}\`, ${jwt.mode === "static" ? `static keys ${jwt.kids.map((k) => `\`${cell(k)}\``).join(", ")}` : "remote JWKS"} |`,
    ...(plan.github ? githubRows(plan.github) : []),
    "",
  ];
  if (fn.action !== "none" && fn.changes.length > 0) {
    out.push(
      "### Function changes",
      "",
      "```",
      ...fn.changes.map((c) => safeText(functionChangeLine(c), 200)),
      "```",
      "",
    );
  }
  if (deployment.action !== "none") {
    out.push(
      "### Deployment specification diff",
      "",
      "```diff",
      ...renderSpecDiff(deployment.changes).map((l) => safeText(l, 200)),
      "```",
      "",
    );
  }
  if (plan.github?.kind === "managed" && plan.github.action !== "none") {
    out.push(
      "### GitHub deployment specification diff",
      "",
      "```diff",
      ...renderSpecDiff(plan.github.changes).map((l) => safeText(l, 200)),
      "```",
      "",
    );
  }
  out.push("### IAM policy (least privilege)", "", "```", ...renderIamPolicy(plan.iam), "```", "");
  return out.join("\n");
}

/** The GitHub deployment's rows of the summary table. */
function githubRows(github: GithubPlan): string[] {
  const id = github.id ? ` (\`${cell(github.id)}\`)` : "";
  const endpoint = `| GitHub endpoint | ${github.endpoint ? `\`${cell(github.endpoint)}\`` : "(after the first deploy)"} |`;
  if (github.kind === "left") {
    return [`| GitHub deployment \`${cell(github.name)}\` | ${cell(LEFT_IN_PLACE)}${id} |`, endpoint];
  }
  const pins = [
    `repository ${github.repositories.map((r) => `\`${cell(r)}\``).join(", ")}`,
    ...(github.refs.length > 0 ? [`ref ${github.refs.map((r) => `\`${cell(r)}\``).join(", ")}`] : []),
    ...(github.environments.length > 0
      ? [`environment ${github.environments.map((e) => `\`${cell(e)}\``).join(", ")}`]
      : []),
  ];
  return [
    `| GitHub deployment \`${cell(github.name)}\` | ${VERB[github.action]}${id} |`,
    endpoint,
    `| GitHub OIDC | issuer \`${cell(github.issuer)}\`, audience \`${cell(github.audience)}\`; ${pins.join("; ")} |`,
  ];
}

/** The image-only plan as Markdown for the job summary. */
export function renderImageOnlyPlanMarkdown(plan: ImageOnlyPlan): string {
  const { image } = plan;
  return [
    `## usage-api deploy, image only${plan.dryRun ? " (dry run: nothing was changed)" : ""}`,
    "",
    "| | |",
    "|---|---|",
    `| Image | \`${cell(image.reference)}\` |`,
    `| Base | \`${cell(image.base)}\` (\`${cell(image.baseDigest)}\`) |`,
    `| Platforms | ${cell(image.platforms.join(", "))} |`,
    "| Function, deployment | not touched (`image-only: true`) |",
    "",
    "### IAM policy (least privilege)",
    "",
    "```",
    ...plan.iam,
    "```",
    "",
  ].join("\n");
}
