// The function's sources are ES modules and the bundle is CommonJS: the build defines import.meta.url as
// this, the bundle file's own URL (usage.ts makes a require from it).
export const import_meta_url = require("node:url").pathToFileURL(__filename).href;
