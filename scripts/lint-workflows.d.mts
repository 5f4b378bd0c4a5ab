import type { YamlBlock } from "./markdown-yaml.mjs";
export interface WorkflowSource {
  name: string;
  firstLine: number;
  text: string;
}
export function workflowSources(): WorkflowSource[];
export function asWorkflow(block: YamlBlock): WorkflowSource;
export function lintWorkflow(source: WorkflowSource): Promise<string[]>;
