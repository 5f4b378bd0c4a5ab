// The entry of the local command's bundle (dist/cli.js, the package's `bin`).
import "./lib/fetch-first.js";
import { readFile } from "node:fs/promises";
import { runCli } from "./cli.js";
import { loadOciProfile } from "./oci/config-file.js";

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  readFile: (path) => readFile(path, "utf8"),
  loadProfile: (configFile, profile) => loadOciProfile(configFile, profile),
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
