// The action's entry logic: read the command, dispatch, and turn any failure into one line.
import * as core from "@actions/core";
import { loadFuncYaml } from "./deploy/assets.js";
import { createDeployDeps, runDeploy } from "./deploy/index.js";
import { readDeployInputs } from "./deploy/inputs.js";
import { InputError, oneLine } from "./lib/errors.js";
import { maskSecret } from "./lib/mask.js";
import { createActionDeps, runReport } from "./report/index.js";
import { COMMAND_INPUT, readReportInputs } from "./report/inputs.js";
import { createSetupDeps, runSetup } from "./setup/index.js";
import { readSetupInputs } from "./setup/inputs.js";

export const COMMANDS = ["report", "deploy", "setup"] as const;

/** Never throws: every failure ends in one core.setFailed line. */
export async function run(): Promise<void> {
  try {
    const command = core.getInput(COMMAND_INPUT).trim().toLowerCase();
    switch (command) {
      case "report": {
        const inputs = readReportInputs((name) => core.getInput(name), {
          now: new Date(),
          setSecret: (value) => core.setSecret(value),
        });
        await runReport(inputs, createActionDeps());
        return;
      }
      case "deploy": {
        const inputs = readDeployInputs((name) => core.getInput(name), {
          setSecret: (value) => maskSecret(value),
          funcYaml: await loadFuncYaml(),
          env: process.env,
        });
        await runDeploy(inputs, createDeployDeps());
        return;
      }
      case "setup": {
        const inputs = readSetupInputs((name) => core.getInput(name), {
          mask: (value) => maskSecret(value),
          env: process.env,
        });
        await runSetup(inputs, createSetupDeps());
        return;
      }
      case "":
        throw new InputError(COMMAND_INPUT, "is required; use report, deploy or setup");
      default:
        throw new InputError(
          COMMAND_INPUT,
          `'${oneLine(command).slice(0, 40)}' is not a command; use report, deploy or setup`,
        );
    }
  } catch (err) {
    core.setFailed(oneLine(err));
  }
}
