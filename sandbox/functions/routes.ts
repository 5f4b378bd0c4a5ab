// The Functions control plane's operations (FunctionsManagementClient, oci-functions 2.139.1): applications
// (list, get) and functions (create, list, get, update with If-Match, delete).
import { apiErrors } from "../core/errors.js";
import type { Route, ServiceRequest } from "../core/pipeline.js";
import { checkIfMatch, etagOf, jsonBody, listPage, type PagingSettings } from "../core/resources.js";
import { type FunctionResource, type FunctionsModel, LIFECYCLE_STATES, snapshot } from "./model.js";

const summaryOf = (r: FunctionResource) => {
  const { config: _config, ...summary } = r;
  return summary;
};

export function functionsRoutes(model: FunctionsModel, paging: PagingSettings): Route[] {
  const answer = (stored: { resource: FunctionResource; etag: string }) => ({
    status: 200,
    body: snapshot(stored.resource),
    headers: { etag: stored.etag },
  });
  return [
    { method: "GET", pattern: /^\/applications$/, run: (req) => listApplications(model, paging, req) },
    {
      method: "GET",
      pattern: /^\/applications\/([^/]+)$/,
      run(_req, [id]) {
        const app = model.findApplication(id!);
        return { status: 200, body: snapshot(app), headers: { etag: etagOf(app) } };
      },
    },
    {
      method: "POST",
      pattern: /^\/functions$/,
      write: "create",
      run(req) {
        const stored = model.createFunction(jsonBody(req));
        model.startCreate(stored);
        return answer(stored);
      },
    },
    { method: "GET", pattern: /^\/functions$/, run: (req) => listFunctions(model, paging, req) },
    {
      method: "GET",
      pattern: /^\/functions\/([^/]+)$/,
      run: (_req, [id]) => answer(model.findFunction(id!, { deletedVisible: true })),
    },
    {
      method: "PUT",
      pattern: /^\/functions\/([^/]+)$/,
      write: "update",
      run(req, [id]) {
        const stored = model.findFunction(id!, { deletedVisible: false });
        checkIfMatch(req, stored.etag);
        model.updateFunction(stored, () => jsonBody(req));
        return answer(stored);
      },
    },
    {
      method: "DELETE",
      pattern: /^\/functions\/([^/]+)$/,
      write: "delete",
      run(req, [id]) {
        const stored = model.findFunction(id!, { deletedVisible: false });
        checkIfMatch(req, stored.etag);
        model.deleteFunction(stored);
        return { status: 204 };
      },
    },
  ];
}

function listApplications(model: FunctionsModel, paging: PagingSettings, req: ServiceRequest) {
  const compartmentId = req.query.get("compartmentId");
  if (!compartmentId) throw apiErrors.missing("compartmentId");
  const displayName = req.query.get("displayName");
  const id = req.query.get("id");
  const { page, headers } = listPage(model.listApplications(), req.query, {
    states: LIFECYCLE_STATES,
    matches: (a) =>
      a.compartmentId === compartmentId &&
      (displayName === null || a.displayName === displayName) &&
      (id === null || a.id === id),
    sortKeys: { timeCreated: (a) => a.timeCreated, displayName: (a) => a.displayName, id: (a) => a.id },
    paging,
  });
  return { status: 200, body: page.map(({ config: _config, ...summary }) => snapshot(summary)), headers };
}

function listFunctions(model: FunctionsModel, paging: PagingSettings, req: ServiceRequest) {
  const applicationId = req.query.get("applicationId");
  if (!applicationId) throw apiErrors.missing("applicationId");
  model.findApplication(applicationId);
  const displayName = req.query.get("displayName");
  const id = req.query.get("id");
  const { page, headers } = listPage(model.listFunctions(), req.query, {
    states: LIFECYCLE_STATES,
    matches: (f) =>
      f.applicationId === applicationId &&
      (displayName === null || f.displayName === displayName) &&
      (id === null || f.id === id),
    sortKeys: { timeCreated: (f) => f.timeCreated, displayName: (f) => f.displayName, id: (f) => f.id },
    paging,
  });
  return { status: 200, body: page.map((f) => snapshot(summaryOf(f))), headers };
}
