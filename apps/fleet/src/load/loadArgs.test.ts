// Tests for `npm run load` flags.
import { describe, expect, it } from 'vitest';
import { LoadUsageError, parseLoadArgs } from './loadArgs.ts';
import { httpBase, sourceAddress, wsTarget } from './loadRun.ts';

describe('npm run load flags', () => {
  it('takes the spellings of a target a user types, and spreads loopback runs over source addresses', () => {
    for (const spelling of ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/', 'ws://127.0.0.1:8080/ws', '127.0.0.1:8080']) {
      expect(wsTarget(spelling)).toBe('ws://127.0.0.1:8080/ws');
    }
    expect(wsTarget('https://fl.example.org')).toBe('wss://fl.example.org/ws');
    expect(httpBase('wss://fl.example.org/ws')).toBe('https://fl.example.org');
    const args = parseLoadArgs(['--edges', 'http://127.0.0.1:8081', '--edges', 'http://127.0.0.1:8082', '--clients', '10000'], {});
    expect(args.options.targets).toEqual(['ws://127.0.0.1:8081/ws', 'ws://127.0.0.1:8082/ws']);
    expect(args.options.sourceAddresses).toBe(50);
    expect(new Set(Array.from({ length: 50 }, (_, k) => sourceAddress(k))).size).toBe(50);
    expect(sourceAddress(249)).toBe('127.1.0.250');
    expect(sourceAddress(250)).toBe('127.1.1.1');
    expect(parseLoadArgs(['--url', 'https://fl.example.org'], {}).options.sourceAddresses).toBe(0);
  });

  it('reads the join token from the environment and refuses bad values by name', () => {
    expect(parseLoadArgs(['--url', 'http://127.0.0.1:1'], { FLOTILLA_JOIN_TOKEN: 'j' }).options.joinToken).toBe('j');
    expect(() => parseLoadArgs([], {})).toThrow(LoadUsageError);
    expect(() => parseLoadArgs(['--url', 'http://127.0.0.1:1', '--dropout', '2'], {})).toThrow(/--dropout must be a number in \[0, 1\]/);
    expect(() => parseLoadArgs(['--url', 'http://127.0.0.1:1', '--clients', '1.5'], {})).toThrow(/--clients must be an integer/);
    expect(() => parseLoadArgs(['--url', 'http://127.0.0.1:1', '--bogus'], {})).toThrow(LoadUsageError);
  });
});
