// The ceiling bench:api measures the platform against: the fastest a Node.js server on this machine
// answers the same request with a reply of the same size, doing nothing else. bench/api/run.mjs
// starts it twice, on plain `node:http` and on a Fastify route with a response schema (what the
// platform is built on), and loads it with the same wrk script as the platform's saturation phase.
//
//   node bench/api/ceiling.mjs <http|fastify> <port> <reply.json>
//
// Each request: read the body, JSON.parse it, answer the stored reply with the request's
// customer_id. No auth, validation, model, event or log.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import Fastify from 'fastify';

const [mode, portText, replyFile] = process.argv.slice(2);
const port = Number(portText);
const reply = JSON.parse(readFileSync(replyFile, 'utf8'));

if (mode === 'http') {
  http
    .createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const text = JSON.stringify({ ...reply, customer_id: body.customer_id });
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      });
    })
    .listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
} else if (mode === 'fastify') {
  const app = Fastify({ logger: false });
  // A response schema, as the platform's routes have: Fastify serializes with fast-json-stringify.
  const schemaOf = (v) =>
    Array.isArray(v)
      ? { type: 'array', items: v.length ? schemaOf(v[0]) : {} }
      : v !== null && typeof v === 'object'
        ? {
            type: 'object',
            properties: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, schemaOf(x)])),
          }
        : { type: v === null ? 'null' : typeof v === 'number' ? 'number' : typeof v };
  app.post('/v1/predictions', { schema: { response: { 200: schemaOf(reply) } } }, async (req) => ({
    ...reply,
    customer_id: req.body.customer_id,
  }));
  await app.listen({ port, host: '127.0.0.1' });
  process.stdout.write('listening\n');
} else {
  process.stderr.write(`usage: node bench/api/ceiling.mjs <http|fastify> <port> <reply.json>\n`);
  process.exit(2);
}
