import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellString } from '../src/frame/column.js';
import type { Frame } from '../src/frame/frame.js';
import type { Pipeline } from '../src/pipeline/pipeline.js';
import { type InferenceServer, createInferenceServer } from '../src/serve/server.js';
import { predictorFromPipeline } from '../src/serve/index.js';
import { trainPipeline } from './serve-fixtures.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Sends raw bytes on a socket and returns whatever comes back before the server closes or the timeout. */
function rawExchange(port: number, data: string, waitMs = 300): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(data));
    let out = '';
    socket.on('data', (d) => (out += d.toString('utf8')));
    socket.on('error', () => resolve(out));
    socket.on('close', () => resolve(out));
    setTimeout(() => {
      socket.destroy();
      resolve(out);
    }, waitMs);
  });
}

function csvRows(frame: Frame, features: string[], rows: number[]): string {
  return rows
    .map((r) => features.map((f) => {
      const s = cellString(frame.column(f), r);
      return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    }).join(','))
    .join('\n');
}

describe('inference endpoint (penguins, multiclass linear pipeline)', () => {
  let pipeline: Pipeline;
  let frame: Frame;
  let server: InferenceServer;
  let port: number;
  let features: string[];
  const LIMIT = 64 * 1024;

  beforeAll(async () => {
    ({ pipeline, frame } = await trainPipeline('penguins.csv', 'species', 'multiclass'));
    features = pipeline.artifact.features.map((f) => f.name);
    server = createInferenceServer(predictorFromPipeline(pipeline), { maxBodyBytes: LIMIT, defaultKeys: ['predicted_label'] });
    port = (await server.listen(0, '127.0.0.1')).port;
  });
  afterAll(async () => {
    await server.close();
  });

  const expectedLabels = (rows: number[]): string[] => {
    const result = pipeline.predict(frame.take(rows));
    return Array.from(result.labelIndex!, (i) => pipeline.classes![i]);
  };

  it('answers /ping and rejects unknown routes and methods', async () => {
    expect((await request(port, 'GET', '/ping')).status).toBe(200);
    expect((await request(port, 'GET', '/nope')).status).toBe(404);
    expect((await request(port, 'GET', '/invocations')).status).toBe(405);
  });

  it('predicts a CSV batch exactly as the pipeline does', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => i * 2);
    const reply = await request(port, 'POST', '/invocations', csvRows(frame, features, rows), { 'Content-Type': 'text/csv' });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/csv');
    expect(reply.body.trim().split('\n')).toEqual(expectedLabels(rows));
  });

  it('accepts JSON instances as objects and arrays and returns the requested keys', async () => {
    const rows = [0, 150, 300];
    const objects = rows.map((r) => {
      const o: Record<string, unknown> = {};
      for (const f of features) {
        const v = frame.row(r)[f];
        o[f] = v;
      }
      return o;
    });
    const reply = await request(port, 'POST', '/invocations', JSON.stringify({ instances: objects }), {
      'Content-Type': 'application/json',
      Accept: 'application/json; keys="predicted_label,probability,probabilities,labels"',
    });
    expect(reply.status).toBe(200);
    const body = JSON.parse(reply.body) as { predictions: { predicted_label: string; probability: number; probabilities: number[]; labels: string[] }[] };
    const expected = pipeline.predict(frame.take(rows));
    expect(body.predictions.map((p) => p.predicted_label)).toEqual(expectedLabels(rows));
    body.predictions.forEach((p, i) => {
      expect(p.labels).toEqual(pipeline.classes);
      expect(p.probability).toBeCloseTo(expected.probability![i], 12);
      expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    });

    const arrays = rows.map((r) => features.map((f) => frame.row(r)[f]));
    const lines = arrays.map((a) => JSON.stringify(a)).join('\n');
    const jl = await request(port, 'POST', '/invocations', lines, { 'Content-Type': 'application/jsonlines', Accept: 'application/jsonlines; keys=probability' });
    expect(jl.status).toBe(200);
    const parsed = jl.body.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(parsed.map((p) => Object.keys(p))).toEqual([['probability'], ['probability'], ['probability']]);
    parsed.forEach((p, i) => expect(p.probability).toBeCloseTo(expected.probability![i], 12));
  });

  it('survives garbage, truncated, malformed and oversized bodies between valid requests', async () => {
    const valid = async (): Promise<void> => {
      const rows = [5, 77, 210, 333];
      const reply = await request(port, 'POST', '/invocations', csvRows(frame, features, rows), { 'Content-Type': 'text/csv' });
      expect(reply.status).toBe(200);
      expect(reply.body.trim().split('\n')).toEqual(expectedLabels(rows));
    };
    const good = csvRows(frame, features, [1]);
    const goodJson = JSON.stringify({ instances: [features.map((f) => frame.row(3)[f])] });
    const cases: { body: string | Buffer; type: string; status: number; mentions?: RegExp }[] = [
      { body: Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 7919) % 256)), type: 'text/csv', status: 400 },
      { body: goodJson.slice(0, goodJson.length - 5), type: 'application/json', status: 400, mentions: /not valid JSON/ },
      { body: '{"instances": 5}', type: 'application/json', status: 400 },
      { body: good + '\n' + good.split(',').slice(0, 3).join(','), type: 'text/csv', status: 400, mentions: /row 2: expected 7 values/ },
      { body: good.replace(/^([^,]*),[^,]*/, '$1,abc'), type: 'text/csv', status: 400, mentions: /row 1, column "bill_length_mm": cannot parse "abc" as a number/ },
      { body: '"Torgersen,39.1', type: 'text/csv', status: 400, mentions: /unterminated quoted field/ },
      { body: '', type: 'text/csv', status: 400, mentions: /no rows/ },
      { body: JSON.stringify({ instances: [{ island: 'Dream' }] }), type: 'application/json', status: 400, mentions: /row 1, column "bill_length_mm": missing feature/ },
      { body: '[1,2,3]\n{', type: 'application/jsonlines', status: 400, mentions: /row 1: expected 7 values/ },
      { body: good, type: 'application/x-www-form-urlencoded', status: 415 },
      { body: (good + '\n').repeat(Math.ceil((LIMIT * 3) / good.length)), type: 'text/csv', status: 413 },
    ];
    await valid();
    for (const c of cases) {
      const reply = await request(port, 'POST', '/invocations', c.body, { 'Content-Type': c.type });
      expect(reply.status, `${c.type} ${String(c.body).slice(0, 60)}`).toBe(c.status);
      if (c.mentions) expect(JSON.parse(reply.body).error).toMatch(c.mentions);
      await valid();
    }
    // A chunked oversized body (no Content-Length) is refused too.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/invocations', headers: { 'Content-Type': 'text/csv', 'Transfer-Encoding': 'chunked' }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write(good.repeat(500) + '\n');
      req.end();
    });
    expect(chunked).toBe(413);
    await valid();
    // Broken HTTP and a body cut off mid-request by a client that disconnects.
    await rawExchange(port, 'NOT HTTP AT ALL\r\n\r\n');
    await rawExchange(port, `POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 5000\r\n\r\n${good}`, 100);
    await valid();
    expect((await request(port, 'POST', '/invocations', good, { 'Content-Type': 'text/csv', Accept: 'image/png' })).status).toBe(406);
    expect((await request(port, 'POST', '/invocations', good, { 'Content-Type': 'text/csv', Accept: 'text/csv; keys=bogus' })).status).toBe(406);
    await valid();
  });

  it('finishes an in-flight request on close, then stops listening', async () => {
    const local = createInferenceServer(predictorFromPipeline(pipeline));
    const { port: p } = await local.listen(0, '127.0.0.1');
    const body = csvRows(frame, features, [10, 20]);
    const pending = new Promise<Reply>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: p, method: 'POST', path: '/invocations', headers: { 'Content-Type': 'text/csv', 'Content-Length': String(body.length) }, agent: false }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => {
        void closed;
        req.end(body.slice(10));
      }, 150);
    });
    await new Promise((r) => setTimeout(r, 50));
    const closed = local.close();
    const reply = await pending;
    expect(reply.status).toBe(200);
    expect(reply.body.trim().split('\n')).toEqual(expectedLabels([10, 20]));
    await closed;
    await expect(request(p, 'GET', '/ping')).rejects.toThrow();
  });
});
