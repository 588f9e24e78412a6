// A real client against a live daphne (tests/persisted_client/run_client.py starts it):
// Apollo Client's persisted-queries link over HTTP POST and GET, then a graphql-ws client
// sending `extensions.persistedQuery` over WebSocket. Exits 1 on the first failed check.
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client/core/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const url = process.argv[2];
const sha256 = (text) => createHash("sha256").update(text).digest("hex");
let failures = 0;
const check = (ok, what, detail) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${ok ? "" : ` ${JSON.stringify(detail)}`}`);
  if (!ok) failures += 1;
};

// Every request the link sends, and what came back.
function recordingFetch(log) {
  return async (input, init) => {
    const response = await fetch(input, init);
    const body = await response.clone().text();
    const method = init?.method ?? "GET";
    const sent = method === "GET" ? new URL(input).searchParams : JSON.parse(init.body);
    const has = (name) => (method === "GET" ? sent.has(name) : name in sent);
    log.push({
      method,
      url: String(input),
      text: has("query"),
      hash: has("extensions"),
      status: response.status,
      code: JSON.parse(body).errors?.[0]?.extensions?.code ?? null,
      etag: response.headers.get("etag"),
      cacheControl: response.headers.get("cache-control"),
    });
    return response;
  };
}

function apollo(log, useGETForHashedQueries) {
  const link = createPersistedQueryLink({ sha256, useGETForHashedQueries }).concat(
    new HttpLink({ uri: url, fetch: recordingFetch(log) }),
  );
  return new ApolloClient({ link, cache: new InMemoryCache() });
}

async function httpRun(name, useGET, query) {
  const log = [];
  const client = apollo(log, useGET);
  const first = await client.query({ query, fetchPolicy: "no-cache" });
  const second = await client.query({ query, fetchPolicy: "no-cache" });
  const method = useGET ? "GET" : "POST";
  const shape = log.map(({ method, text, hash, code }) => ({ method, text, hash, code }));
  check(
    JSON.stringify(shape) ===
      JSON.stringify([
        { method, text: false, hash: true, code: "PERSISTED_QUERY_NOT_FOUND" },
        { method: "POST", text: true, hash: true, code: null },
        { method, text: false, hash: true, code: null },
      ]),
    `${name}: hash alone -> PERSISTED_QUERY_NOT_FOUND -> text -> data; then hash alone -> data`,
    log,
  );
  check(!first.errors && first.data && !second.errors && second.data, `${name}: data both times`, [first, second]);
  check(
    JSON.stringify(first.data) === JSON.stringify(second.data),
    `${name}: the same answer by hash as with the text`,
    [first.data, second.data],
  );
  return log;
}

const PRODUCTS = gql`
  query Products { products(first: 5) { edges { node { name price } } } }
`;
const PRODUCT_COUNT = gql`
  query ProductCount { products(first: 3) { totalCount edges { node { name } } } }
`;

await httpRun("POST", false, PRODUCTS);
const getLog = await httpRun("GET (useGETForHashedQueries)", true, PRODUCT_COUNT);
const last = getLog[getLog.length - 1];
check(Boolean(last.etag) && last.cacheControl?.startsWith("public"), "GET: ETag and public Cache-Control", last);
const revalidated = await fetch(last.url, { headers: { "If-None-Match": last.etag } });
check(revalidated.status === 304, "GET: If-None-Match -> 304", revalidated.status);

// graphql-ws (graphql-transport-ws) with the extension.
const wsUrl = url.replace(/^http/, "ws");
const ws = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
const run = (payload) =>
  new Promise((resolve) => {
    const results = [];
    ws.subscribe(payload, {
      next: (value) => results.push(value),
      error: (errors) => resolve({ errors: errors instanceof Error ? [{ message: String(errors) }] : errors?.reason ? [{ message: `closed ${errors.code} ${errors.reason}` }] : errors }),
      complete: () => resolve(results[0]),
    });
  });
const text = "query Count { products(first: 1) { totalCount } }";
const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(text) } };
// graphql-ws requires `query` to be a string: an empty one with the hash means "by hash".
const unknown = await run({ query: "", extensions });
check(unknown.errors?.[0]?.extensions?.code === "PERSISTED_QUERY_NOT_FOUND", "graphql-ws: hash alone -> PERSISTED_QUERY_NOT_FOUND", unknown);
const withText = await run({ query: text, extensions });
check(withText?.data && !withText.errors, "graphql-ws: hash and text -> data", withText);
const byHash = await run({ query: "", extensions });
check(JSON.stringify(byHash) === JSON.stringify(withText), "graphql-ws: hash alone -> the same data", byHash);
await ws.dispose();

console.log(failures ? `${failures} check(s) failed` : "all checks passed");
process.exit(failures ? 1 : 0);
