import type { YamlBlock } from "./markdown-yaml.mjs";
export interface WorkflowSource {
  name: string;
  firstLine: number;
  /** Columns the text is shifted right by, against the Markdown (a fragment re-indented as a job's steps). */
  columnShift?: number;
  text: string;
}
export function workflowSources(): WorkflowSource[];
export function asWorkflow(block: YamlBlock): WorkflowSource;
export function lintWorkflow(source: WorkflowSource): Promise<string[]>;
