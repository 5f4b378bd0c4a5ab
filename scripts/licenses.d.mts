import type { Metafile } from "esbuild";
export interface BundledPackage {
  name: string;
  version: string;
  license: string;
  text: string | undefined;
}
export function packageDir(input: string): string | undefined;
export function bundledPackages(metafile: Metafile, cwd?: string): BundledPackage[];
export function renderLicenses(bundle: string, packages: BundledPackage[]): string;
