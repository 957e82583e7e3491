// The operator token file: generated once with mode 0600, reused after a restart, configuration wins.

import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateOperatorToken, secretToken } from './operatorToken.ts';

describe('loadOrCreateOperatorToken', () => {
  it('generates a token on first start, saves it readable by the owner only, and reuses it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-token-'));

    const first = loadOrCreateOperatorToken(dir);
    const second = loadOrCreateOperatorToken(dir);

    expect(first.source).toBe('generated');
    expect(first.token).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{31}$/);
    expect(statSync(first.file!).mode & 0o777).toBe(0o600);
    expect(second).toMatchObject({ source: 'file', token: first.token });
  });

  it('uses the configured token and writes nothing', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-token-'));

    const token = loadOrCreateOperatorToken(dir, 'configured-secret');

    expect(token).toEqual({ token: 'configured-secret', source: 'configured', file: null });
    expect(loadOrCreateOperatorToken(dir).source).toBe('generated');
  });
});

describe('secretToken', () => {
  it('never starts with "-", which a command line would take for an option (base64url does 1 time in 64)', () => {
    const tokens = Array.from({ length: 2000 }, () => secretToken());
    expect(tokens.every((t) => /^[A-Za-z0-9_][A-Za-z0-9_-]{31}$/.test(t))).toBe(true);
    expect(new Set(tokens).size).toBe(2000);
  });
});
