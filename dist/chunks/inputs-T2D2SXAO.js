import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  COMMAND_INPUT,
  DEFAULTS,
  INPUTS,
  OUTPUTS,
  readReportInputs
} from "./chunk-5IGGSSTR.js";
import "./chunk-GCDNQKBZ.js";
import "./chunk-BDIMR6XZ.js";
import "./chunk-UF4WGPFS.js";
export {
  COMMAND_INPUT,
  DEFAULTS,
  INPUTS,
  OUTPUTS,
  readReportInputs
};
