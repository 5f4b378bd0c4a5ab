// Every test file: load Node's fetch before any module imports the undici package (see src/lib/fetch-first.ts).
import "../../src/lib/fetch-first.js";
