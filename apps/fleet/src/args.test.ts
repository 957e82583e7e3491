// Tests for the fleet's Byzantine options: --byzantine P and --attack NAME[:VALUE].
import { describe, expect, it } from 'vitest';
import { USAGE, UsageError, parseFleetArgs } from './args.ts';

const parse = (...argv: string[]) => parseFleetArgs(['--node', '--clients', '10', ...argv], {});

describe('parseFleetArgs: Byzantine clients', () => {
  it('is an honest fleet unless --byzantine is given', () => {
    expect(parse().byzantine).toBeNull();
    expect(parse('--attack', 'scale').byzantine).toBeNull();
  });

  it('takes a fraction and an attack, signflip by default', () => {
    expect(parse('--byzantine', '0.2').byzantine).toEqual({ fraction: 0.2, text: 'signflip', attack: { name: 'signflip', params: { factor: 10, std: 1 } } });
    expect(parse('--byzantine', '0.1', '--attack', 'scale:-4').byzantine?.attack).toEqual({ name: 'scale', params: { factor: -4, std: 1 } });
    expect(parse('--byzantine', '0.1', '--attack', 'gaussian:0.3').byzantine?.attack.params.std).toBe(0.3);
  });

  it('refuses an unknown attack or a fraction outside [0, 1] with a usage error', () => {
    expect(() => parse('--byzantine', '0.2', '--attack', 'backdoor')).toThrow(UsageError);
    expect(() => parse('--byzantine', '1.5')).toThrow(UsageError);
  });

  it('lists every attack of the registry in the help', () => {
    for (const name of ['signflip', 'scale', 'gaussian', 'labelflip']) expect(USAGE).toContain(name);
    expect(USAGE).toContain('centeredclip');
  });
});
