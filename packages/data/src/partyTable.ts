// The table a data-holding party brings to a vertical job (simulated or its own): its IDs and feature columns, with
// the labels only at the label holder.

/**
 * A party's rows: IDs, features (ids.length × featureCount, row-major) and, for a simulation, its
 * test rows in the agreed test order. An own table has no test rows: both parties hold out the
 * last aligned rows instead (see trainAndValidation in @flotilla/vertical).
 */
export interface VerticalPartyTable {
  ids: string[];
  features: Float32Array;
  featureCount: number;
  /** Labels (label holder only), classes 0..classes−1. */
  labels?: Uint8Array;
  /** How many classes the labels name (label holder only); the split NN's top layer has one unit each. */
  classes?: number;
  testFeatures?: Float32Array;
  /** Test labels (label holder only). */
  testLabels?: Uint8Array;
}

/** A simulated table: it always has the explicit test rows (so the coordinator can train baselines on them). */
export type SimulatedPartyTable = VerticalPartyTable & { testFeatures: Float32Array };
