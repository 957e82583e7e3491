// Differential privacy at a glance for a DP task: which guarantee (client-level DP-FedAvg or
// sample-level DP-SGD), ε spent so far at the task's δ, and the ε budget that ends the task.

import type { RoundSummary, TaskView } from './api.ts';
import { fmtEps } from './format.ts';

/** The task's DP setting in one shape, or null when it trains without differential privacy. */
export function taskPrivacy(task: TaskView): { kind: string; delta: number; budget: number | null; detail: string; adaptive: boolean } | null {
  const client = task.config.privacy?.differentialPrivacy;
  const sample = task.config.privacy?.dpSgd;
  if (sample?.enabled) {
    return {
      kind: 'sample-level DP-SGD', delta: sample.delta, budget: sample.targetEpsilon ?? null, adaptive: false,
      detail: `C = ${sample.l2NormClip}, σ = ${sample.noiseMultiplier}, micro-batch ${sample.microbatchSize}; ε of one example`,
    };
  }
  if (client?.enabled) {
    const adaptive = client.adaptiveClipping?.enabled === true;
    return {
      kind: 'client-level DP-FedAvg', delta: client.delta, budget: client.targetEpsilon ?? null, adaptive,
      detail: adaptive
        ? `S from ${client.clippingNorm} adaptive to the ${client.adaptiveClipping!.targetQuantile} quantile, z = ${client.noiseMultiplier}; ε of one client`
        : `S = ${client.clippingNorm}, z = ${client.noiseMultiplier}; ε of one client`,
    };
  }
  return null;
}

/**
 * Headline entries (inside the overview's <dl>) for a DP task; nothing for any other task.
 * @example <dl className="headline"><PrivacySummary task={task} rounds={rounds} /></dl>
 */
export function PrivacySummary({ task, rounds }: { task: TaskView; rounds: RoundSummary[] }) {
  const privacy = taskPrivacy(task);
  if (!privacy) return null;
  // ε grows with every update received, so the latest round that recorded one is the current value.
  const spent = rounds.filter((r) => r.epsilon !== null && r.epsilon !== undefined).at(-1)?.epsilon ?? 0;
  const clipNorm = rounds.filter((r) => typeof r.clipNorm === 'number').at(-1)?.clipNorm;
  return (
    <>
      <div><dt>ε spent (<span data-testid="dashboard.privacy.kind">{privacy.kind}</span>)</dt><dd data-testid="dashboard.privacy.epsilon">{fmtEps(spent)}</dd></div>
      <div><dt>δ</dt><dd data-testid="dashboard.privacy.delta">{String(privacy.delta)}</dd></div>
      <div><dt>ε budget</dt><dd data-testid="dashboard.privacy.budget">{privacy.budget === null ? 'none' : fmtEps(privacy.budget)}</dd></div>
      {privacy.adaptive ? (
        <div><dt>clip norm S now</dt><dd data-testid="dashboard.privacy.clipNorm">{clipNorm === undefined || clipNorm === null ? 'not yet adapted' : clipNorm.toPrecision(3)}</dd></div>
      ) : null}
      <div><dt>privacy setting</dt><dd className="small" data-testid="dashboard.privacy.detail">{privacy.detail}</dd></div>
    </>
  );
}
