// Every test file: tests that call the sandbox through SDK clients of their own (refusals, bad page tokens,
// stale ETags) expect those failures; the SDK's retrier would print each as a console.warn block that reads
// like a failing test. The action's own clients are quieted the same way (src/oci/clients.ts).
import { quietSdkRetrierWarnings } from "../../src/oci/sdk-warnings.js";

quietSdkRetrierWarnings();
