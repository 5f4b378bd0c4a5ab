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

const COMMANDS = ["report", "deploy", "setup"] as const;
const USE_A_COMMAND = `use ${COMMANDS.slice(0, -1).join(", ")} or ${COMMANDS[COMMANDS.length - 1]}`;

/** Never throws: every failure ends in one core.setFailed line. */
export async function run(): Promise<void> {
  try {
    const command = core.getInput(COMMAND_INPUT).trim().toLowerCase();
    switch (command) {
      case "report": {
        const inputs = readReportInputs((name) => core.getInput(name), {
          now: new Date(),
          setSecret: maskSecret,
        });
        await runReport(inputs, createActionDeps(maskSecret));
        return;
      }
      case "deploy": {
        const inputs = readDeployInputs((name) => core.getInput(name), {
          setSecret: maskSecret,
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
        throw new InputError(COMMAND_INPUT, `is required; ${USE_A_COMMAND}`);
      default:
        throw new InputError(
          COMMAND_INPUT,
          `'${oneLine(command).slice(0, 40)}' is not a command; ${USE_A_COMMAND}`,
        );
    }
  } catch (err) {
    core.setFailed(oneLine(err));
  }
}
