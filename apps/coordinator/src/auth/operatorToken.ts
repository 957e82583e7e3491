// The operator token: taken from configuration, or generated on first start and kept in the data
// directory (mode 0600) so that a restarted coordinator keeps the dashboard URL it printed.

import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export const OPERATOR_TOKEN_FILE = 'operator-token';

export interface OperatorToken {
  token: string;
  /** Where it came from: configuration, the data directory, or generated just now. */
  source: 'configured' | 'file' | 'generated';
  file: string | null;
}

/** The token a coordinator keeps under `dataDir`, if it has written one (a local fleet reads it). */
export function readOperatorToken(dataDir: string): string | null {
  const file = path.join(dataDir, OPERATOR_TOKEN_FILE);
  if (!existsSync(file)) return null;
  const token = readFileSync(file, 'utf8').trim();
  return token.length > 0 ? token : null;
}

/**
 * The configured token if any, else the one saved under `dataDir`, else a new one saved there.
 * @example const { token } = loadOrCreateOperatorToken('.flotilla');
 */
export function loadOrCreateOperatorToken(dataDir: string, configured?: string | null): OperatorToken {
  if (configured) return { token: configured, source: 'configured', file: null };
  const file = path.join(dataDir, OPERATOR_TOKEN_FILE);
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length > 0) {
      // Tightened again in case someone copied the directory with looser permissions.
      chmodSync(file, 0o600);
      return { token, source: 'file', file };
    }
  }
  const token = secretToken();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, source: 'generated', file };
}

/**
 * 24 random bytes (192 bits) as 32 URL-safe characters, so a token fits a URL fragment or query
 * without escaping, and never starting with '-': command lines take `--token <value>`, and Node's
 * argument parser refuses a value that looks like an option (one token in 64 did).
 * @example const token = secretToken(); // e.g. 'q3Zp…' (32 characters)
 */
export function secretToken(): string {
  for (;;) {
    const token = randomBytes(24).toString('base64url');
    if (!token.startsWith('-')) return token;
  }
}
