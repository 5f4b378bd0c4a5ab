// A failing SDK call, as the sandbox tests make many: the SDK's retrier reports it with console.warn, and the
// test setup (test/setup/quiet-sdk.ts) keeps that block off stderr. test/integration/quiet-sdk-stderr.test.ts
// runs this file and reads its stderr.
import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as common from "oci-common";
import { FunctionsManagementClient } from "oci-functions";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

let server: Server;
let client: FunctionsManagementClient;

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(404, { "content-type": "application/json", "opc-request-id": "quiet-sdk" });
    res.end(
      JSON.stringify({
        code: "NotAuthorizedOrNotFound",
        message: "Authorization failed or requested resource not found.",
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const provider = new common.SimpleAuthenticationDetailsProvider(
    "ocid1.tenancy.oc1..quiet",
    "ocid1.user.oc1..quiet",
    "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff",
    privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    null,
    common.Region.US_ASHBURN_1,
  );
  client = new FunctionsManagementClient({ authenticationDetailsProvider: provider });
  client.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  client.close();
  await new Promise((resolve) => server.close(resolve));
});

describe("an SDK call that fails", () => {
  it("rejects with the service's error, and the retrier's warning goes no further than console.warn", async () => {
    const warn = vi.spyOn(console, "warn");
    const call = client.getApplication({ applicationId: "ocid1.fnapp.oc1..missing" });
    await expect(call).rejects.toMatchObject({ statusCode: 404, serviceCode: "NotAuthorizedOrNotFound" });
    expect(warn.mock.calls.map((args) => String(args[0]))).toEqual([
      expect.stringMatching(/^Request cannot be retried\. Not Retrying\./),
    ]);
  });
});
