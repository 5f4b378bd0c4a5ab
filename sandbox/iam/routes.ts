// The Identity API's operations (IdentityClient, oci-identity 2.139.1), the same four for each kind: List,
// Create, Get and Update (with If-Match) of dynamic groups and policies.
import { apiErrors } from "../core/errors.js";
import type { Route } from "../core/pipeline.js";
import { checkIfMatch, jsonBody, listPage, type PagingSettings } from "../core/resources.js";
import type { IamResource } from "./kinds.js";
import type { IamStore, Stored } from "./model.js";

const STATES = ["CREATING", "ACTIVE", "INACTIVE", "DELETING", "DELETED"];

const answer = <T>(stored: Stored<T & IamResource>) => ({
  status: 200,
  body: structuredClone(stored.resource),
  headers: { etag: stored.etag },
});

export function iamRoutes<T extends IamResource>(store: IamStore<T>, paging: PagingSettings): Route[] {
  const base = new RegExp(`^/${store.kind.path}$`);
  const one = new RegExp(`^/${store.kind.path}/([^/]+)$`);
  return [
    {
      method: "GET",
      pattern: base,
      run(req) {
        const compartmentId = req.query.get("compartmentId");
        if (!compartmentId) throw apiErrors.missing("compartmentId");
        const name = req.query.get("name");
        const { page, headers } = listPage(
          [...store.items.values()].map((s) => s.resource),
          req.query,
          {
            states: STATES,
            matches: (r) => r.compartmentId === compartmentId && (name === null || r.name === name),
            sortKeys: { TIMECREATED: (r) => r.timeCreated, NAME: (r) => r.name.toLowerCase() },
            paging,
          },
        );
        return { status: 200, body: structuredClone(page), headers };
      },
    },
    { method: "POST", pattern: base, write: "create", run: (req) => answer(store.create(jsonBody(req))) },
    { method: "GET", pattern: one, run: (_req, [id]) => answer(store.find(id!)) },
    {
      method: "PUT",
      pattern: one,
      write: "update",
      run(req, [id]) {
        const stored = store.find(id!);
        checkIfMatch(req, stored.etag);
        store.update(stored, jsonBody(req));
        return answer(stored);
      },
    },
  ];
}
