// Trusted documents from real clients (tests/persisted_client/run_client.py runs it twice).
//
//   node trusted.mjs --manifest FILE   writes the Apollo persisted-query manifest of the
//                                      documents this "app" ships, as each Apollo Client
//                                      version sends them (no server needed);
//   node trusted.mjs URL CONTRACT_DIR  runs against a daphne with GRAPHQL_DOCUMENTS=trusted
//                                      that has loaded that manifest.
//
// Apollo Client 3's and 4's persisted-queries links (POST and GET) get a shipped document by
// its hash on the first request (no PERSISTED_QUERY_NOT_FOUND round trip) and
// DOCUMENT_NOT_TRUSTED for one that is not in the manifest; a graphql-ws client runs a
// contract document by its text and by its hash, and is refused anything else. Every check
// runs; the exit status is 1 when any failed.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as apollo3 from "@apollo/client/core/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";
import * as apollo4 from "apollo4";
import { PersistedQueryLink } from "apollo4/link/persisted-queries";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const sha256 = (text) => createHash("sha256").update(text).digest("hex");
let failures = 0;
const check = (ok, what, detail) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${ok ? "" : ` ${JSON.stringify(detail)}`}`);
  if (!ok) failures += 1;
};

const VERSIONS = {
  "Apollo Client 3": { module: apollo3, link: (options) => createPersistedQueryLink(options) },
  "Apollo Client 4": { module: apollo4, link: (options) => new PersistedQueryLink(options) },
};
// What the app ships (in its manifest), and one document it does not.
const SHIPPED = "query ShippedProducts { products(first: 3) { totalCount edges { node { name price } } } }";
const NOT_SHIPPED = "query NotShipped { products(first: 1) { totalCount } }";

function client(version, fetchImpl, options = {}) {
  const { module, link } = VERSIONS[version];
  const http = new module.HttpLink({ uri: options.uri ?? "http://127.0.0.1:1/graphql/", fetch: fetchImpl });
  const chain = options.persisted ? link({ sha256, useGETForHashedQueries: options.useGET }).concat(http) : http;
  return new module.ApolloClient({ link: chain, cache: new module.InMemoryCache() });
}

// The text each version sends for SHIPPED (after its own document transforms, e.g. the
// cache's `__typename`), recorded from a plain HttpLink: what Apollo's manifest generator
// writes, and what the persisted-queries link hashes.
async function manifest(file) {
  const operations = new Map();
  for (const version of Object.keys(VERSIONS)) {
    const recorder = async (_input, init) => {
      const { query, operationName } = JSON.parse(init.body);
      operations.set(sha256(query), { id: sha256(query), name: operationName, type: "query", body: query });
      return new Response(JSON.stringify({ data: null }), { headers: { "Content-Type": "application/json" } });
    };
    const { gql } = VERSIONS[version].module;
    await client(version, recorder).query({ query: gql(SHIPPED), fetchPolicy: "no-cache" }).catch(() => {});
  }
  writeFileSync(file, JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations: [...operations.values()] }));
  console.log(`manifest: ${operations.size} operation(s) -> ${file}`);
}

function recordingFetch(log) {
  return async (input, init) => {
    const response = await fetch(input, init);
    const body = await response.clone().json();
    const method = init?.method ?? "GET";
    const sent = method === "GET" ? Object.fromEntries(new URL(input).searchParams) : JSON.parse(init.body);
    log.push({ method, text: Boolean(sent.query), status: response.status, code: body.errors?.[0]?.extensions?.code ?? null });
    return response;
  };
}

async function apolloRuns(url) {
  for (const version of Object.keys(VERSIONS)) {
    const { gql } = VERSIONS[version].module;
    for (const useGET of [false, true]) {
      const name = `${version} ${useGET ? "GET" : "POST"}, trusted mode`;
      const shippedLog = [];
      const shipped = await client(version, recordingFetch(shippedLog), { uri: url, persisted: true, useGET })
        .query({ query: gql(SHIPPED), fetchPolicy: "no-cache" });
      const method = useGET ? "GET" : "POST";
      check(
        JSON.stringify(shippedLog) === JSON.stringify([{ method, text: false, status: 200, code: null }]),
        `${name}: a shipped document by its hash alone, first time -> data`,
        shippedLog,
      );
      check(!shipped.errors && Number.isInteger(shipped.data?.products?.totalCount), `${name}: the shipped document's data`, shipped);

      const refusedLog = [];
      const refused = await client(version, recordingFetch(refusedLog), { uri: url, persisted: true, useGET })
        .query({ query: gql(NOT_SHIPPED), fetchPolicy: "no-cache", errorPolicy: "all" })
        .catch((error) => ({ error }));
      check(
        refusedLog.length === 1 && refusedLog[0].code === "DOCUMENT_NOT_TRUSTED" && !refusedLog[0].text,
        `${name}: a document outside the manifest -> DOCUMENT_NOT_TRUSTED, the text never sent`,
        refusedLog,
      );
      check(!refused.data?.products, `${name}: no data for it`, refused);
    }
  }
}

async function websocketRuns(url, contractDir) {
  const ws = createClient({ url: url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
  const run = (payload) =>
    new Promise((resolve) => {
      const results = [];
      ws.subscribe(payload, {
        next: (value) => results.push(value),
        error: (errors) => resolve({ errors: Array.isArray(errors) ? errors : [{ message: String(errors?.reason ?? errors) }] }),
        complete: () => resolve(results[0]),
      });
    });
  // A contract file is trusted whole (run with an operation name), and so by its hash.
  const storefront = readFileSync(join(contractDir, "storefront.graphql"), "utf8");
  const byText = await run({ query: storefront, operationName: "CategoryTree" });
  check(byText?.data?.categories && !byText.errors, "graphql-ws, trusted mode: a contract document by its text -> data", byText);
  const byHash = await run({ query: "", operationName: "CategoryTree", extensions: { persistedQuery: { version: 1, sha256Hash: sha256(storefront) } } });
  check(JSON.stringify(byHash) === JSON.stringify(byText), "graphql-ws, trusted mode: the same by its hash alone", byHash);
  const adHoc = await run({ query: NOT_SHIPPED });
  check(adHoc.errors?.[0]?.extensions?.code === "DOCUMENT_NOT_TRUSTED" && !adHoc.data, "graphql-ws, trusted mode: any other text -> DOCUMENT_NOT_TRUSTED", adHoc);
  const unknownHash = await run({ query: "", extensions: { persistedQuery: { version: 1, sha256Hash: sha256(NOT_SHIPPED) } } });
  check(unknownHash.errors?.[0]?.extensions?.code === "DOCUMENT_NOT_TRUSTED", "graphql-ws, trusted mode: an unknown hash -> DOCUMENT_NOT_TRUSTED", unknownHash);
  await ws.dispose();
}

if (process.argv[2] === "--manifest") {
  await manifest(process.argv[3]);
} else {
  const [url, contractDir] = process.argv.slice(2);
  await apolloRuns(url);
  await websocketRuns(url, contractDir);
  console.log(failures ? `${failures} check(s) failed` : "all checks passed");
  process.exit(failures ? 1 : 0);
}
