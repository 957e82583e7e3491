// The client runtime, written once for browser workers and Node: connect, hello, heartbeat,
// check its data against the task's schema and hold out its evaluation split, receive a round
// plan, train locally, upload the update, evaluate global models when asked, and reconnect with
// jittered backoff. Raw examples never leave it: only the weights delta and aggregate metrics are sent.

import {
  ErrorCodes, FlotillaError, PROTOCOL_VERSION, SUPPORTED_CODECS, parseServerMessage,
  type DeviceInfo, type EvaluatePlan, type Heartbeat, type Hello, type RoundPlan, type ServerMessage, type TaskSummary,
} from '@flotilla/protocol';
import { answerEvaluatePlan } from './evaluatePlan.ts';
import { checkLocalData, splitLocal, type LocalSplit } from './localData.ts';
import type { ClientEvent, ClientOptions, ClientStatus, Identity, WebSocketLike } from './types.ts';
import { WeightsCache } from './WeightsCache.ts';
import { memoryResidualStore, residualFor, type ResidualStore } from './residualStore.ts';
import { encodeUpdate, usesErrorFeedback } from './uplink.ts';
import { SecureSession } from './SecureSession.ts';
import { memoryPersonalStore, type PersonalStore } from './personal/personalState.ts';
import { bodyUpdate, zeroHead } from './personal/bodyOnly.ts';
import { partialStop } from './workTiming.ts';
import { UplinkMeter } from './uplinkMeter.ts';

const OPEN = 1;
const PROGRESS_INTERVAL_MS = 500;

/**
 * @example
 * const client = new FlotillaClient({ url, kind: 'node', trainer, data, webSocket: (u) => new WebSocket(u) });
 * client.start();
 */
export class FlotillaClient {
  status: ClientStatus = 'connecting';
  private socket: WebSocketLike | null = null;
  private identity: Identity | null;
  private readonly weights: WeightsCache;
  /** The error-feedback residual of a top-k uplink, kept across rounds (and reloads, if persistent). */
  private readonly residuals: ResidualStore;
  /** Personal models by task: they stay on this client (FedPer/FedRep heads, Ditto's model, the local-only baseline). */
  private readonly personal: PersonalStore;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  /** This client's uplink, measured from its own uploads (seeded from the options). */
  private readonly uplink: UplinkMeter;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  /** Which of [url, ...alternates] this client connects to now. */
  private urlIndex = 0;
  private stopped = false;
  /** The coordinator refused us for load: the next reconnect waits long, and optional progress messages pause until then. */
  private throttledUntil = 0;
  private training: { taskId: string; round: number; abort: AbortController } | null = null;
  /** The secure-aggregation round in progress; it outlives training until the sum is unmasked. */
  private secure: SecureSession | null = null;
  /** The evaluation in progress (federated evaluation), aborted with the connection. */
  private evaluating: AbortController | null = null;
  /** The task of the last welcome, once the data was checked against its schema, and the split of the data it implies. */
  private task: { summary: TaskSummary; split: LocalSplit } | null = null;
  /** Settles when the data has been checked against the welcome's task (null: no task yet). */
  private ready: Promise<boolean> | null = null;
  /** The example count the last hello announced. */
  private announced: number | undefined;
  /** Rounds this client contributed to, with the coordinator's verdict. */
  readonly history: { round: number; taskId: string; accepted: boolean; outcome?: 'committed' | 'abandoned' }[] = [];

  constructor(private readonly options: ClientOptions) {
    this.identity = options.identity?.load() ?? null;
    this.weights = options.weights ?? new WeightsCache(options.fetch);
    this.residuals = options.residuals ?? memoryResidualStore();
    this.personal = options.personal ?? memoryPersonalStore();
    this.uplink = new UplinkMeter(options.uplinkKbps);
  }

  get clientId(): string | null {
    return this.identity?.clientId ?? null;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Leaves for good: aborts training, closes the socket, no reconnect. */
  stop(): void {
    this.stopped = true;
    this.training?.abort.abort();
    this.evaluating?.abort();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stopHeartbeat();
    this.socket?.close(1000, 'client leaving');
    this.setStatus('stopped');
  }

  /**
   * The device lost its network (a browser's `offline` event): give the socket up now instead of
   * waiting for it to time out, and retry with backoff like after any disconnect.
   */
  dropConnection(): void {
    const socket = this.socket;
    if (!socket) return;
    socket.onclose = null;
    socket.onmessage = null;
    socket.close(4000, 'network offline');
    this.onClose(socket, 1006, 'network offline');
  }

  /** The network is back (`online`): reconnect at once rather than after the backoff. */
  reconnectNow(): void {
    if (this.stopped || this.socket) return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.connect();
  }

  private emit(event: ClientEvent): void {
    this.options.onEvent?.(event);
  }

  private setStatus(status: ClientStatus): void {
    this.status = status;
    this.emit({ type: 'status', status });
  }

  /** The base URL in use: the configured one, or after disconnects one of its alternates. */
  private get baseUrl(): string {
    const urls = [this.options.url, ...(this.options.alternates ?? [])];
    return urls[this.urlIndex % urls.length]!.replace(/\/$/, '');
  }

  private connect(): void {
    this.setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const socket = this.options.webSocket(`${this.baseUrl.replace(/^http/, 'ws')}/ws`);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => this.sendJson(this.hello());
    socket.onmessage = (ev) => this.onMessage(ev.data);
    socket.onerror = () => {};
    socket.onclose = (ev) => this.onClose(socket, ev.code, ev.reason);
  }

  private hello(): Hello {
    const { options } = this;
    // Once the task's rule is known, the count is the train split's: what every update reports.
    const rule = this.task?.summary ?? options.holdout;
    this.announced = rule ? splitLocal(options.data.count, rule, options.partitionIndex ?? 0).train.length : options.data.count;
    return {
      type: 'hello', protocolVersion: PROTOCOL_VERSION, kind: options.kind,
      ...(this.identity ? { clientId: this.identity.clientId, resumeToken: this.identity.resumeToken } : {}),
      ...(options.taskId ? { taskId: options.taskId } : {}),
      ...(options.partitionIndex === undefined ? {} : { partitionIndex: options.partitionIndex }),
      ...(options.joinToken ? { joinToken: options.joinToken } : {}),
      numExamples: this.announced,
      ...(this.task ? { trainSplit: true } : {}),
      device: this.device(),
      capabilities: { codecs: [...SUPPORTED_CODECS] },
    };
  }

  /** The trainer's device info with the uplink this client measured (or was seeded with). */
  private device(): DeviceInfo {
    const device = this.options.trainer.device();
    const kbps = this.uplink.kbps;
    if (kbps === undefined || (device.uplinkKbps !== undefined && !this.uplink.measured)) return device;
    return { ...device, uplinkKbps: kbps };
  }

  private onClose(socket: WebSocketLike, code: number, reason: string): void {
    if (socket !== this.socket) return;
    this.socket = null;
    this.stopHeartbeat();
    // The coordinator counts a disconnected client as a dropout of its round: stop training for it.
    this.training?.abort.abort();
    this.evaluating?.abort();
    this.secure = null;
    this.uplink.reset();
    if (this.stopped) return;
    const { baseMs, maxMs } = this.options.backoff ?? { baseMs: 250, maxMs: 10_000 };
    // Refused for load, a client waits the long end of the window instead of hammering; the
    // jitter keeps a refused fleet from coming back in step.
    const throttled = this.throttledUntil > Date.now();
    const retryInMs = throttled ? maxMs * (0.5 + Math.random() / 2) : Math.random() * Math.min(maxMs, baseMs * 2 ** this.attempt);
    this.attempt++;
    // Any edge of the root serves the same tasks: the next try goes to the next one, if there are others.
    if (this.options.alternates?.length) this.urlIndex++;
    this.emit({ type: 'disconnected', code, reason, retryInMs });
    this.setStatus('reconnecting');
    this.reconnectTimer = setTimeout(() => this.connect(), retryInMs);
  }

  private onMessage(data: unknown): void {
    let message: ServerMessage;
    try {
      const isBinary = typeof data !== 'string';
      const bytes = isBinary ? new Uint8Array(data as ArrayBuffer) : (data as string);
      message = parseServerMessage(bytes, isBinary).message;
    } catch (err) {
      this.emit({ type: 'error', code: ErrorCodes.SCHEMA_VIOLATION, message: `unreadable message from the coordinator: ${String(err)}`, fatal: false });
      return;
    }
    switch (message.type) {
      case 'welcome':
        this.identity = { clientId: message.clientId, resumeToken: message.resumeToken };
        this.options.identity?.save(this.identity);
        this.attempt = 0;
        this.startHeartbeat(message.heartbeatIntervalMs);
        this.emit({
          type: 'welcome', clientId: message.clientId, taskId: message.task?.id ?? null,
          ...(message.task ? { taskName: message.task.name, model: message.task.model, schema: message.task.schema } : {}),
        });
        if (!this.training) this.setStatus('idle');
        this.ready = message.task ? this.adopt(message.task) : null;
        return;
      case 'round.plan':
        void this.runPlan(message);
        return;
      case 'evaluate.plan':
        void this.runEvaluation(message);
        return;
      case 'round.end': {
        if (this.training && this.training.round === message.round && this.training.taskId === message.taskId) this.training.abort.abort();
        if (this.secure?.matches(message.taskId, message.round)) this.secure = null;
        const entry = this.history.find((h) => h.round === message.round && h.taskId === message.taskId);
        if (entry) entry.outcome = message.outcome;
        this.emit({ type: 'round-end', round: message.round, outcome: message.outcome });
        return;
      }
      case 'update.ack':
        this.history.push({ round: message.round, taskId: message.taskId, accepted: true });
        this.emit({ type: 'accepted', round: message.round });
        // The next plan should already see the new estimate: say it now, not at the next beat.
        if (this.uplink.acked(message.taskId, message.round)) this.sendJson(this.heartbeatMessage());
        return;
      case 'standing': {
        if (message.taskId !== this.task?.summary.id) return;
        const { type: _type, taskId: _taskId, ...standing } = message;
        this.emit({ type: 'standing', ...standing });
        return;
      }
      case 'secagg.keys':
        return this.secureFor(message)?.onKeys(message);
      case 'secagg.deliver':
        return this.secureFor(message)?.onDeliver(message);
      case 'secagg.unmask':
        return this.secureFor(message)?.onUnmask(message);
      case 'error':
        this.emit({ type: 'error', code: message.code, message: message.message, fatal: message.fatal });
        // Reconnecting with the same join token (or the same refused example count) cannot succeed: leave instead of retrying forever.
        if (message.code === ErrorCodes.JOIN_REFUSED || message.code === ErrorCodes.JOIN_REVOKED || (message.fatal && message.code === ErrorCodes.BAD_EXAMPLE_COUNT)) this.stop();
        if (message.code === ErrorCodes.RATE_LIMITED || message.code === ErrorCodes.TOO_MANY_CONNECTIONS) {
          this.throttledUntil = Date.now() + (this.options.backoff?.maxMs ?? 10_000);
        }
        return;
      default: {
        const never: never = message;
        throw new Error(`unhandled message ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * Checks the data against the task's schema (a client whose data does not fit leaves before it
   * trains, with FLT_DATA_SCHEMA_MISMATCH naming what does not fit) and splits off the held-out
   * examples. When the train split's size is not what the hello announced, it says hello again
   * on a fresh connection, so the coordinator weighs and checks its updates by the right count.
   */
  private async adopt(summary: TaskSummary): Promise<boolean> {
    const { data, partitionIndex } = this.options;
    try {
      await (this.options.checkData ?? ((schema) => checkLocalData(data, schema)))(summary.schema);
    } catch (err) {
      const code = err instanceof FlotillaError ? err.code : ErrorCodes.DATA_SCHEMA_MISMATCH;
      this.emit({ type: 'error', code, message: `this client's data does not fit task ${summary.id}: ${err instanceof Error ? err.message : String(err)}`, fatal: true });
      this.stop();
      return false;
    }
    const split = splitLocal(data.count, summary, partitionIndex ?? 0);
    this.task = { summary, split };
    this.emit({ type: 'data', taskId: summary.id, train: split.train.length, heldOut: split.test.length });
    if (this.announced !== split.train.length && this.socket && !this.stopped) this.reannounce();
    return true;
  }

  /** A fresh hello on a fresh connection, under the same identity (no backoff: nothing failed). */
  private reannounce(): void {
    const socket = this.socket!;
    socket.onclose = null;
    socket.onmessage = null;
    socket.close(1000, 'announcing the train split');
    this.socket = null;
    this.stopHeartbeat();
    this.training?.abort.abort();
    this.evaluating?.abort();
    this.connect();
  }

  /** Federated evaluation: the global model of `plan` on the held-out split, reported as metrics and a count only. */
  private async runEvaluation(plan: EvaluatePlan): Promise<void> {
    const checked = await this.ready;
    this.evaluating?.abort();
    const abort = new AbortController();
    this.evaluating = abort;
    const deadlineTimer = setTimeout(() => abort.abort(), Math.max(0, plan.deadline - Date.now()));
    try {
      const answer = await answerEvaluatePlan(plan, {
        trainer: this.options.trainer, weights: this.weights, baseUrl: this.baseUrl, data: this.options.data,
        split: checked && this.task?.summary.id === plan.taskId ? this.task.split : null, signal: abort.signal, personal: this.personal,
      });
      this.sendJson(answer);
      this.emit(answer.type === 'evaluation'
        ? {
          type: 'evaluation', round: plan.round, modelVersion: plan.modelVersion, outcome: 'reported', numExamples: answer.numExamples, metrics: answer.metrics,
          ...(answer.personal ? { personal: answer.personal } : {}), ...(answer.localOnly ? { localOnly: answer.localOnly } : {}),
        }
        : { type: 'evaluation', round: plan.round, modelVersion: plan.modelVersion, outcome: 'failed', code: answer.code, message: answer.message });
    } finally {
      clearTimeout(deadlineTimer);
      if (this.evaluating === abort) this.evaluating = null;
    }
  }

  private secureFor(message: { taskId: string; round: number }): SecureSession | null {
    return this.secure?.matches(message.taskId, message.round) ? this.secure : null;
  }

  /** Under secure aggregation the keys go out at once, so the key exchange overlaps training. */
  private openSecureSession(plan: RoundPlan): SecureSession | null {
    const spec = plan.secureAggregation;
    if (!spec) return null;
    const session = new SecureSession(
      { ...plan, secureAggregation: spec }, (data) => this.send(data),
      (stage, bytes) => this.emit({ type: 'secagg', round: plan.round, stage, bytes }),
      (err) => {
        if (this.secure === session) this.secure = null;
        this.emit({ type: 'error', code: ErrorCodes.SECAGG_REJECTED, message: `secure aggregation failed: ${err instanceof Error ? err.message : String(err)}`, fatal: false });
      },
      this.options.noise,
    );
    this.secure = session;
    session.start();
    return session;
  }

  private async runPlan(plan: RoundPlan): Promise<void> {
    // A plan of a task this client was not welcomed to (it connected before the task started):
    // it has not checked its data against that schema nor split it, so it says hello again and
    // takes part from the next round on.
    if (this.stopped) return;
    if (this.ready === null || (this.task !== null && this.task.summary.id !== plan.taskId)) {
      if (this.socket && !this.stopped) this.reannounce();
      return;
    }
    this.training?.abort.abort();
    const abort = new AbortController();
    const current = { taskId: plan.taskId, round: plan.round, abort };
    this.training = current;
    // Past the deadline an update is refused anyway: stop computing it.
    const deadlineTimer = setTimeout(() => abort.abort(), Math.max(0, plan.deadline - Date.now()));
    this.emit({ type: 'plan', taskId: plan.taskId, round: plan.round, modelVersion: plan.modelVersion });
    this.setStatus('training');
    let lastProgress = 0;
    try {
      if (!(await this.ready)) throw new FlotillaError(ErrorCodes.DATA_SCHEMA_MISMATCH, 'this client has not checked its data against the task');
      const examples = this.task!.split.train;
      if (examples.length === 0) throw new FlotillaError(ErrorCodes.NO_LOCAL_DATA, 'this client holds no examples to train on');
      if (abort.signal.aborted) return;
      assertBoundExamples(plan, examples.length);
      // Parameters no SecAgg client accepts fail the round for this client like a failed training.
      const secure = this.openSecureSession(plan);
      const base = this.baseUrl;
      const global = await this.weights.get(`${base}${plan.weightsUrl}`, this.identity?.clientId);
      const personalised = plan.fit.personalization !== undefined && plan.fit.personalization.mode !== 'none';
      const outcome = await this.options.trainer.train({
        model: plan.model, schema: plan.schema, weights: global.weights, plan: plan.fit, data: this.options.data, examples, signal: abort.signal,
        ...(personalised ? { personal: await this.personal.load(plan.taskId) } : {}),
        ...(plan.fit.acceptPartial ? { stopAt: partialStop(plan.deadline, Date.now()) } : {}),
        onProgress: (p) => {
          this.emit({ type: 'progress', round: plan.round, ...p });
          const now = Date.now();
          if (now - lastProgress < PROGRESS_INTERVAL_MS || now < this.throttledUntil) return;
          lastProgress = now;
          this.sendJson({ type: 'progress', taskId: plan.taskId, round: plan.round, ...p, loss: Number.isFinite(p.loss) ? p.loss : 0 });
        },
      });
      if (abort.signal.aborted) return;
      // The personal models trained this round are kept whatever becomes of the update.
      if (personalised && outcome.personal) await this.personal.save(plan.taskId, outcome.personal);
      assertBoundExamples(plan, outcome.numExamples);
      this.setStatus('uploading');
      if (secure) {
        // Only the masked vector leaves: the example count is inside it, the metrics stay on this device.
        // A personal head is zeroed in it (the masked sum must keep the model's length): nothing of it leaves.
        const masked = outcome.headTensors ? zeroHead(outcome.update, outcome.shapes, outcome.headTensors) : outcome.update;
        const bytes = this.secure === secure ? await secure.upload(masked, outcome.numExamples) : null;
        if (bytes !== null) {
          this.uplink.sent(plan.taskId, plan.round, bytes);
          this.emit({ type: 'uploaded', round: plan.round, bytes, ...outcome.metrics });
        }
        return;
      }
      // FedPer / FedRep: only the body is encoded (a top-k residual is the body's too); the head never leaves this client.
      const body = bodyUpdate(outcome.update, outcome.shapes, outcome.headTensors ?? []);
      const uplink = plan.fit.uplink ?? { codec: 'float32' as const };
      const residual = usesErrorFeedback(uplink) ? await residualFor(this.residuals, plan.taskId, body.shapes) : null;
      const { frame, residual: next } = encodeUpdate(
        {
          type: 'update', taskId: plan.taskId, round: plan.round, modelVersion: plan.modelVersion, numExamples: outcome.numExamples, metrics: outcome.metrics,
          ...(outcome.localSteps === undefined ? {} : { localSteps: outcome.localSteps }),
        },
        body.update, body.shapes, uplink, residual,
      );
      if (!this.send(frame)) return;
      this.uplink.sent(plan.taskId, plan.round, frame.byteLength);
      // Kept only once sent: an update that never left must not count as transmitted.
      if (next) await this.residuals.save({ taskId: plan.taskId, shapes: body.shapes.map((s) => [...s]), values: next });
      this.emit({ type: 'uploaded', round: plan.round, bytes: frame.byteLength, ...outcome.metrics });
    } catch (err) {
      if (abort.signal.aborted) return;
      const message = err instanceof Error ? err.message : String(err);
      const code = err instanceof FlotillaError ? err.code : ErrorCodes.TRAINING_FAILED;
      this.sendJson({ type: 'fit.failed', taskId: plan.taskId, round: plan.round, code, message: message.slice(0, 1000) });
      this.emit({ type: 'error', code, message, fatal: false });
    } finally {
      clearTimeout(deadlineTimer);
      if (this.training === current) {
        this.training = null;
        if (!this.stopped) this.setStatus(this.socket ? 'idle' : 'reconnecting');
      }
    }
  }

  private send(data: string | Uint8Array): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(data);
    return true;
  }

  private sendJson(message: object): boolean {
    return this.send(JSON.stringify(message));
  }

  private startHeartbeat(intervalMs: number): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => this.sendJson(this.heartbeatMessage()), intervalMs);
  }

  /** A heartbeat, with the uplink once this client has measured it. */
  private heartbeatMessage(): Heartbeat {
    const kbps = this.uplink.measured ? this.uplink.kbps : undefined;
    return kbps === undefined ? { type: 'heartbeat' } : { type: 'heartbeat', uplinkKbps: kbps };
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}

/**
 * Under DP-SGD with secure aggregation the coordinator accounts this client's examples at the count
 * its plan binds (it cannot see the masked one): training on any other count would make the ε shown
 * wrong, so the round fails for this client instead.
 */
function assertBoundExamples(plan: RoundPlan, numExamples: number): void {
  const bound = plan.fit.dpSgd?.numExamples;
  if (bound !== undefined && numExamples !== bound) {
    throw new Error(`DP-SGD is accounted for ${bound} examples on this client, it holds ${numExamples}`);
  }
}
