// The coordinator over TLS: a self-signed certificate made here with openssl, the printed URL is
// https, the operator API answers over HTTPS, a client says hello over wss, the session cookie is
// Secure, and a Node process trusts the certificate through NODE_EXTRA_CA_CERTS as the README says.

import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '@flotilla/protocol';
import { parseCoordinatorArgs, startCoordinator, type StartedCoordinator } from '../start.ts';
import { TEST_OPERATOR_TOKEN } from '../testing/harness.ts';

/** A GET or POST over HTTPS that trusts `ca` only. */
function request(url: string, ca: Buffer, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: init.method ?? 'GET', headers: init.headers, ca }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('TLS', () => {
  let dir: string;
  let started: StartedCoordinator;
  let ca: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' });
    ca = readFileSync(path.join(dir, 'cert.pem'));
    const settings = parseCoordinatorArgs(
      ['--port', '0', '--data-dir', path.join(dir, 'data'), '--no-default-task', '--log-level', 'warn', '--operator-token', TEST_OPERATOR_TOKEN],
      { FLOTILLA_TLS_CERT: path.join(dir, 'cert.pem'), FLOTILLA_TLS_KEY: path.join(dir, 'key.pem') },
    );
    started = await startCoordinator(settings);
  });
  afterAll(() => started.app.close());

  it('prints an https URL and answers an authenticated request over HTTPS', async () => {
    expect(started.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const tasks = await request(`${started.url}/api/tasks`, ca, { headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` } });
    const refused = await request(`${started.url}/api/tasks`, ca);

    expect(tasks.status).toBe(200);
    expect(JSON.parse(tasks.body)).toEqual({ tasks: [] });
    expect(refused.status).toBe(401);
  });

  it('welcomes a client over wss', async () => {
    const socket = new WebSocket(`${started.url.replace(/^http/, 'ws')}/ws`, { ca });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, kind: 'node', device: { backend: 'test' }, capabilities: { codecs: ['float32'] } }));
    const welcome = await new Promise<{ type: string; clientId: string }>((resolve) => socket.once('message', (d: Buffer) => resolve(JSON.parse(d.toString()))));
    socket.close();

    expect(welcome.type).toBe('welcome');
    expect(welcome.clientId).toBeTruthy();
  });

  it('marks the session cookie Secure', async () => {
    const response = await request(`${started.url}/api/session`, ca, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: TEST_OPERATOR_TOKEN }),
    });

    expect(response.status).toBe(200);
    expect(String(response.headers['set-cookie'])).toContain('Secure');
  });

  it('is trusted by a Node process started with NODE_EXTRA_CA_CERTS, and refused without it', async () => {
    const script = `fetch(${JSON.stringify(`${started.url}/healthz`)}).then((r) => console.log(r.status), (e) => console.log(e.cause?.code ?? e.message))`;
    // Asynchronously: the coordinator answering it runs in this process.
    const run = async (env: NodeJS.ProcessEnv) => (await promisify(execFile)(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 20_000 })).stdout.trim();

    const { NODE_EXTRA_CA_CERTS: _unset, ...env } = process.env;
    expect(await run({ ...env, NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem') })).toBe('200');
    expect(await run(env)).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('refuses half a TLS configuration', () => {
    expect(() => parseCoordinatorArgs(['--tls-cert', 'cert.pem'], {})).toThrow(/both --tls-cert and --tls-key/);
  });
});
