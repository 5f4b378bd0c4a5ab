import "./lib/fetch-first.js";
import { run } from "./main.js";

await run();
