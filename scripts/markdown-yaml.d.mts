export interface YamlBlock {
  file: string;
  line: number;
  text: string;
}
export function documentedFiles(): string[];
export function yamlBlocks(file: string, text?: string): YamlBlock[];
export function dedent(text: string): string;
export function isWorkflow(text: string): boolean;
