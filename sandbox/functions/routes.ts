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
        model.applyConcurrentEdit(stored);
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

/** A List call of resources named in a parent: `displayName` and `id` filters, sorted by time, name or id. */
function listNamed<
  T extends { id: string; displayName: string; lifecycleState: string; timeCreated: string },
>(items: Iterable<T>, req: ServiceRequest, paging: PagingSettings, inParent: (item: T) => boolean) {
  const displayName = req.query.get("displayName");
  const id = req.query.get("id");
  return listPage(items, req.query, {
    states: LIFECYCLE_STATES,
    matches: (x) =>
      inParent(x) && (displayName === null || x.displayName === displayName) && (id === null || x.id === id),
    sortKeys: { timeCreated: (x) => x.timeCreated, displayName: (x) => x.displayName, id: (x) => x.id },
    paging,
  });
}

function listApplications(model: FunctionsModel, paging: PagingSettings, req: ServiceRequest) {
  const compartmentId = req.query.get("compartmentId");
  if (!compartmentId) throw apiErrors.missing("compartmentId");
  const { page, headers } = listNamed(
    model.listApplications(),
    req,
    paging,
    (a) => a.compartmentId === compartmentId,
  );
  return { status: 200, body: page.map(({ config: _config, ...summary }) => snapshot(summary)), headers };
}

function listFunctions(model: FunctionsModel, paging: PagingSettings, req: ServiceRequest) {
  const applicationId = req.query.get("applicationId");
  if (!applicationId) throw apiErrors.missing("applicationId");
  model.findApplication(applicationId);
  const { page, headers } = listNamed(
    model.listFunctions(),
    req,
    paging,
    (f) => f.applicationId === applicationId,
  );
  return { status: 200, body: page.map((f) => snapshot(summaryOf(f))), headers };
}
