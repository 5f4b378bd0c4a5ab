export interface ActionInput {
  name: string;
  section: string;
  description: string;
  required: boolean;
  default: string | undefined;
}
export interface ActionOutput {
  name: string;
  description: string;
}
export interface ActionYml {
  inputs: ActionInput[];
  outputs: ActionOutput[];
  runs: Record<string, string>;
}
export function readActionYml(text?: string): ActionYml;
export function renderTables(action?: ActionYml): string;
export function readmeWithTables(readme: string, tables?: string): string;
