// Vertical FL on the coordinator: REST to create and watch jobs, and a relay socket for the parties.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { WebSocket } from 'ws';
import { CreateVerticalJob, CreatedVerticalJobView, ErrorCodes, FlotillaError, VerticalJobListView, VerticalJobView } from '@flotilla/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { simulateVerticalMnist } from '@flotilla/data';
import { hostIndex, simulateFtlMnist } from '@flotilla/vertical';
import type { CoordinatorEnvelope, FtlBaselineEpoch, HeteroLrBaselineEpoch, VerticalRole } from '@flotilla/vertical';
import type { Coordinator } from '../coordinator.ts';
import { WorkerRpc } from '../model/WorkerRpc.ts';
import type { BaselineJob } from './baselineWorker.ts';
import { isJobRole, jobRoles, VerticalJobs, verticalJobView } from './VerticalJobs.ts';
import { readPartyEnvelope } from './partyEnvelope.ts';
import type { SampledLog } from '../logging/sampledLog.ts';
import type { VerticalJob } from './VerticalJobs.ts';


/**
 * For a simulated job the coordinator trains the two plaintext baselines with the job's schedule
 * (all features, and the label holder alone) in a worker thread of their own, ended when done or
 * when the coordinator closes (`running` holds the workers still at it).
 */
async function computeBaselines(jobs: VerticalJobs, job: VerticalJob, log: FastifyBaseLogger, running: Set<WorkerRpc>): Promise<void> {
  const worker = new WorkerRpc(new URL('./baselineWorker.ts', import.meta.url));
  running.add(worker);
  try {
    const args: BaselineJob = { algorithm: job.algorithm, simulation: job.simulation ?? {}, settings: job.settings };
    job.baselines = await worker.call<(HeteroLrBaselineEpoch | FtlBaselineEpoch)[]>('baselines', args);
    jobs.save(job);
  } catch (err) {
    if (running.has(worker)) log.warn({ err, jobId: job.id }, 'vertical baselines failed');
  } finally {
    if (running.delete(worker)) await worker.close();
  }
}

/**
 * REST (operator token): `POST /api/vertical/jobs` creates a hetero LR or split NN job and returns one
 * party token per role; `GET /api/vertical/jobs[/:id]` shows who joined, the intersection size,
 * the step and per-epoch loss (arbiter) and test accuracy (guest). Parties connect to
 * `/vertical/ws?job=&role=&token=` (roles guest, host, host-2 … per the job's `hosts`, arbiter); once all are in, the coordinator starts the job and
 * relays each `{ to, payload }` to that role as `{ from, payload }`, checking the envelope (role,
 * payload type of this algorithm) and leaving payload validation to the receiving party.
 */
export const verticalRoutes: FastifyPluginAsyncTypebox<{ coordinator: Coordinator; rejections: SampledLog }> = async (app, { coordinator, rejections }) => {
  const jobs = new VerticalJobs(coordinator.store, () => coordinator.closing);
  for (const job of jobs.interrupted) {
    coordinator.bus.publish('vertical.state', null, { jobId: job.id, state: job.state, reason: job.error!.message, code: job.error!.code });
  }
  // Baselines a stopped coordinator did not finish are computed again (they are deterministic).
  const baselineWorkers = new Set<WorkerRpc>();
  for (const job of jobs.list()) if (job.simulation && job.baselines === null) void computeBaselines(jobs, job, app.log, baselineWorkers);
  /** Job lifecycle on the event stream, so the dashboard's event log shows it; each change is stored. */
  const setState = (job: VerticalJob, state: VerticalJob['state'], reason?: string, code?: string): void => {
    job.state = state;
    jobs.save(job);
    coordinator.bus.publish('vertical.state', null, { jobId: job.id, state, ...(reason ? { reason } : {}), ...(code ? { code } : {}) });
  };
  const sockets = new Map<string, Map<VerticalRole, WebSocket>>();

  app.post('/api/vertical/jobs', { schema: { summary: 'Create a vertical job (hetero LR, split NN or FTL)', tags: ['tasks'], body: CreateVerticalJob, response: { 201: CreatedVerticalJobView } } }, async (req, reply) => {
    const { algorithm, simulation, ...settings } = req.body;
    const { job, tokens } = jobs.create(settings, simulation ?? null, algorithm);
    coordinator.bus.publish('vertical.state', null, { jobId: job.id, state: job.state });
    if (job.simulation) void computeBaselines(jobs, job, req.log, baselineWorkers);
    reply.code(201);
    return { ...verticalJobView(job), partyTokens: tokens as Record<string, string> };
  });

  app.get('/api/vertical/jobs', { schema: { summary: 'List vertical jobs', tags: ['tasks'], response: { 200: VerticalJobListView } } }, async () => ({ jobs: jobs.list().map(verticalJobView) }));

  app.get('/api/vertical/jobs/:id', { schema: { summary: 'One vertical job with its progress', tags: ['tasks'], params: Type.Object({ id: Type.String() }), response: { 200: VerticalJobView } } },
    async (req) => verticalJobView(jobs.get(req.params.id)));

  // A simulated party's own table (a browser party cannot read MNIST files), behind its party
  // token; outside /api because parties, not the operator, call it.
  app.get('/vertical/jobs/:id/tables/:role', {
    schema: { hide: true, params: Type.Object({ id: Type.String(), role: Type.String() }), querystring: Type.Object({ token: Type.String() }) },
  }, async (req) => {
    const job = jobs.get(req.params.id);
    const role = req.params.role;
    const host = hostIndex(role, job.settings.hosts ?? 1);
    if (role !== 'guest' && host < 0) throw new FlotillaError(ErrorCodes.NOT_FOUND, 'only the guest and the job’s hosts have tables');
    if (!jobs.tokenMatches(job, role as VerticalRole, req.query.token)) throw new FlotillaError(ErrorCodes.UNAUTHORIZED, 'wrong party token');
    if (!job.simulation) throw new FlotillaError(ErrorCodes.NOT_FOUND, 'this job is not a simulation: its parties bring their own data');
    const tables = job.algorithm === 'ftl' ? await simulateFtlMnist(job.simulation) : await simulateVerticalMnist(job.simulation);
    const table = role === 'guest' ? tables.guest : job.algorithm === 'ftl' ? tables.host : (tables as Awaited<ReturnType<typeof simulateVerticalMnist>>).hosts[host]!;
    const b64 = (a: Float32Array | Uint8Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
    return {
      ids: table.ids,
      featureCount: table.featureCount,
      features: b64(table.features),
      testFeatures: b64(table.testFeatures),
      ...(table.labels ? { labels: b64(table.labels) } : {}),
      ...(table.testLabels ? { testLabels: b64(table.testLabels) } : {}),
    };
  });

  // The role names of a job, its algorithm and whether its parties bring their own tables (no
  // tokens, no progress), so a party can offer exactly these roles and check its table before joining.
  app.get('/vertical/jobs/:id/roles', { schema: { hide: true, params: Type.Object({ id: Type.String() }) } }, async (req) => {
    const job = jobs.get(req.params.id);
    return { roles: jobRoles(job), algorithm: job.algorithm, ownData: job.simulation === null };
  });

  const send = (socket: WebSocket | undefined, m: CoordinatorEnvelope): void => {
    if (socket && socket.readyState === socket.OPEN) socket.send(JSON.stringify(m));
  };
  const abort = (job: VerticalJob, reason: string): void => {
    for (const s of sockets.get(job.id)?.values() ?? []) send(s, { type: 'vertical.aborted', reason });
  };

  app.get('/vertical/ws', { websocket: true, schema: { hide: true } }, (socket: WebSocket, req) => {
    const query = req.query as Record<string, unknown>;
    const refuse = (code: string, message: string, close: boolean): void => {
      rejections.refused(req.ip, code, { reqId: req.id, reason: message }, 'vertical party message refused');
      send(socket, { type: 'vertical.error', code, message });
      if (close) socket.close(1008, code);
    };
    let job: VerticalJob;
    try {
      job = jobs.get(String(query.job ?? ''));
    } catch {
      return refuse(ErrorCodes.NOT_FOUND, 'no such vertical job', true);
    }
    const role = query.role;
    if (!isJobRole(job, role)) return refuse(ErrorCodes.SCHEMA_VIOLATION, `role must be one of ${jobRoles(job).join(', ')}`, true);
    if (typeof query.token !== 'string' || !jobs.tokenMatches(job, role, query.token)) return refuse(ErrorCodes.UNAUTHORIZED, 'wrong party token', true);
    if (job.state !== 'waiting' || job.joined.has(role)) return refuse(ErrorCodes.TASK_STATE, `the ${role} cannot join this job now`, true);
    const peers = sockets.get(job.id) ?? new Map<VerticalRole, WebSocket>();
    sockets.set(job.id, peers);
    peers.set(role, socket);
    job.joined.add(role);
    send(socket, { type: 'vertical.welcome', jobId: job.id, role, algorithm: job.algorithm, settings: job.settings, simulation: job.simulation });
    if (job.joined.size === jobRoles(job).length) {
      setState(job, 'running');
      for (const s of peers.values()) send(s, { type: 'vertical.start' });
    }

    socket.on('message', (data: Buffer) => {
      try {
        const m = readPartyEnvelope(data.toString('utf8'), { roles: jobRoles(job), self: role, algorithm: job.algorithm });
        switch (m.type) {
          case 'vertical.relay':
            if (job.state !== 'running') throw new FlotillaError(ErrorCodes.TASK_STATE, `job is ${job.state}`);
            send(peers.get(m.to), { type: 'vertical.relay', from: role, payload: m.payload });
            return;
          case 'vertical.report':
            jobs.report(job, role, m.report);
            if ((m.report as { kind?: unknown }).kind === 'epoch') {
              const entry = job.epochs.find((e) => e.epoch === (m.report as { epoch: number }).epoch)!;
              coordinator.bus.publish('vertical.epoch', null, { jobId: job.id, epochs: job.settings.epochs, ...entry });
            }
            // Step reports come many times an epoch and only drive the live bar: not worth a write each.
            if ((m.report as { kind?: unknown }).kind !== 'step') jobs.save(job);
            return;
          case 'vertical.done':
            job.finished.add(role);
            if (job.finished.size === jobRoles(job).length && job.state === 'running') setState(job, 'done');
            else jobs.save(job);
            return;
          case 'vertical.failed':
            if (job.state === 'running' || job.state === 'waiting') {
              job.error = { role, code: m.code, message: m.message };
              setState(job, 'failed', `the ${role} failed`, m.code);
              abort(job, `the ${role} failed: ${m.code}`);
            }
            return;
          default: {
            const never: never = m;
            throw new Error(`unhandled envelope ${JSON.stringify(never)}`);
          }
        }
      } catch (err) {
        if (err instanceof FlotillaError) return refuse(err.code, err.message, false);
        // Thrown from a socket listener it would take the whole coordinator down.
        req.log.error({ err, role }, 'unexpected failure handling a vertical party message');
        refuse(ErrorCodes.INTERNAL, 'internal error', false);
      }
    });

    socket.on('close', () => {
      if (peers.get(role) === socket) peers.delete(role);
      // A shutdown is not the party's failure: the stored job stays running, and the next start marks it interrupted.
      if (coordinator.closing) return;
      if (job.state === 'waiting') job.joined.delete(role);
      else if (job.state === 'running' && !job.finished.has(role)) {
        job.error = { role, code: 'VFL_PARTY_LEFT', message: `the ${role} disconnected` };
        setState(job, 'failed', `the ${role} disconnected`, 'VFL_PARTY_LEFT');
        abort(job, `the ${role} disconnected`);
      }
    });
  });

  app.addHook('onClose', async () => {
    for (const peers of sockets.values()) for (const s of peers.values()) s.close(1001, 'coordinator shutting down');
    // A baseline cut short is computed again at the next start (they are deterministic).
    const workers = [...baselineWorkers];
    baselineWorkers.clear();
    await Promise.all(workers.map((w) => w.close()));
  });
};
