// What the round engine does differently for a personalised task: under FedPer / FedRep the
// head's tensors never reach it, so an update carries the body's shapes only and the global head
// is kept as it was, like frozen weights; every plan tells clients the task's personalisation.

import { Value } from '@sinclair/typebox/value';
import { keepsHead, PersonalizationSpec, resolveHead, type PersonalHead, type TaskConfig } from '@flotilla/protocol';
import type { ModelLayout } from './modelLayout.ts';

/** A FedPer / FedRep task's layout: the head, the body's shapes an update must have, and how to put a body update back in place. */
export interface PersonalLayout {
  head: PersonalHead;
  /** The shapes of the tensors an update carries: every tensor but the head's, in order. */
  bodyShapes: number[][];
  /** The model's trainable mask with the head's weights at 0: restoreFrozen keeps the global head. */
  trainable: Uint8Array;
  /** The full-length update from a body-only one, with zeros where the head is. */
  expand(body: Float32Array): Float32Array;
}

/**
 * The task's personalisation with its defaults, or null when it has none (absent or `none`).
 * @example personalizationOf({ ...config, personalization: { mode: 'ditto' } }) // { mode: 'ditto', lambda: 0.1, ... }
 */
export function personalizationOf(config: Pick<TaskConfig, 'personalization'>): PersonalizationSpec | null {
  const given = config.personalization;
  if (!given || given.mode === 'none') return null;
  return Value.Default(PersonalizationSpec, structuredClone(given)) as PersonalizationSpec;
}

/**
 * The layout of a FedPer / FedRep task's model, or null for other tasks. Throws FLT_INVALID_TASK
 * when the head names no weight layer or leaves no body (checked at creation, see TaskManager).
 * @example const personal = personalLayout(config, layout); if (personal) update = personal.expand(validated);
 */
export function personalLayout(config: Pick<TaskConfig, 'personalization'>, layout: ModelLayout): PersonalLayout | null {
  const spec = personalizationOf(config);
  if (!spec || !keepsHead(spec.mode)) return null;
  if (!layout.layers) throw new Error('the model layout lists no layers: a personal head cannot be resolved');
  const head = resolveHead(layout.layers, spec.head);
  const inHead = new Set(head.tensors);
  const sizes = layout.shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  const trainable = layout.trainable ? layout.trainable.slice() : new Uint8Array(total).fill(1);
  const spans: { from: number; to: number }[] = [];
  let offset = 0;
  sizes.forEach((size, i) => {
    if (inHead.has(i)) trainable.fill(0, offset, offset + size);
    else spans.push({ from: offset, to: offset + size });
    offset += size;
  });
  return {
    head,
    bodyShapes: layout.shapes.filter((_, i) => !inHead.has(i)),
    trainable,
    expand(body) {
      const full = new Float32Array(total);
      let at = 0;
      for (const { from, to } of spans) {
        full.set(body.subarray(at, at + to - from), from);
        at += to - from;
      }
      if (at !== body.length) throw new Error(`a body update of ${body.length} values for a body of ${at}`);
      return full;
    },
  };
}

/**
 * The welcome's part of a personalised task: clients learn its personalisation before any plan.
 * @example const task = { id, name, ...personalSummary(config) };
 */
export function personalSummary(config: Pick<TaskConfig, 'personalization'>): { personalization?: PersonalizationSpec } {
  const spec = personalizationOf(config);
  return spec ? { personalization: spec } : {};
}
