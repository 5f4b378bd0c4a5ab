export function buildFunction(
  outdir?: string,
): Promise<{ outfile: string; metafile: import("esbuild").Metafile }>;
export function buildAction(
  outdir?: string,
): Promise<{ outfile: string; metafile: import("esbuild").Metafile } | null>;
/** oci-usageapi's model index source with each model a getter (throws on an index of another form). */
export function lazyModelIndex(source: string): string;
