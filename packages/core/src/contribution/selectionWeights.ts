// Selection that uses the standings: a client whose cumulative contribution is negative after
// enough valued rounds is sampled less (downweight) or not at all (exclude).

/** The selection policy (structurally the protocol's ContributionSelectionSpec). */
export interface StandingSelection {
  policy: 'uniform' | 'downweight' | 'exclude';
  /** A client is judged only once it was valued in this many rounds. */
  minRounds: number;
  /** `downweight`: the weight of a judged client with a negative cumulative value (0–1]. */
  floorWeight: number;
}

/** What the policy looks at for one client. */
export interface Standing {
  cumulative: number;
  /** Rounds the client was valued in. */
  rounds: number;
}

/**
 * One client's selection weight: 1 unless the policy judges it (valued in ≥ minRounds rounds)
 * and its cumulative value is negative, then `floorWeight` (downweight) or 0 (exclude). A client
 * with no standing yet weighs 1: newcomers get their chance.
 * @example selectionWeight({ cumulative: -0.02, rounds: 5 }, { policy: 'exclude', minRounds: 3, floorWeight: 0.1 }); // 0
 */
export function selectionWeight(standing: Standing | undefined, spec: StandingSelection): number {
  if (standing === undefined || standing.rounds < spec.minRounds || !(standing.cumulative < 0)) return 1;
  switch (spec.policy) {
    case 'uniform': return 1;
    case 'downweight': return spec.floorWeight;
    case 'exclude': return 0;
    default: {
      const never: never = spec.policy;
      throw new Error(`unknown selection policy ${String(never)}`);
    }
  }
}

/**
 * {@link selectionWeight} for every client with a standing; clients absent from the result weigh 1.
 * @example
 * selectionWeights({ a: { cumulative: 0.1, rounds: 4 }, b: { cumulative: -0.1, rounds: 4 } },
 *   { policy: 'downweight', minRounds: 3, floorWeight: 0.1 }); // Map { a → 1, b → 0.1 }
 */
export function selectionWeights(
  standings: ReadonlyMap<string, Standing> | Readonly<Record<string, Standing>>, spec: StandingSelection,
): Map<string, number> {
  const entries = standings instanceof Map ? [...standings.entries()] : Object.entries(standings);
  return new Map(entries.map(([id, standing]) => [id, selectionWeight(standing, spec)]));
}
