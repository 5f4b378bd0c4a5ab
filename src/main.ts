// The action's entry logic: read the command, dispatch, and turn any failure into one line. Each command's
// code is imported only when that command runs: the bundle splits them into chunks, so a report run does not
// load the SDK clients of deploy and setup (oci-identitydomains alone is about 4 MB).
import * as core from "@actions/core";
import { InputError, oneLine } from "./lib/errors.js";
import { maskSecret } from "./lib/mask.js";
import { COMMAND_INPUT, readReportInputs } from "./report/inputs.js";

const COMMANDS = ["report", "deploy", "setup"] as const;
const USE_A_COMMAND = `use ${COMMANDS.slice(0, -1).join(", ")} or ${COMMANDS[COMMANDS.length - 1]}`;

/** Never throws: every failure ends in one core.setFailed line. */
export async function run(): Promise<void> {
  try {
    const command = core.getInput(COMMAND_INPUT).trim().toLowerCase();
    switch (command) {
      case "report": {
        const { actionNow, createActionDeps, runReport } = await import("./report/index.js");
        const inputs = readReportInputs((name) => core.getInput(name), {
          now: new Date(actionNow()()),
          setSecret: maskSecret,
        });
        await runReport(inputs, createActionDeps(maskSecret));
        return;
      }
      case "deploy": {
        const { loadFuncYaml } = await import("./deploy/assets.js");
        const { readDeployInputs } = await import("./deploy/inputs.js");
        const { createDeployDeps, runDeploy } = await import("./deploy/index.js");
        const { sessionDeps, signInInputs } = await import("./oci/sign-in.js");
        const read = readDeployInputs((name) => core.getInput(name), {
          setSecret: maskSecret,
          funcYaml: await loadFuncYaml(),
          env: process.env,
        });
        const inputs = await signInInputs(read, sessionDeps(maskSecret));
        await runDeploy(inputs, createDeployDeps());
        return;
      }
      case "setup": {
        const { readSetupInputs } = await import("./setup/inputs.js");
        const { createSetupDeps, runSetup } = await import("./setup/index.js");
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
