// The SDK's retrier (oci-common's GenericRetrier) reports every failed call with console.warn, not through
// the SDK's logger, so no logger setting reaches it. Deploy and setup set that retrier to one attempt and
// report each failure once, in one line of their own; these multi-line blocks (network errors as "[object
// Object]") would only repeat it. No SDK import here: test setup installs it in every test file cheaply.

/** The SDK retrier's console.warn lines (its retries are off; ours log each attempt in their own words). */
const SDK_RETRIER_LINES =
  /^(Request cannot be retried|All retry attempts have exhausted|Request failed with Exception)/;
let quieted = false;

export function quietSdkRetrierWarnings(): void {
  if (quieted) return;
  quieted = true;
  const original = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === "string" && SDK_RETRIER_LINES.test(args[0])) return;
    original(...args);
  };
}
