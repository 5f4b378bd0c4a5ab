import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  createSetupDeps,
  runSetup
} from "./chunk-5GNACLN4.js";
import "./chunk-R77YOO5S.js";
import "./chunk-AOM77KA5.js";
import "./chunk-BUR4R7A2.js";
import "./chunk-LWWDIQQV.js";
import "./chunk-4B74Y4DT.js";
import "./chunk-J4JFFB6M.js";
import "./chunk-QRUMXL3U.js";
import "./chunk-P363C6LX.js";
import "./chunk-AZMSNUSO.js";
import "./chunk-X67DKTTP.js";
import "./chunk-TEULXIZG.js";
import "./chunk-OUAI6Q5P.js";
export {
  createSetupDeps,
  runSetup
};
