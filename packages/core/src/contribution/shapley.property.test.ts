// Properties every Shapley estimator here must keep on random games (fast-check): efficiency,
// symmetry, the null player, linearity for exact Shapley; efficiency up to the truncation
// tolerance and the memo for GTG.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { exactShapley } from './exactShapley.ts';
import { gtgShapley } from './gtgShapley.ts';
import { counted, tableGame } from './games.ts';

const gameOf = (n: number) => fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 2 ** n, maxLength: 2 ** n });
const game = fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(fc.constant(n), gameOf(n)));
const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

describe('Shapley axioms of exactShapley', () => {
  it('efficiency: the values sum to u(N) − u(∅)', async () => {
    await fc.assert(fc.asyncProperty(game, async ([n, table]) => {
      const { values } = await exactShapley(n, tableGame(table));
      expect(sum(values)).toBeCloseTo(table[2 ** n - 1]! - table[0]!, 9);
    }));
  });

  it('a player added without effect on any coalition gets 0 and leaves the others unchanged', async () => {
    await fc.assert(fc.asyncProperty(game, async ([n, table]) => {
      // Player n is null: u(S ∪ {n}) = u(S).
      const before = await exactShapley(n, tableGame(table));
      const after = await exactShapley(n + 1, tableGame([...table, ...table]));
      expect(after.values[n]).toBeCloseTo(0, 12);
      before.values.forEach((v, i) => expect(after.values[i]).toBeCloseTo(v, 9));
    }));
  });

  it('symmetry: relabelling players relabels their values', async () => {
    await fc.assert(fc.asyncProperty(game.filter(([n]) => n >= 2), async ([n, table]) => {
      // Swap players 0 and 1 in the game.
      const swap = (mask: number): number => (mask & ~3) | ((mask & 1) << 1) | ((mask & 2) >> 1);
      const swapped = table.map((_, mask) => table[swap(mask)]!);
      const a = await exactShapley(n, tableGame(table));
      const b = await exactShapley(n, tableGame(swapped));
      expect(b.values[0]).toBeCloseTo(a.values[1]!, 9);
      expect(b.values[1]).toBeCloseTo(a.values[0]!, 9);
    }));
  });

  it('linearity: the values of u + v are the sums of their values', async () => {
    const two = fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(fc.constant(n), gameOf(n), gameOf(n)));
    await fc.assert(fc.asyncProperty(two, async ([n, u, v]) => {
      const a = await exactShapley(n, tableGame(u));
      const b = await exactShapley(n, tableGame(v));
      const ab = await exactShapley(n, tableGame(u.map((x, i) => x + v[i]!)));
      ab.values.forEach((x, i) => expect(x).toBeCloseTo(a.values[i]! + b.values[i]!, 9));
    }));
  });
});

describe('GTG-Shapley on random games', () => {
  it('sums to u(N) − u(∅) within the truncation tolerance and measures each coalition once', async () => {
    const tolerance = fc.constantFrom(0, 0.01, 0.2);
    await fc.assert(fc.asyncProperty(game, tolerance, fc.integer({ min: 0, max: 1000 }), async ([n, table], truncationTolerance, seed) => {
      const u = counted(tableGame(table));
      const result = await gtgShapley(n, u.utility, { truncationTolerance, roundTolerance: 0, convergenceTolerance: 0.05, maxPermutations: 30, seed });
      const gain = table[2 ** n - 1]! - table[0]!;
      expect(Math.abs(sum(result.values) - gain)).toBeLessThanOrEqual(truncationTolerance + 1e-9);
      expect(u.calls()).toBe(result.evaluations);
      expect(result.evaluations).toBeLessThanOrEqual(2 ** n);
    }));
  });
});
