// The Usage API's answers: aggregated once per query (a small LRU), cut into pages with opaque tokens bound
// to the query, and the next page serialised ahead while the client reads the current one.
import { createHash } from "node:crypto";
import { type CompactSummary, InvalidQueryError, summarizeCompact } from "./aggregate.js";
import type { Dataset } from "./dataset.js";
import { withForecast } from "./forecast.js";
import { invalid, type ParsedQuery } from "./request.js";

const CACHE_ENTRIES = 8;
/** Items serialised per turn of the event loop while a page is prepared ahead. */
const PREPARE_SLICE = 500;

/** A tiny LRU of aggregated answers, so paging a large answer aggregates it once. */
class AnswerCache {
  private readonly entries = new Map<string, CompactSummary>();
  get(key: string): CompactSummary | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }
  set(key: string, value: CompactSummary): void {
    this.entries.set(key, value);
    while (this.entries.size > CACHE_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }
}

const queryHash = (canonical: string): string =>
  createHash("sha256").update(canonical).digest("base64url").slice(0, 16);
const pageToken = (offset: number, hash: string): string =>
  Buffer.from(`${offset}.${hash}`).toString("base64url");

function pageOffset(token: string, hash: string, length: number): number {
  const text = Buffer.from(token, "base64url").toString("utf8");
  // Base64 decoding skips stray characters; only a canonical encoding is a token of ours.
  if (Buffer.from(text).toString("base64url") !== token) throw invalid("Invalid page token"); // unconfirmed text
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{16})$/.exec(text);
  if (!m || m[2] !== hash || Number(m[1]) > length) throw invalid("Invalid page token"); // unconfirmed text
  return Number(m[1]);
}

/**
 * The JSON body of one page, exactly as JSON.stringify({ groupBy, items }) writes it, from the items'
 * text (no item objects built).
 */
function pageBody(answer: CompactSummary, offset: number, limit: number): Buffer {
  return Buffer.from(
    `{"groupBy":${JSON.stringify(answer.groupBy)},"items":[${answer.itemsJson(offset, limit)}]}`,
  );
}

/** The same body, written a slice at a time so the event loop (the gateway shares it) keeps turning. */
async function pageBodyInSlices(answer: CompactSummary, offset: number, limit: number): Promise<Buffer> {
  const end = Math.min(offset + limit, answer.length);
  const parts: string[] = [];
  for (let at = offset; at < end; at += PREPARE_SLICE) {
    const items = answer.itemsJson(at, Math.min(PREPARE_SLICE, end - at));
    if (items !== "") parts.push(items);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return Buffer.from(`{"groupBy":${JSON.stringify(answer.groupBy)},"items":[${parts.join(",")}]}`);
}

/** The answers of one Usage API: the summary cache and the one page prepared ahead. */
export class UsagePages {
  private readonly cache = new AnswerCache();
  // The next page of the last answer, serialised ahead while the client handles the current one (the
  // data set is deterministic, so the bytes are the same as building it on request). One slot.
  private readonly prepared = new Map<string, { key: string; body: Promise<Buffer> }>();

  constructor(
    private readonly dataset: Dataset,
    private readonly currencyWithGroupBy: boolean,
  ) {}

  /** The page of `query` at `token` (the first page without one), and its opc-next-page header. */
  async page(
    query: ParsedQuery,
    token: string | null,
    limit: number,
  ): Promise<{ body: Buffer; headers: Record<string, string> }> {
    const hash = queryHash(query.canonical);
    const answer = this.summary(query);
    const offset = token === null ? 0 : pageOffset(token, hash, answer.length);
    const next = Math.min(offset + limit, answer.length);
    const key = `${hash}/${offset}/${limit}`;
    const slot = this.prepared.get(hash);
    const ready = slot?.key === key ? slot.body : undefined;
    this.prepared.delete(hash);
    const body = ready ? await ready : pageBody(answer, offset, limit);
    const headers: Record<string, string> = {};
    if (next < answer.length) {
      headers["opc-next-page"] = pageToken(next, hash);
      this.prepare(hash, `${hash}/${next}/${limit}`, answer, next, limit);
    }
    return { body, headers };
  }

  private summary(query: ParsedQuery): CompactSummary {
    let answer = this.cache.get(query.canonical);
    if (!answer) {
      try {
        answer = summarizeCompact(this.dataset, query.details, {
          currencyWithGroupBy: this.currencyWithGroupBy,
        });
        if (query.forecast) answer = withForecast(this.dataset, query.details, answer, query.forecast);
      } catch (err) {
        if (err instanceof InvalidQueryError) throw invalid(err.message);
        throw err;
      }
      this.cache.set(query.canonical, answer);
    }
    return answer;
  }

  private prepare(hash: string, key: string, answer: CompactSummary, offset: number, limit: number): void {
    const body = pageBodyInSlices(answer, offset, limit);
    body.catch(() => {});
    this.prepared.set(hash, { key, body });
    while (this.prepared.size > CACHE_ENTRIES) this.prepared.delete(this.prepared.keys().next().value!);
  }
}
