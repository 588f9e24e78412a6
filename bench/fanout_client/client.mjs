// The fan-out benchmark's load client: holds thousands of graphql-transport-ws
// subscriptions in one Node process, so that the client is not what the benchmark measures
// (1,000 sockets in one Python process cost tens of milliseconds per event on their own).
//
// Driven by bench/fanout.py: one JSON command per line on stdin, one JSON answer per line
// on stdout.
//   {"cmd": "open", "url", "query", "operationName", "variables", "count", "tokens"?}
//       opens `count` subscribers (the n-th signed in with `tokens[n]` in its
//       connection_init when given); answers {"opened": n} once each has its
//       connection_ack and has sent its subscribe message.
//   {"cmd": "report"}
//       {"events": {cursor: {count, first, last, occurredAt, productId, type}},
//        "duplicates", "closed": {code: n}, "errors", "messageTypes": {type: n}, "sockets",
//        "cpuMicros": {user, system}}
//       `first`/`last` are epoch milliseconds of the first and last arrival of that event.
//   {"cmd": "reset"}  forgets the events seen so far (not the sockets); answers {"reset": true}
import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";

const now = () => performance.timeOrigin + performance.now();

let events = new Map(); // cursor -> {count, first, last, occurredAt, productId, type}
let duplicates = 0;
let errors = 0;
const closed = {};
const messageTypes = {}; // every message after connection_ack, by type: "complete" or "error" tells why events stop
const sockets = new Set();

function received(seen, message) {
  messageTypes[message.type] = (messageTypes[message.type] ?? 0) + 1;
  if (message.type === "next") {
    const event = message.payload?.data?.productEvents;
    if (!event) {
      errors += 1;
      return;
    }
    const at = now();
    if (seen.has(event.cursor)) duplicates += 1;
    seen.add(event.cursor);
    const entry = events.get(event.cursor);
    if (entry === undefined) {
      events.set(event.cursor, {
        count: 1,
        first: at,
        last: at,
        occurredAt: event.occurredAt,
        productId: event.productId,
        type: event.type,
      });
    } else {
      entry.count += 1;
      entry.last = at;
    }
  } else if (message.type === "error") {
    errors += 1;
  }
}

function subscriber(command, token) {
  return new Promise((subscribed, failed) => {
    const socket = new WebSocket(command.url, "graphql-transport-ws", { perMessageDeflate: false });
    const seen = new Set();
    const init = token ? { authorization: `Bearer ${token}` } : {};
    socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: init })));
    socket.on("message", (raw) => {
      const message = JSON.parse(raw);
      if (message.type === "connection_ack") {
        socket.send(
          JSON.stringify({
            id: "1",
            type: "subscribe",
            payload: {
              query: command.query,
              operationName: command.operationName,
              variables: command.variables,
            },
          }),
        );
        sockets.add(socket);
        subscribed();
      } else if (message.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else {
        received(seen, message);
      }
    });
    socket.on("close", (code) => {
      sockets.delete(socket);
      closed[code] = (closed[code] ?? 0) + 1;
    });
    socket.on("error", failed);
  });
}

async function open(command) {
  // Batches of 100: a thousand handshakes at once overflow daphne's accept backlog.
  for (let start = 0; start < command.count; start += 100) {
    const batch = Math.min(100, command.count - start);
    const tokens = command.tokens ?? [];
    await Promise.all(
      Array.from({ length: batch }, (_, n) => subscriber(command, tokens[start + n])),
    );
  }
  return { opened: command.count };
}

function report() {
  const usage = process.cpuUsage();
  return {
    events: Object.fromEntries(events),
    duplicates,
    errors,
    messageTypes,
    closed,
    sockets: sockets.size,
    cpuMicros: { user: usage.user, system: usage.system },
  };
}

const answer = (value) => process.stdout.write(JSON.stringify(value) + "\n");

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line);
  try {
    if (command.cmd === "open") answer(await open(command));
    else if (command.cmd === "report") answer(report());
    else if (command.cmd === "reset") {
      events = new Map();
      answer({ reset: true });
    } else answer({ error: `unknown command ${command.cmd}` });
  } catch (error) {
    answer({ error: String(error) });
  }
}
for (const socket of sockets) socket.terminate();
