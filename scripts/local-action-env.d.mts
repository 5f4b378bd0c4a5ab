export function envValue(text: string, name: string): string | undefined;
export function writeSandboxEnv(options: {
  endpointsFile: string;
  out: string;
  base?: string;
}): Promise<string>;
