// `npm run vertical-party -- --url … --job … --role guest|host|host-2…|arbiter --token … [--table t.csv] [--predictions p.csv]`: one Node party of a vertical job.
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { initNodeBackend } from '@flotilla/models';
import { hostRoles, joinRelay, MAX_HOSTS, runFtlGuest, runFtlHost, runHeteroLrArbiter, runHeteroLrGuest, runHeteroLrHost, runSplitNnArbiter, runSplitNnGuest, runSplitNnHost } from '@flotilla/vertical';
import type { HostRole, RelaySocket, VerticalAlgorithm, VerticalPartyTable, VerticalReport } from '@flotilla/vertical';
import { assignClasses } from '@flotilla/data';
import type { PartyCsvTable } from '@flotilla/data';
import { describeTable, labelTaskOf, ownPartyData, simulatedFtlPartyData, simulatedPartyData } from './partyData.ts';
import { nodePaillierPool } from './paillierPool.ts';
import { writeSimulatedCsv } from './writeSimulatedCsv.ts';

const USAGE = `usage: npm run vertical-party -- --url http://127.0.0.1:8080 --job <id> --role guest|host|host-2|…|arbiter --token=<party token>
  [--table my.csv [--id-column id] [--label-column label]]   (guest or a host of an own-data job: its own table)
  [--rows 1000] [--overlap 0.8] [--seed 1] [--test-rows 500]   (without --table: simulated MNIST, unless the job sets its simulation)
  [--predictions scores.csv]   (FTL host: writes id,score,label of its rows outside the overlap)
  or: npm run vertical-party -- --write-simulated-csv DIR [--rows 1000] [--task pooled-binary|digits]   (writes DIR/guest.csv, DIR/host.csv)
`;

/** Which rows the reported accuracy is on: a simulation's test rows, an own-data job's validation rows, FTL's host rows outside the overlap. */
let scored: 'test' | 'validation' | 'host-only' = 'test';

function describe(role: string, r: VerticalReport): string {
  switch (r.kind) {
    case 'intersection':
      return `${role}: aligned ${r.size} shared rows by PSI`;
    case 'step':
      return `${role}: step ${r.step}/${r.steps}`;
    case 'epoch':
      return `${role}: epoch ${r.epoch}${r.loss === undefined ? '' : ` loss ${r.loss.toFixed(4)}`}${r.accuracy === undefined ? '' : ` ${scored} accuracy ${r.accuracy.toFixed(3)}`}`;
    default:
      return `${role}: ${JSON.stringify(r satisfies never)}`;
  }
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' }, job: { type: 'string' }, role: { type: 'string' }, token: { type: 'string' },
    rows: { type: 'string' }, overlap: { type: 'string' }, seed: { type: 'string' }, 'test-rows': { type: 'string' },
    table: { type: 'string' }, 'id-column': { type: 'string' }, 'label-column': { type: 'string' },
    'write-simulated-csv': { type: 'string' }, task: { type: 'string' }, predictions: { type: 'string' },
  },
});
const number = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));

if (values['write-simulated-csv'] !== undefined) {
  const task = values.task ?? 'pooled-binary';
  const rows = number(values.rows);
  if ((task !== 'pooled-binary' && task !== 'digits') || (rows !== undefined && !(Number.isInteger(rows) && rows >= 10 && rows <= 60000))) {
    process.stderr.write(`--task must be pooled-binary or digits, --rows an integer in [10, 60000]\n${USAGE}`);
    process.exit(2);
  }
  const files = await writeSimulatedCsv(values['write-simulated-csv'], { task, ...(rows === undefined ? {} : { rows }) });
  process.stdout.write(`wrote ${files.guest} and ${files.host} (${task}); join an own-data job with --table\n`);
  process.exit(0);
}

const { url, job, role, token } = values;
// The coordinator refuses a host the job does not have; here only the shape of the name is checked.
const knownRoles: string[] = ['guest', 'arbiter', ...hostRoles(MAX_HOSTS)];
if (!url || !job || !token || !role || !knownRoles.includes(role) || (role === 'arbiter' && values.table !== undefined)) {
  process.stderr.write(role === 'arbiter' && values.table !== undefined ? 'the arbiter holds no data: --table is for the guest or host\n' : USAGE);
  process.exit(2);
}
const tableFailure = (err: unknown): never => {
  const code = (err as { code?: unknown }).code;
  process.stderr.write(`${role}: cannot use ${values.table}: ${typeof code === 'string' ? `${code}: ` : ''}${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
};
// Read before joining, so that a bad file never touches the job.
let own: PartyCsvTable | undefined;
if (role !== 'arbiter' && values.table !== undefined) {
  own = await ownPartyData(values.table, role, {
    ...(values['id-column'] === undefined ? {} : { idColumn: values['id-column'] }),
    ...(values['label-column'] === undefined ? {} : { labelColumn: values['label-column'] }),
  }).catch(tableFailure);
}
// The job's algorithm and kind before joining, so that a table wrong for them never joins (the
// welcome repeats both, and is checked again, should this outline not be available).
let classesAssigned = false;
if (own) {
  const outline = await fetch(`${url}/vertical/jobs/${encodeURIComponent(job)}/roles`)
    .then((r) => (r.ok ? (r.json() as Promise<{ algorithm: VerticalAlgorithm; ownData: boolean }>) : null))
    .catch(() => null);
  if (outline && !outline.ownData) {
    process.stderr.write(`${role}: job ${job} is a simulation (its parties draw simulated MNIST): --table is for own-data jobs, refusing\n`);
    process.exit(2);
  }
  if (outline && role === 'guest') {
    try {
      assignClasses(own, labelTaskOf(outline.algorithm));
      classesAssigned = true;
    } catch (err) {
      tableFailure(err);
    }
  }
}
const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/vertical/ws?job=${encodeURIComponent(job)}&role=${role}&token=${encodeURIComponent(token)}`);
try {
  const party = await joinRelay(socket as unknown as RelaySocket, (r) => process.stdout.write(`${describe(role, r)}\n`));
  const { algorithm, simulation, settings } = party.welcome;
  const splitNn = algorithm === 'split-nn';
  const ftl = algorithm === 'ftl';
  if (ftl) scored = 'host-only';
  if (simulation && own) {
    process.stderr.write(`${role}: job ${job} is a simulation (its parties draw simulated MNIST): --table is for own-data jobs, refusing\n`);
    socket.close();
    process.exit(2);
  }
  let data: VerticalPartyTable | undefined;
  if (own) {
    try {
      // Two classes for hetero LR, K for the split NN: the welcome says which.
      if (role === 'guest' && !classesAssigned) assignClasses(own, labelTaskOf(algorithm));
    } catch (err) {
      socket.close();
      tableFailure(err);
    }
    process.stdout.write(`${role}: loaded ${values.table}: ${describeTable(own)}\n`);
    data = own;
  }
  if (settings.validationFraction !== undefined) scored = 'validation';
  if (settings.validationFraction !== undefined && role !== 'arbiter') {
    process.stdout.write(`${role}: own-data job: the last ${Math.round(settings.validationFraction * 1000) / 10}% of the aligned rows are validation rows\n`);
  }
  process.stdout.write(`${role}: joined job ${job}, waiting for the other parties\n`);
  await party.started;
  // Hetero LR's Paillier work on worker threads: the arbiter decrypts on every core, a guest or host
  // leaves one core to its own training loop while the others fill its r^n pool.
  const workers = splitNn ? null : nodePaillierPool(Math.max(1, availableParallelism() - (role === 'arbiter' ? 0 : 1)));
  const options = workers ? { workers } : {};
  try {
    if (splitNn && role !== 'arbiter') await initNodeBackend('wasm');
    if (role === 'arbiter') {
      await (splitNn ? runSplitNnArbiter(party.channel, settings) : runHeteroLrArbiter(party.channel, settings, options));
    } else {
      const rows = number(values.rows);
      const overlap = number(values.overlap);
      const seed = number(values.seed);
      const testRows = number(values['test-rows']);
      const hosts = settings.hosts ?? 1;
      // The job's own simulation spec wins, so guest, hosts and the coordinator's baselines agree.
      if (ftl) {
        data ??= await simulatedFtlPartyData(role, simulation ?? {
          ...(rows === undefined ? {} : { rows }), ...(overlap === undefined ? {} : { overlap }), ...(seed === undefined ? {} : { seed }),
        });
        if (role === 'guest') await runFtlGuest(party.channel, data, settings, options);
        else {
          const result = await runFtlHost(party.channel, data, settings, options);
          const positive = result.scores.reduce((n, s) => n + (s > 0 ? 1 : 0), 0);
          process.stdout.write(`${role}: labelled ${result.scores.length} rows outside the overlap (${positive} as ${own?.classNames?.[1] ?? 'class 1'})\n`);
          if (values.predictions !== undefined) {
            await writeFile(values.predictions, ['id,score,label', ...result.ids.map((id, i) => `${id},${result.scores[i]!.toFixed(6)},${result.scores[i]! > 0 ? 1 : 0}`)].join('\n') + '\n');
            process.stdout.write(`${role}: wrote ${values.predictions}\n`);
          }
        }
      } else {
        data ??= await simulatedPartyData(role, simulation ?? {
          ...(rows === undefined ? {} : { rows }), ...(overlap === undefined ? {} : { overlap }),
          ...(seed === undefined ? {} : { seed }), ...(testRows === undefined ? {} : { testRows }),
          task: splitNn ? 'digits' : 'pooled-binary', ...(hosts > 1 ? { hosts } : {}),
        });
        if (role === 'guest') await (splitNn ? runSplitNnGuest(party.channel, data, settings) : runHeteroLrGuest(party.channel, data, settings, options));
        else await (splitNn ? runSplitNnHost(party.channel, data, settings, role as HostRole) : runHeteroLrHost(party.channel, data, settings, role as HostRole, options));
      }
    }
    party.done();
    process.stdout.write(`${role}: done\n`);
  } catch (err) {
    party.fail(err);
    throw err;
  } finally {
    await workers?.close();
  }
  socket.close();
} catch (err) {
  process.stderr.write(`${role} failed: ${err instanceof Error ? err.message : String(err)}\n`);
  socket.close();
  process.exit(1);
}
