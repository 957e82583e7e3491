// Socket fuzzing: thousands of generated frames (random bytes, mutated frames, JSON of the wrong
// shape, absurd hellos, stale updates, SecAgg messages out of order) against a running
// coordinator with a plain and a secure round in flight. Every frame that calls for an answer gets
// a welcome or a coded error, in order, or the connection is closed; the coordinator stays up; the
// committed models stay byte-identical; and a well-behaved round still commits afterwards.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ErrorCodes, encodeFrame, parseClientMessage } from '@flotilla/protocol';
import { RawClient, api, createTask, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';
import { wireFrame, type WireFrame } from '../testing/wireArbitraries.ts';

const SHAPES = [[784, 200], [200], [200, 200], [200], [200, 10], [10]];
/** FLT_INTERNAL is coded too, but means a handler threw something unexpected: a bug the fuzzing must report. */
const CODES = new Set<string>(Object.values(ErrorCodes).filter((c) => c !== ErrorCodes.INTERNAL));
/** A frame that is always refused and fatal: it ends each script, so every answer is in before the close. */
const SENTINEL: WireFrame = { data: '{', binary: false, kind: 'sentinel' };
const ANSWERED_AFTER_WELCOME = new Set(['hello', 'update', 'evaluation', 'secagg.advertise', 'secagg.shares', 'secagg.masked', 'secagg.reveal']);

interface Plan { type: 'round.plan'; taskId: string; round: number; modelVersion: number }
interface Reply { type: string; code?: string; fatal?: boolean }

/** Sends a script on a fresh connection; resolves with the welcomes and errors it got and how it closed. */
function runScript(url: string, frames: WireFrame[]): Promise<{ replies: Reply[]; close: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
    const replies: Reply[] = [];
    const timer = setTimeout(() => reject(new Error('script got no close in 10 s')), 10_000);
    socket.on('open', () => {
      for (const f of frames) socket.send(f.data, { binary: f.binary });
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const m = JSON.parse(data.toString()) as Reply;
      if (m.type === 'welcome' || m.type === 'error') replies.push(m);
    });
    socket.on('error', () => {});
    socket.on('close', (code) => {
      clearTimeout(timer);
      resolve({ replies, close: code });
    });
  });
}

/** Walks the script as the coordinator must have: each frame that calls for an answer takes the next reply. */
function checkAnswers(frames: WireFrame[], replies: Reply[], close: number): { processed: number; answered: number } {
  let welcomed = false;
  let next = 0;
  let processed = 0;
  for (const frame of frames) {
    processed++;
    let type: string | null = null;
    try {
      type = parseClientMessage(frame.data, frame.binary).message.type;
    } catch {
      // Refused by the decoder: an answer is due.
    }
    if (type !== null && welcomed && !ANSWERED_AFTER_WELCOME.has(type)) continue;
    const reply = replies[next++];
    expect(reply, `no answer to a ${frame.kind} frame`).toBeDefined();
    if (reply!.type === 'welcome') {
      expect(type).toBe('hello');
      welcomed = true;
      continue;
    }
    expect(CODES.has(reply!.code!), `uncoded error ${reply!.code}`).toBe(true);
    if (reply!.fatal) {
      expect([1008, 1009, 1013]).toContain(close);
      expect(replies).toHaveLength(next);
      return { processed, answered: next };
    }
  }
  throw new Error('the sentinel frame was not refused');
}

describe('client socket under fuzzing', () => {
  let coordinator: TestCoordinator;
  let plainTask: string;
  let secureTask: string;
  const honest: RawClient[] = [];
  const parties: RawClient[] = [];
  let plans: Plan[];
  let securePlan: Plan;
  const weights = (taskId: string) => fetch(`${coordinator.url}/api/tasks/${taskId}/models/latest/weights.frame`).then(async (r) => Buffer.from(await r.arrayBuffer()));
  let before: { plain: Buffer; secure: Buffer };
  let sent = 0;
  let processed = 0;
  let answered = 0;

  beforeAll(async () => {
    // Far above the defaults: this test measures the handlers, not the rate limits.
    coordinator = await startTestCoordinator({ limits: { messageBurst: 1e6, helloBurst: 1e6, maxConnectionsPerAddress: 1e4 } });
    plainTask = await createTask(coordinator.url, smallTask({
      fit: { minAvailableClients: 2, minFitClients: 2 }, stop: { maxRounds: 3, minReports: 2, roundDeadlineMs: 120_000 }, limits: { maxUpdateNorm: 50 },
    }));
    secureTask = await createTask(coordinator.url, smallTask({
      name: 'secure', fit: { minAvailableClients: 3, minFitClients: 3 }, stop: { maxRounds: 1, minReports: 2, roundDeadlineMs: 120_000 },
      privacy: { secureAggregation: { enabled: true, stageDeadlineMs: 120_000 } },
    }));
    for (let i = 0; i < 2; i++) honest.push(new RawClient(coordinator.url));
    for (let i = 0; i < 3; i++) parties.push(new RawClient(coordinator.url));
    await Promise.all(honest.map((c) => c.hello({ taskId: plainTask })));
    await Promise.all(parties.map((c) => c.hello({ taskId: secureTask })));
    plans = await Promise.all(honest.map((c) => c.next<Plan>('round.plan')));
    securePlan = (await Promise.all(parties.map((c) => c.next<Plan>('round.plan'))))[0]!;
    before = { plain: await weights(plainTask), secure: await weights(secureTask) };
  }, 60_000);

  afterAll(async () => {
    for (const c of [...honest, ...parties]) c.close();
    await coordinator?.close();
    process.stdout.write(`socket fuzzing: ${sent} frames sent, ${processed} read before their connection closed, ${answered} answered with a welcome or a coded error\n`);
  });

  it('answers every frame that calls for it with a welcome or a coded error, in order, or closes', async () => {
    const targets = { taskIds: [plainTask, secureTask], round: plans[0]!.round, modelVersion: plans[0]!.modelVersion };
    // Mostly after a hello, so that most frames reach the handlers instead of the not-welcomed check.
    const script = fc.record({ hello: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), frames: fc.array(wireFrame(targets), { minLength: 1, maxLength: 24 }) });
    await fc.assert(fc.asyncProperty(script, async ({ hello, frames }) => {
      const all = [
        ...(hello ? [{ data: JSON.stringify({ type: 'hello', protocolVersion: 2, kind: 'node', device: { backend: 'fuzz' }, capabilities: { codecs: ['float32'] } }), binary: false, kind: 'hello' }] : []),
        ...frames, SENTINEL,
      ];
      const { replies, close } = await runScript(coordinator.url, all);
      sent += all.length;
      const counts = checkAnswers(all, replies, close);
      processed += counts.processed;
      answered += counts.answered;
    }), { numRuns: 600 });
  }, 60_000);

  it('takes SecAgg messages out of order from the round\'s own parties with a coded error or silence', async () => {
    const targets = { taskIds: [secureTask], round: securePlan.round, modelVersion: securePlan.modelVersion };
    const secagg = wireFrame(targets).filter((f) => f.kind === 'secagg out of order');
    await fc.assert(fc.asyncProperty(fc.nat({ max: 2 }), fc.array(secagg, { minLength: 1, maxLength: 10 }), async (who, frames) => {
      const party = parties[who]!;
      if (party.closed) return;
      for (const f of frames) party.send(f.data);
      sent += frames.length;
      processed += frames.length;
      // A heartbeat is never answered: a reply seen after it answered the frames before it.
      party.send({ type: 'heartbeat' });
      await new Promise((r) => setTimeout(r, 5));
    }), { numRuns: 60 });
    for (const party of parties) {
      for (;;) {
        const error = await party.next<Reply>('error', 300).catch(() => null);
        if (!error) break;
        answered++;
        expect(CODES.has(error.code!)).toBe(true);
      }
    }
  }, 60_000);

  it('stays up with both committed models byte-identical, and a well-behaved round still commits', async () => {
    expect((await api(coordinator.url, '/healthz')).status).toBe(200);
    expect((await weights(plainTask)).equals(before.plain)).toBe(true);
    expect((await weights(secureTask)).equals(before.secure)).toBe(true);
    const { body: secure } = await api<{ modelVersion: number }>(coordinator.url, `/api/tasks/${secureTask}`);
    expect(secure.modelVersion).toBe(0);

    const tensors = SHAPES.map((shape) => ({ shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.0001) }));
    honest.forEach((c, i) => {
      const plan = plans[i]!;
      c.send(encodeFrame({ type: 'update', taskId: plan.taskId, round: plan.round, modelVersion: plan.modelVersion, numExamples: 50, metrics: { loss: 1, accuracy: 0.5, trainMs: 10 } }, tensors));
    });
    for (const c of honest) expect((await c.next<{ round: number }>('update.ack')).round).toBe(plans[0]!.round);
    expect((await honest[0]!.next<{ outcome: string }>('round.end', 60_000)).outcome).toBe('committed');
    const { body: plain } = await api<{ modelVersion: number }>(coordinator.url, `/api/tasks/${plainTask}`);
    expect(plain.modelVersion).toBe(1);
  }, 60_000);
});
