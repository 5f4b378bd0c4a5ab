// The API Gateway control plane's operations (DeploymentClient, GatewayClient, WorkRequestsClient;
// oci-apigateway 2.139.1): gateways (list, get), deployments (create, list, get, update, delete with
// If-Match) and work requests (list, get, errors, logs).
import { apiErrors } from "../core/errors.js";
import type { Route, ServiceRequest } from "../core/pipeline.js";
import {
  checkIfMatch,
  etagOf,
  jsonBody,
  listPage,
  type PagingSettings,
  paginate,
  sortItems,
} from "../core/resources.js";
import { type ApiGatewayModel, DEPLOYMENT_STATES, snapshot } from "./model.js";
import { APIGATEWAY_BASE_PATH } from "./work-requests.js";

export function apiGatewayRoutes(model: ApiGatewayModel, paging: PagingSettings): Route[] {
  return [
    { method: "GET", pattern: /^\/gateways$/, run: (req) => listGateways(model, paging, req) },
    {
      method: "GET",
      pattern: /^\/gateways\/([^/]+)$/,
      run(_req, [id]) {
        const gw = model.gateways.get(id!);
        if (!gw) throw apiErrors.notFound();
        return { status: 200, body: snapshot(gw), headers: { etag: etagOf(gw) } };
      },
    },
    {
      method: "POST",
      pattern: /^\/deployments$/,
      write: "create",
      run: (req) => createDeployment(model, req),
    },
    { method: "GET", pattern: /^\/deployments$/, run: (req) => listDeployments(model, paging, req) },
    {
      method: "GET",
      pattern: /^\/deployments\/([^/]+)$/,
      run(_req, [id]) {
        const stored = model.findDeployment(id!, true);
        return { status: 200, body: snapshot(stored.resource), headers: { etag: stored.etag } };
      },
    },
    {
      method: "PUT",
      pattern: /^\/deployments\/([^/]+)$/,
      write: "update",
      run(req, [id]) {
        const stored = model.findDeployment(id!, false);
        checkIfMatch(req, stored.etag);
        const workRequestId = model.updateDeployment(stored, () => jsonBody(req));
        return { status: 202, headers: { "opc-work-request-id": workRequestId } };
      },
    },
    {
      method: "DELETE",
      pattern: /^\/deployments\/([^/]+)$/,
      write: "delete",
      run(req, [id]) {
        const stored = model.findDeployment(id!, false);
        checkIfMatch(req, stored.etag);
        return { status: 202, headers: { "opc-work-request-id": model.deleteDeployment(stored) } };
      },
    },
    { method: "GET", pattern: /^\/workRequests$/, run: (req) => listWorkRequests(model, paging, req) },
    {
      method: "GET",
      pattern: /^\/workRequests\/([^/]+)$/,
      run(_req, [id]) {
        const wr = model.findWorkRequest(id!);
        return { status: 200, body: snapshot(wr.resource), headers: { etag: etagOf(wr.resource) } };
      },
    },
    {
      method: "GET",
      pattern: /^\/workRequests\/([^/]+)\/(errors|logs)$/,
      run(req, [id, part]) {
        const wr = model.findWorkRequest(id!);
        const { page, headers } = paginate<unknown>(
          part === "errors" ? wr.errors : wr.logs,
          req.query,
          paging,
        );
        return { status: 200, body: { items: snapshot(page) }, headers };
      },
    },
  ];
}

function requiredCompartment(req: ServiceRequest): string {
  const compartmentId = req.query.get("compartmentId");
  if (!compartmentId) throw apiErrors.missing("compartmentId");
  return compartmentId;
}

function listGateways(model: ApiGatewayModel, paging: PagingSettings, req: ServiceRequest) {
  const compartmentId = requiredCompartment(req);
  const displayName = req.query.get("displayName");
  const { page, headers } = listPage(model.gateways.values(), req.query, {
    states: DEPLOYMENT_STATES,
    matches: (g) =>
      g.compartmentId === compartmentId && (displayName === null || g.displayName === displayName),
    sortKeys: { timeCreated: (g) => g.timeCreated, displayName: (g) => g.displayName },
    paging,
  });
  return {
    status: 200,
    body: { items: page.map(({ ipAddresses: _ip, ...summary }) => snapshot(summary)) },
    headers,
  };
}

function createDeployment(model: ApiGatewayModel, req: ServiceRequest) {
  const { stored, workRequestId } = model.createDeployment(jsonBody(req));
  return {
    status: 200,
    body: snapshot(stored.resource),
    headers: {
      etag: stored.etag,
      "opc-work-request-id": workRequestId,
      location: `${APIGATEWAY_BASE_PATH}/deployments/${stored.resource.id}`,
    },
  };
}

function listDeployments(model: ApiGatewayModel, paging: PagingSettings, req: ServiceRequest) {
  const compartmentId = requiredCompartment(req);
  const gatewayId = req.query.get("gatewayId");
  const displayName = req.query.get("displayName");
  const resources = [...model.deployments.values()].map((d) => d.resource);
  const { page, headers } = listPage(resources, req.query, {
    states: DEPLOYMENT_STATES,
    matches: (d) =>
      d.compartmentId === compartmentId &&
      (gatewayId === null || d.gatewayId === gatewayId) &&
      (displayName === null || d.displayName === displayName),
    sortKeys: { timeCreated: (d) => d.timeCreated, displayName: (d) => d.displayName },
    paging,
  });
  return {
    status: 200,
    body: { items: page.map(({ specification: _spec, ...summary }) => snapshot(summary)) },
    headers,
  };
}

function listWorkRequests(model: ApiGatewayModel, paging: PagingSettings, req: ServiceRequest) {
  const compartmentId = requiredCompartment(req);
  const resourceId = req.query.get("resourceId");
  const items = [...model.workRequests.values()]
    .map((w) => w.resource)
    .filter(
      (w) =>
        w.compartmentId === compartmentId &&
        (resourceId === null || w.resources.some((x) => x.identifier === resourceId)),
    );
  const sorted = sortItems(items, req.query, { timeAccepted: (w) => w.timeAccepted });
  const { page, headers } = paginate(sorted, req.query, paging);
  // The SDK's WorkRequestSummary names the id `workRequestId`; `id` is kept too.
  const body = page.map(({ resources: _r, ...w }) => ({ ...snapshot(w), workRequestId: w.id }));
  return { status: 200, body: { items: body }, headers };
}
