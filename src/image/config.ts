// The image config of a function image: the base config plus one layer, like ggcr's mutate.Append, and the
// Fn runtime settings the fn CLI's Dockerfile gives (WORKDIR /function, ENTRYPOINT ["node","func.js"]).
// Pure: a new object, the base is not touched; the serialisation keeps the base's key order.

interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

interface ContainerConfig {
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string> | null;
  [key: string]: unknown;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  config?: ContainerConfig;
  rootfs: { type: string; diff_ids: string[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

/** The fixed time of every function image (ko's choice: reproducible images are "created in 1970"). */
export const EPOCH = "1970-01-01T00:00:00Z";

interface FunctionConfigOptions {
  /** diff_id (sha256 of the uncompressed tar) of the appended layer. */
  diffId: string;
  workingDir?: string;
  entrypoint?: string[];
  /** RFC 3339 time for `created` and the history entry; default 1970-01-01T00:00:00Z. */
  created?: string;
  /** `created_by` of the history entry. */
  createdBy?: string;
  comment?: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parse a config blob, checking the fields the mutation relies on. */
export function parseConfig(bytes: Uint8Array): ImageConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw new ConfigError("the base image config is not JSON");
  }
  const config = parsed as Partial<ImageConfig>;
  if (typeof config !== "object" || config === null)
    throw new ConfigError("the base image config is not an object");
  if (typeof config.os !== "string" || typeof config.architecture !== "string") {
    throw new ConfigError("the base image config has no os/architecture");
  }
  if (!config.rootfs || !Array.isArray(config.rootfs.diff_ids)) {
    throw new ConfigError("the base image config has no rootfs.diff_ids");
  }
  return config as ImageConfig;
}

/** `SOURCE_DATE_EPOCH` (seconds) as an RFC 3339 time, or the 1970 epoch. */
export function createdFromSourceDateEpoch(value: string | undefined): string {
  if (value === undefined || value.trim() === "") return EPOCH;
  if (!/^\d+$/.test(value.trim()))
    throw new ConfigError(`SOURCE_DATE_EPOCH ${JSON.stringify(value)} is not whole seconds`);
  return new Date(Number(value.trim()) * 1000).toISOString().replace(/\.000Z$/, "Z");
}

/**
 * The base config with the function layer appended: diff_id and a history entry added, WorkingDir and
 * Entrypoint set, Cmd removed (a Dockerfile ENTRYPOINT resets the inherited CMD; fnproject/node has
 * CMD ["node"], which would otherwise run `node func.js node`), `created` fixed. Env, os, architecture,
 * variant and everything else stay as they are.
 */
export function functionConfig(base: ImageConfig, options: FunctionConfigOptions): ImageConfig {
  if (!/^sha256:[a-f0-9]{64}$/.test(options.diffId))
    throw new ConfigError(`diff_id ${options.diffId} is not a sha256 digest`);
  const created = options.created ?? EPOCH;
  const copy = structuredClone(base);
  const inner: ContainerConfig = { ...(copy.config ?? {}) };
  inner.WorkingDir = options.workingDir ?? "/function";
  inner.Entrypoint = [...(options.entrypoint ?? ["node", "func.js"])];
  delete inner.Cmd;
  const entry: HistoryEntry = {
    created,
    created_by: options.createdBy ?? "usage-api-action: function layer",
  };
  if (options.comment !== undefined) entry.comment = options.comment;
  copy.config = inner;
  copy.created = created;
  copy.rootfs = { ...copy.rootfs, diff_ids: [...copy.rootfs.diff_ids, options.diffId] };
  copy.history = [...(copy.history ?? []), entry];
  return copy;
}

/** The exact bytes pushed: compact JSON, keys in the order they came (base order, then additions). */
export function serializeConfig(config: ImageConfig): Buffer {
  return Buffer.from(JSON.stringify(config));
}
