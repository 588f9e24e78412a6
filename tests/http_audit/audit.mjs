// Runs graphql-http's server audits (GraphQL over HTTP conformance) against a URL and
// exits 1 unless every audit is "ok". Usage: node audit.mjs http://127.0.0.1:PORT/graphql/
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql endpoint URL>');
  process.exit(2);
}
const audits = serverAudits({ url });
const results = [];
for (const { id, name, fn } of audits) {
  const result = await fn();
  results.push(result);
  const line = `${result.status.padEnd(6)} ${id} ${name}`;
  console.log(result.status === 'ok' ? line : `${line}\n       ${result.reason}`);
}
const counts = results.reduce((acc, r) => ({ ...acc, [r.status]: (acc[r.status] || 0) + 1 }), {});
const failed = results.length - (counts.ok || 0);
console.log(`\n${results.length} audits: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}`);
console.log(`audits: ${counts.ok || 0} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
