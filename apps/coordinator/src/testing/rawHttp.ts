// HTTP/1.1 requests written byte for byte on a loopback socket: fetch and inject normalise the
// request target (dot segments, case of escapes, absolute form), and an auth test must send it as
// an attacker would.

import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `method target` with `headers` (Host and Connection: close added) and reads the whole
 * answer, or what came within `waitMs` for one that never ends (an event stream let through).
 * @example const { status } = await rawRequest(port, 'GET', '/%61pi/tasks');
 */
export function rawRequest(port: number, method: string, target: string, headers: Record<string, string> = {}, waitMs = 3000): Promise<RawResponse> {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (method === 'POST' || method === 'DELETE') lines.push('Content-Length: 0');
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${lines.join('\r\n')}\r\n\r\n`));
    const chunks: Buffer[] = [];
    socket.setTimeout(waitMs, () => socket.destroy());
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split < 0 ? text.length : split).split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
      const headers = Object.fromEntries(head.slice(1).map((h) => [h.slice(0, h.indexOf(':')).toLowerCase(), h.slice(h.indexOf(':') + 1).trim()]));
      let body = split < 0 ? '' : text.slice(split + 4);
      // Chunked bodies are unwrapped so the caller sees the payload.
      if (headers['transfer-encoding'] === 'chunked') body = body.replace(/(?:^|\r\n)[0-9a-f]+\r\n/gi, '').replace(/\r\n$/, '');
      resolve({ status, headers, body });
    });
  });
}
