export function buildFunction(
  outdir?: string,
): Promise<{ outfile: string; metafile: import("esbuild").Metafile }>;
export function buildAction(
  outdir?: string,
): Promise<{ outfile: string; metafile: import("esbuild").Metafile } | null>;
