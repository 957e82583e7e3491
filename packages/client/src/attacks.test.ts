// Tests for the attack registry: each attack's effect, the deterministic choice of attackers.
import { describe, expect, it } from 'vitest';
import {
  ATTACK_NAMES, ByzantineTrainer, byzantineClients, parseAttack, poisonLabels, poisonUpdate, resolveAttack,
} from './attacks.ts';
import type { Trainer, TrainJob } from './types.ts';

const update = Float32Array.of(1, -2, 0.5);

describe('attacks', () => {
  it('signflip reverses the update and scale multiplies it', () => {
    expect(Array.from(poisonUpdate(resolveAttack('signflip'), update, 1))).toEqual([-1, 2, -0.5]);
    expect(Array.from(poisonUpdate(resolveAttack('scale'), update, 1))).toEqual([10, -20, 5]);
    expect(Array.from(poisonUpdate(resolveAttack('scale', { factor: -4 }), update, 1))).toEqual([-4, 8, -2]);
  });

  it('gaussian sends seeded noise of the given std, unrelated to the update', () => {
    const big = new Float32Array(20_000);
    const noise = poisonUpdate(resolveAttack('gaussian', { std: 2 }), big, 5);
    const mean = noise.reduce((s, x) => s + x, 0) / noise.length;
    const std = Math.sqrt(noise.reduce((s, x) => s + (x - mean) ** 2, 0) / noise.length);
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(std).toBeGreaterThan(1.9);
    expect(std).toBeLessThan(2.1);
    expect(Array.from(poisonUpdate(resolveAttack('gaussian', { std: 2 }), big, 5))).toEqual(Array.from(noise));
  });

  it('labelflip flips labels y → 9 − y and leaves the update alone', () => {
    const attack = resolveAttack('labelflip');
    expect(Array.from(poisonLabels(attack, Uint8Array.of(0, 3, 9)))).toEqual([9, 6, 0]);
    expect(poisonUpdate(attack, update, 1)).toBe(update);
    expect(Array.from(poisonLabels(resolveAttack('signflip'), Uint8Array.of(0, 3)))).toEqual([0, 3]);
  });

  it('labelshuffle trains on its own labels permuted: the same multiset, the same permutation every round, another per client', () => {
    const attack = resolveAttack('labelshuffle');
    const labels = Uint8Array.from({ length: 200 }, (_, i) => i % 10);
    const shuffled = poisonLabels(attack, labels);
    // The labels keep their counts, but most move off their example; the input stays as it was.
    expect(Array.from(shuffled).sort()).toEqual(Array.from(labels).sort());
    expect(shuffled.filter((y, i) => y !== labels[i]).length).toBeGreaterThan(150);
    expect(Array.from(labels)).toEqual(Array.from({ length: 200 }, (_, i) => i % 10));
    expect(Array.from(poisonLabels(attack, labels))).toEqual(Array.from(shuffled));
    const other = Uint8Array.from({ length: 200 }, (_, i) => (i * 7) % 10);
    const otherShuffled = poisonLabels(attack, other);
    expect(Array.from(otherShuffled).some((y, i) => y !== shuffled[i])).toBe(true);
    expect(poisonUpdate(attack, update, 1)).toBe(update);
  });

  it('refuses an unknown attack, listing the choices', () => {
    expect(() => resolveAttack('backdoor')).toThrow(ATTACK_NAMES.join(' | '));
    expect(() => resolveAttack('gaussian', { std: 0 })).toThrow(RangeError);
  });

  it('parses the CLI and URL form NAME[:VALUE]', () => {
    expect(parseAttack('signflip')).toEqual({ name: 'signflip', params: { factor: 10, std: 1 } });
    expect(parseAttack('scale:-4').params.factor).toBe(-4);
    expect(parseAttack('gaussian:0.5').params.std).toBe(0.5);
    expect(() => parseAttack('signflip:2')).toThrow(RangeError);
    expect(() => parseAttack('scale:x')).toThrow(RangeError);
    expect(() => parseAttack('scale:')).toThrow(RangeError);
    expect(() => parseAttack('bitflip')).toThrow(RangeError);
  });

  it('picks round(P·n) attackers, the same ones for the same seed', () => {
    const a = byzantineClients(10, 0.2, 7);
    expect(a).toHaveLength(2);
    expect(byzantineClients(10, 0.2, 7)).toEqual(a);
    expect(byzantineClients(10, 0, 7)).toEqual([]);
    expect(byzantineClients(10, 1, 7)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(a.every((i) => i >= 0 && i < 10)).toBe(true);
    expect(() => byzantineClients(10, 1.5, 7)).toThrow(RangeError);
  });

  it('a ByzantineTrainer trains on poisoned labels and poisons the update, keeping the count', async () => {
    // Arrange: an inner trainer that echoes the labels it saw as its update
    const seen: number[][] = [];
    const inner: Trainer = {
      device: () => ({ backend: 'test' }),
      train: async (job) => {
        seen.push(Array.from(job.data.labels));
        return { update: Float32Array.from(job.data.labels), shapes: [[2]], numExamples: job.data.count, metrics: { loss: 0, accuracy: 0, trainMs: 0 } };
      },
    };
    const job = { data: { images: new Float32Array(2 * 784), labels: Uint8Array.of(1, 2), count: 2 }, plan: { seed: 1 } } as unknown as TrainJob;
    // Act
    const flipped = await new ByzantineTrainer(inner, resolveAttack('labelflip')).train(job);
    const reversed = await new ByzantineTrainer(inner, resolveAttack('signflip')).train(job);
    // Assert
    expect(seen).toEqual([[8, 7], [1, 2]]);
    expect(Array.from(flipped.update)).toEqual([8, 7]);
    expect(Array.from(reversed.update)).toEqual([-1, -2]);
    expect(reversed.numExamples).toBe(2);
  });
});
