// The least-privilege IAM policy this setup needs (pure), written for the compartments and resources of the
// actual run. Three principals: the function (a dynamic group, resource principal) reads usage; API Gateway
// invokes the function; the deployer (a group holding the API-key user) pushes the image and manages exactly
// the function and deployment resource types it touches. Never `manage all-resources`.

interface IamContext {
  tenancyId: string;
  /** Compartment of the Functions application (the function lives there too). */
  functionCompartmentId: string;
  /** Compartment of the gateway deployment. */
  deploymentCompartmentId: string;
  /** Compartment of the gateway; `use api-gateways` is checked there. */
  gatewayCompartmentId: string;
  /** OCIR repository name (without the namespace). */
  repository: string;
  /** The function's OCID when known (after the first deploy): the dynamic group then matches only it. */
  functionId?: string;
  /** Group of the deploying user; default UsageApiDeployers. */
  deployerGroup?: string;
  /** Dynamic group of the function; default UsageApiFunction. */
  dynamicGroup?: string;
}

export interface IamPolicy {
  /** The dynamic group's matching rule (created under Identity > Domains > Dynamic groups). */
  dynamicGroupRule: string;
  /** Policy statements, each one line, grouped by who they are for. */
  sections: Array<{ title: string; statements: string[] }>;
}

export const DEFAULT_DEPLOYER_GROUP = "UsageApiDeployers";
const DEFAULT_DYNAMIC_GROUP = "UsageApiFunction";

/** `tenancy` for the root compartment, else `compartment id <ocid>` (valid policy syntax, no name lookup). */
export function compartmentClause(compartmentId: string, tenancyId: string): string {
  return compartmentId === tenancyId || compartmentId.startsWith("ocid1.tenancy.")
    ? "tenancy"
    : `compartment id ${compartmentId}`;
}

export function iamPolicy(ctx: IamContext): IamPolicy {
  const group = ctx.deployerGroup ?? DEFAULT_DEPLOYER_GROUP;
  const dg = ctx.dynamicGroup ?? DEFAULT_DYNAMIC_GROUP;
  const fnIn = compartmentClause(ctx.functionCompartmentId, ctx.tenancyId);
  const deploymentIn = compartmentClause(ctx.deploymentCompartmentId, ctx.tenancyId);
  const gatewayIn = compartmentClause(ctx.gatewayCompartmentId, ctx.tenancyId);
  const repo = ctx.repository.replace(/'/g, "");
  const dynamicGroupRule = ctx.functionId
    ? `ALL {resource.type = 'fnfunc', resource.id = '${ctx.functionId}'}`
    : `ALL {resource.type = 'fnfunc', resource.compartment.id = '${ctx.functionCompartmentId}'}`;

  const deployerGateway = [
    `Allow group ${group} to use api-gateways in ${gatewayIn}`,
    `Allow group ${group} to manage api-deployments in ${deploymentIn}`,
    `Allow group ${group} to read api-workrequests in ${deploymentIn}`,
  ];
  if (deploymentIn !== gatewayIn)
    deployerGateway.push(`Allow group ${group} to read api-workrequests in ${gatewayIn}`);

  return {
    dynamicGroupRule,
    sections: [
      {
        title: `The function reads usage as a resource principal (dynamic group ${dg})`,
        statements: [`Allow dynamic-group ${dg} to read usage-report in tenancy`],
      },
      {
        title: "API Gateway may invoke the function",
        statements: [
          `Allow any-user to use functions-family in ${fnIn} where ALL {request.principal.type = 'ApiGateway', request.resource.compartment.id = '${ctx.gatewayCompartmentId}'}`,
        ],
      },
      {
        title: "The Functions service pulls the image",
        statements: ["Allow service faas to read repos in tenancy"],
      },
      {
        title: `The deployer (group ${group}, holding the API-key user)`,
        statements: [
          `Allow group ${group} to read objectstorage-namespaces in tenancy`,
          `Allow group ${group} to manage repos in tenancy where target.repo.name = '${repo}'`,
          `Allow group ${group} to read fn-app in ${fnIn}`,
          `Allow group ${group} to manage fn-function in ${fnIn}`,
          ...deployerGateway,
        ],
      },
    ],
  };
}

/** The policy as plain text: the dynamic group rule, then the statements under `#` headings. */
export function renderIamPolicy(policy: IamPolicy, dynamicGroup = DEFAULT_DYNAMIC_GROUP): string[] {
  const lines = [`# Dynamic group ${dynamicGroup}, matching rule:`, policy.dynamicGroupRule];
  for (const section of policy.sections) {
    lines.push(`# ${section.title}`, ...section.statements);
  }
  return lines;
}
