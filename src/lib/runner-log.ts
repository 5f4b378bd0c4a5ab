// The runner's log as every command writes it: lines, warnings and collapsible groups (@actions/core).
import * as core from "@actions/core";

export const runnerLog = {
  info: (line: string): void => core.info(line),
  warning: (line: string): void => core.warning(line),
  group: <T>(name: string, fn: () => Promise<T>): Promise<T> => core.group(name, fn),
};
