import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  loadFuncYaml,
  readFunctionBundle
} from "./chunk-JYRVYXJD.js";
import "./chunk-OUAI6Q5P.js";
export {
  loadFuncYaml,
  readFunctionBundle
};
