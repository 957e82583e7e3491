// Tests for the fleet's options: Byzantine clients (--byzantine, --attack), strategies (--strategy, --strategy-param), --data DIR with --task or --schema, --model.
import { describe, expect, it } from 'vitest';
import { STRATEGIES } from '@flotilla/core';
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
    for (const name of ['signflip', 'scale', 'gaussian', 'labelflip', 'labelshuffle']) expect(USAGE).toContain(name);
    expect(USAGE).toContain('centeredclip');
  });
});

describe('parseFleetArgs: --data DIR', () => {
  const data = (...argv: string[]) => parseFleetArgs(['--node', '--data', 'clinics', ...argv], {});

  it('keeps the MNIST simulation unless --data is given', () => {
    const args = parse();
    expect(args.clientData).toBeNull();
    expect(args.clients).toBe(10);
    expect(args.task.model).toEqual({ kind: 'mnist-2nn' });
  });

  it('takes DIR with the task to join or the schema of the task to create', () => {
    expect(data('--task', 't1')).toMatchObject({ clientData: 'clinics', taskId: 't1', schemaFile: null });
    expect(data('--schema', 'heart.json')).toMatchObject({ clientData: 'clinics', taskId: null, schemaFile: 'heart.json' });
  });

  it('picks the model from the schema unless --model names one', () => {
    expect(data('--task', 't1').task.model).toBeUndefined();
    expect(data('--schema', 's.json', '--model', 'schema:gru').task.model).toEqual({ kind: 'schema', architecture: 'gru' });
    expect(() => data('--schema', 's.json', '--model', 'schema:transformer')).toThrow(UsageError);
  });

  it('refuses --data without --node, with --clients or --byzantine, or with no schema to read the files with', () => {
    expect(() => parseFleetArgs(['--data', 'clinics', '--task', 't1'], {})).toThrow(/--node/);
    expect(() => data('--task', 't1', '--clients', '5')).toThrow(/--clients/);
    expect(() => data('--task', 't1', '--byzantine', '0.2')).toThrow(/--byzantine/);
    expect(() => data()).toThrow(/--task ID.*--schema FILE/);
    expect(() => data('--task', 't1', '--schema', 's.json')).toThrow(UsageError);
    expect(() => parse('--schema', 's.json')).toThrow(/--data/);
  });

  it('documents --data and --schema in the help', () => {
    expect(USAGE).toContain('--data DIR');
    expect(USAGE).toContain('--schema FILE');
  });
});

describe('parseFleetArgs: strategies from the registry', () => {
  it('lists every registered strategy in the help, with its description', () => {
    for (const [name, entry] of Object.entries(STRATEGIES)) {
      expect(USAGE, name).toContain(name);
      expect(USAGE, name).toContain(entry.description);
    }
  });

  it('takes a strategy and its parameters, and leaves the others to their defaults', () => {
    expect(parse('--strategy', 'krum', '--strategy-param', 'byzantine=2').task.strategy).toEqual({ name: 'krum', byzantine: 2 });
    expect(parse('--strategy', 'fedadam', '--strategy-param', 'serverLearningRate=0.05', '--strategy-param', 'tau=0.001').task.strategy)
      .toEqual({ name: 'fedadam', serverLearningRate: 0.05, tau: 0.001 });
    expect(parse().task.strategy).toEqual({ name: 'fedavg' });
  });

  it('refuses an unknown strategy, another strategy\'s parameter and a value out of bounds with usage errors', () => {
    expect(() => parse('--strategy', 'fedsgd')).toThrow(/one of fedavg, fedprox/);
    expect(() => parse('--strategy', 'fedavg', '--strategy-param', 'byzantine=1')).toThrow(/fedavg has no parameters, not byzantine/);
    expect(() => parse('--strategy', 'fedtrimmedavg', '--strategy-param', 'trimBeta=0.7')).toThrow(UsageError);
    expect(() => parse('--strategy', 'krum', '--strategy-param', 'byzantine')).toThrow(/NAME=VALUE/);
  });
});

describe('parseFleetArgs: --async', () => {
  it('creates a buffered asynchronous task: K updates per version, up to C clients training', () => {
    expect(parse().task.asynchronous).toBeUndefined();
    expect(parse('--async', '5:8').task.asynchronous).toEqual({ enabled: true, bufferSize: 5, concurrency: 8 });
    // Without C: as many as a round would select (C = 0.3 of 10 clients).
    expect(parse('--async', '2', '--fraction', '0.3').task.asynchronous).toEqual({ enabled: true, bufferSize: 2, concurrency: 3 });
  });

  it('refuses a buffer size that is not a positive integer with a usage error', () => {
    expect(() => parse('--async', '0')).toThrow(UsageError);
    expect(() => parse('--async', 'x:3')).toThrow(/--async/);
  });
});
