// Route tables: every emulated service lists its operations as (method, path pattern) rows, matched in order.

interface RouteRow {
  /** The one method the row serves; undefined serves every method (the handler sorts them out). */
  method?: string;
  /** Matched against the service's path; capture groups become the route's params. */
  pattern: RegExp;
}

type RouteMatch<R> = { route: R; params: string[] } | "method-not-allowed" | undefined;

/**
 * The first row whose pattern and method both match; "method-not-allowed" when some pattern matched but none
 * with this method; undefined when no pattern matched.
 */
export function matchRoute<R extends RouteRow>(
  routes: readonly R[],
  method: string,
  path: string,
): RouteMatch<R> {
  let pathMatched = false;
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (route.method === undefined || route.method === method) return { route, params: m.slice(1) };
  }
  return pathMatched ? "method-not-allowed" : undefined;
}
