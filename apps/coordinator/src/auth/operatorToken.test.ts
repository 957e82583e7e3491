// The operator token file: generated once with mode 0600, reused after a restart, configuration wins.

import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateOperatorToken } from './operatorToken.ts';

describe('loadOrCreateOperatorToken', () => {
  it('generates a token on first start, saves it readable by the owner only, and reuses it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-token-'));

    const first = loadOrCreateOperatorToken(dir);
    const second = loadOrCreateOperatorToken(dir);

    expect(first.source).toBe('generated');
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
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
