// Tests for planFit: sample sizes, over-selection, determinism.
import { describe, expect, it } from 'vitest';
import { createRng, sampleWeighted } from './random.ts';
import { planFit } from './sampling.ts';
import { DEFAULT_STRATEGY_CONFIG, type CommonStrategyConfig } from './Strategy.ts';
import type { ClientInfo } from './types.ts';

const clients = (n: number): ClientInfo[] => Array.from({ length: n }, (_, i) => ({ id: `c${i}` }));
const config = (overrides: Partial<CommonStrategyConfig> = {}): CommonStrategyConfig => ({
  ...DEFAULT_STRATEGY_CONFIG,
  ...overrides,
});

describe('planFit', () => {
  it('samples C·available distinct clients and waits for all of them', () => {
    // Arrange: C = 0.1 of 100 → m = 10
    const available = clients(100);
    // Act
    const plan = planFit(config(), available, createRng(1), 0);
    // Assert
    expect(plan?.goal).toBe(10);
    expect(plan?.clientIds).toHaveLength(10);
    expect(new Set(plan?.clientIds).size).toBe(10);
    expect(plan?.clientIds.every((id) => available.some((c) => c.id === id))).toBe(true);
  });

  it('does not round 0.1 × 30 = 3.0000000000000004 up to 4', () => {
    expect(planFit(config(), clients(30), createRng(1), 0)?.goal).toBe(3);
  });

  it('rounds a fractional sample up: ⌈0.1 × 25⌉ = 3', () => {
    expect(planFit(config(), clients(25), createRng(1), 0)?.goal).toBe(3);
  });

  it('samples at least minFitClients', () => {
    // ⌈0.1 × 5⌉ = 1 < minFitClients = 2
    expect(planFit(config(), clients(5), createRng(1), 0)?.goal).toBe(2);
  });

  it('over-selects so that dropouts still leave the goal: 10 × 1.3 → 13 selected, goal 10', () => {
    const plan = planFit(config({ overSelection: 1.3 }), clients(100), createRng(1), 0);
    expect(plan?.goal).toBe(10);
    expect(plan?.clientIds).toHaveLength(13);
  });

  it('caps over-selection at the clients available', () => {
    // C = 0.5 of 12 → m = 6; 6 × 3 = 18 > 12 → all 12
    const plan = planFit(config({ fractionFit: 0.5, overSelection: 3 }), clients(12), createRng(1), 0);
    expect(plan?.goal).toBe(6);
    expect(plan?.clientIds).toHaveLength(12);
  });

  it('returns null below minAvailableClients', () => {
    expect(planFit(config(), clients(1), createRng(1), 0)).toBeNull();
    expect(planFit(config({ minAvailableClients: 10 }), clients(9), createRng(1), 0)).toBeNull();
  });

  it('returns null when fewer clients are available than the sample needs', () => {
    expect(planFit(config({ minFitClients: 5 }), clients(4), createRng(1), 0)).toBeNull();
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const available = clients(1000);
    const a = planFit(config(), available, createRng(42), 0);
    const b = planFit(config(), available, createRng(42), 0);
    const c = planFit(config(), available, createRng(43), 0);
    expect(a?.clientIds).toEqual(b?.clientIds);
    expect(a?.clientIds).not.toEqual(c?.clientIds);
  });

  it('sends the local training plan with the given μ', () => {
    const plan = planFit(config({ epochs: 5, batchSize: 50, learningRate: 0.02 }), clients(20), createRng(1), 0.01);
    expect(plan?.config).toEqual({ epochs: 5, batchSize: 50, learningRate: 0.02, proximalMu: 0.01 });
  });
});

describe('weighted selection (selectionWeight)', () => {
  it('selects a client in proportion to its weight, never starving a light one', () => {
    // Arrange: 'slow' weighs 0.25, 'fast' 1; one of the two is drawn per round
    const clients = [{ id: 'slow', selectionWeight: 0.25 }, { id: 'fast', selectionWeight: 1 }];
    const config = { ...DEFAULT_STRATEGY_CONFIG, minFitClients: 1, minAvailableClients: 1, fractionFit: 0.5 };
    const rng = createRng(3);
    // Act
    let slow = 0;
    for (let r = 0; r < 4000; r++) if (planFit(config, clients, rng, 0)!.clientIds[0] === 'slow') slow++;
    // Assert: P(slow) = 0.25 / 1.25 = 0.2
    expect(slow / 4000).toBeGreaterThan(0.17);
    expect(slow / 4000).toBeLessThan(0.23);
  });

  it('draws k distinct clients', () => {
    const clients = Array.from({ length: 10 }, (_, i) => ({ id: `c${i}`, selectionWeight: 1 + i }));
    const picked = sampleWeighted(clients, clients.map((c) => c.selectionWeight), 10, createRng(1));
    expect(new Set(picked.map((c) => c.id)).size).toBe(10);
  });
});
