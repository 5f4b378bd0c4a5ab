export function buildFunction(
  outdir?: string,
): Promise<{ outfile: string; metafile: import("esbuild").Metafile }>;
export function buildAction(
  outdir?: string,
): Promise<{ outfile: string; metafile: import("esbuild").Metafile } | null>;
/**
 * oci-usageapi's model index source with each model a getter, those outside `kept` (when given) refusing
 * (throws on an index of another form).
 */
export function lazyModelIndex(source: string, kept?: ReadonlySet<string>): string;
/** The UsageapiClient operations the function bundle carries. */
export const KEPT_OPERATIONS: readonly string[];
/** oci-usageapi's client.js source with the operations outside `kept` refusing (throws on another form). */
export function operationsOnly(source: string, kept?: readonly string[]): string;
/** The model names a client source reaches, directly and through the models it names. */
export function reachableModels(modelDir: string, clientSource: string): Promise<Set<string>>;
