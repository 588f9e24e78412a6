// Real clients against a live daphne (tests/persisted_client/run_client.py starts it):
// Apollo Client 3's and Apollo Client 4's persisted-queries links over HTTP POST and GET,
// then a graphql-ws client sending `extensions.persistedQuery` over WebSocket. Every check
// runs; the exit status is 1 when any failed.
import { createHash } from "node:crypto";
import * as apollo3 from "@apollo/client/core/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";
// Apollo Client 4, installed under the alias `apollo4` (package.json) beside version 3.
import * as apollo4 from "apollo4";
import { PersistedQueryLink } from "apollo4/link/persisted-queries";
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
      accept: new Headers(init?.headers).get("accept"),
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

// Each Apollo Client major version: its persisted-queries link in front of its HttpLink.
const CLIENTS = {
  "Apollo Client 3": (options) => ({
    module: apollo3,
    link: createPersistedQueryLink(options),
  }),
  "Apollo Client 4": (options) => ({
    module: apollo4,
    link: new PersistedQueryLink(options),
  }),
};

function apollo(version, log, useGETForHashedQueries) {
  const { module, link } = CLIENTS[version]({ sha256, useGETForHashedQueries });
  const http = new module.HttpLink({ uri: url, fetch: recordingFetch(log) });
  return new module.ApolloClient({ link: link.concat(http), cache: new module.InMemoryCache() });
}

async function httpRun(version, useGET, query) {
  const log = [];
  const client = apollo(version, log, useGET);
  const name = `${version} ${useGET ? "GET (useGETForHashedQueries)" : "POST"}`;
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

// One operation name per client, so that each starts with hashes the server has not seen.
for (const [index, version] of Object.keys(CLIENTS).entries()) {
  const { gql } = CLIENTS[version]({ sha256 }).module;
  const products = gql(`query Products${index} { products(first: 5) { edges { node { name price } } } }`);
  const productCount = gql(
    `query ProductCount${index} { products(first: 3) { totalCount edges { node { name } } } }`,
  );
  await httpRun(version, false, products);
  const getLog = await httpRun(version, true, productCount);
  const last = getLog[getLog.length - 1];
  check(
    Boolean(last.etag) && last.cacheControl?.startsWith("public"),
    `${version} GET: ETag and public Cache-Control`,
    last,
  );
  // Revalidated as a browser cache would: the same request (the ETag varies with Accept).
  const revalidated = await fetch(last.url, {
    headers: { Accept: last.accept, "If-None-Match": last.etag },
  });
  check(revalidated.status === 304, `${version} GET: If-None-Match -> 304`, revalidated.status);
}
// The same URL from plain `fetch` (Accept: */*) is a GraphQL request too, not a page.
{
  const response = await fetch(url + "?" + new URLSearchParams({
    extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: sha256("query Plain { products(first: 1) { totalCount } }") } }),
  }));
  const body = await response.json();
  check(body.errors?.[0]?.extensions?.code === "PERSISTED_QUERY_NOT_FOUND", "fetch GET with Accept */*: PERSISTED_QUERY_NOT_FOUND, not 404", [response.status, body]);
}

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
