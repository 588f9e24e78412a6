// The PostGraphile v5 peer of bench/catalog_read.py: one Node process, production mode
// (no GraphiQL, no watch, no explain), serving the `bench_pgl` schema of views
// (schema.sql) of the database in DATABASE_URL on 127.0.0.1:PORT.
//
//     DATABASE_URL=postgresql://... PORT=8105 NODE_ENV=production node server.mjs
//
// GET /healthz answers 200 once the schema is built (the benchmark waits for it).
// SUBSCRIPTIONS=1 (bench/fanout.py --peer postgraphile): also the `productEvents`
// subscription of subscriptions.mjs over WebSocket (graphql-transport-ws) at /graphql/.
import "./node20-shim.mjs";
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { ProductEventsPlugin } from "./subscriptions.mjs";

const subscriptions = process.env.SUBSCRIPTIONS === "1";

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["bench_pgl"],
      poolConfig: { max: Number(process.env.PG_POOL_SIZE ?? 10) },
    }),
  ],
  plugins: subscriptions ? [ProductEventsPlugin] : [],
  grafserv: {
    graphiql: false,
    watch: false,
    graphqlPath: "/graphql/",
    websockets: subscriptions,
  },
  grafast: { explain: false },
  schema: { exportSchemaSDLPath: process.env.SCHEMA_SDL_PATH },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
await pgl.getSchema();
// createHandler, not addTo: no websockets here, and /healthz must not reach grafserv.
const handler = serv.createHandler();
const server = createServer((request, response) => {
  if (request.url === "/healthz") {
    response.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
  } else {
    handler(request, response);
  }
});
if (subscriptions) {
  const upgrade = await serv.getUpgradeHandler();
  server.on("upgrade", upgrade);
}
server.listen(Number(process.env.PORT ?? 8105), "127.0.0.1");
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close();
    pgl.release();
    process.exit(0);
  });
}
