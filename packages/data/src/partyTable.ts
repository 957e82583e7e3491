// The table a data-holding party brings to a vertical job (simulated or its own): its IDs and feature columns, with
// the labels only at the label holder.

/** A party's rows: IDs, features (ids.length × featureCount, row-major) and its test rows in the agreed test order. */
export interface VerticalPartyTable {
  ids: string[];
  features: Float32Array;
  featureCount: number;
  /** Labels (label holder only). */
  labels?: Uint8Array;
  testFeatures: Float32Array;
  /** Test labels (label holder only). */
  testLabels?: Uint8Array;
}
