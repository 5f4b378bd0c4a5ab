// The peer of bench/peers.ts: a month of usage fetched the way a user would script it with the oci-sdk, a
// UsageapiClient paging loop (requestSummarizedUsages, following opc-next-page) signed with an API key from
// an OCI config file, each page's rows written to a CSV file by csv-stringify's stream. Plain JavaScript, run
// with `node` as a user's script would be, no build step.
//
// node bench/peer-sdk-loop.mjs CONFIG_FILE USAGE_API_URL TENANCY START END GRANULARITY GROUP_BY OUT.csv
// prints "rows N pages P" on stdout.
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import { stringify } from "csv-stringify";
import * as common from "oci-common";
import { UsageapiClient } from "oci-usageapi";

const [configFile, endpoint, tenantId, start, end, granularity, groupBy, out] = process.argv.slice(2);
const COLUMNS = [
  "timeUsageStarted",
  "timeUsageEnded",
  ...groupBy.split(","),
  "computedAmount",
  "computedQuantity",
  "unit",
  "currency",
];

const client = new UsageapiClient({
  authenticationDetailsProvider: new common.ConfigFileAuthenticationDetailsProvider(configFile),
});
client.endpoint = endpoint;

const file = createWriteStream(out);
const csv = stringify({ header: true, columns: COLUMNS });
csv.pipe(file);

let rows = 0;
let pages = 0;
let page;
do {
  const response = await client.requestSummarizedUsages({
    requestSummarizedUsagesDetails: {
      tenantId,
      granularity,
      queryType: "COST",
      timeUsageStarted: start,
      timeUsageEnded: end,
      groupBy: groupBy.split(","),
    },
    page,
  });
  pages++;
  for (const item of response.usageAggregation.items) {
    rows++;
    if (!csv.write(item)) await once(csv, "drain");
  }
  page = response.opcNextPage;
} while (page);
csv.end();
await finished(file);
client.close();
process.stdout.write(`rows ${rows} pages ${pages}\n`);
