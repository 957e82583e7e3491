// `npm run vertical-party -- --url … --job … --role guest|host|host-2…|arbiter --token …`: one Node party of a vertical job.
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { initNodeBackend } from '@flotilla/models';
import { hostRoles, joinRelay, MAX_HOSTS, runHeteroLrArbiter, runHeteroLrGuest, runHeteroLrHost, runSplitNnArbiter, runSplitNnGuest, runSplitNnHost } from '@flotilla/vertical';
import type { HostRole, RelaySocket, VerticalReport } from '@flotilla/vertical';
import { simulatedPartyData } from './partyData.ts';

const USAGE = `usage: npm run vertical-party -- --url http://127.0.0.1:8080 --job <id> --role guest|host|host-2|…|arbiter --token <party token>
  [--rows 1000] [--overlap 0.8] [--seed 1] [--test-rows 500]   (unless the job sets its simulation; guest and host must agree)
`;

function describe(role: string, r: VerticalReport): string {
  switch (r.kind) {
    case 'intersection':
      return `${role}: aligned ${r.size} shared rows by PSI`;
    case 'step':
      return `${role}: step ${r.step}/${r.steps}`;
    case 'epoch':
      return `${role}: epoch ${r.epoch}${r.loss === undefined ? '' : ` loss ${r.loss.toFixed(4)}`}${r.accuracy === undefined ? '' : ` test accuracy ${r.accuracy.toFixed(3)}`}`;
    default:
      return `${role}: ${JSON.stringify(r satisfies never)}`;
  }
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' }, job: { type: 'string' }, role: { type: 'string' }, token: { type: 'string' },
    rows: { type: 'string' }, overlap: { type: 'string' }, seed: { type: 'string' }, 'test-rows': { type: 'string' },
  },
});
const { url, job, role, token } = values;
// The coordinator refuses a host the job does not have; here only the shape of the name is checked.
const knownRoles: string[] = ['guest', 'arbiter', ...hostRoles(MAX_HOSTS)];
if (!url || !job || !token || !role || !knownRoles.includes(role)) {
  process.stderr.write(USAGE);
  process.exit(2);
}
const number = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));
const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/vertical/ws?job=${encodeURIComponent(job)}&role=${role}&token=${encodeURIComponent(token)}`);
try {
  const party = await joinRelay(socket as unknown as RelaySocket, (r) => process.stdout.write(`${describe(role, r)}\n`));
  process.stdout.write(`${role}: joined job ${job}, waiting for the other parties\n`);
  await party.started;
  const settings = party.welcome.settings;
  try {
    const splitNn = party.welcome.algorithm === 'split-nn';
    if (splitNn && role !== 'arbiter') await initNodeBackend('wasm');
    if (role === 'arbiter') {
      await (splitNn ? runSplitNnArbiter(party.channel, settings) : runHeteroLrArbiter(party.channel, settings));
    } else {
      const rows = number(values.rows);
      const overlap = number(values.overlap);
      const seed = number(values.seed);
      const testRows = number(values['test-rows']);
      const hosts = settings.hosts ?? 1;
      // The job's own simulation spec wins, so guest, hosts and the coordinator's baselines agree.
      const data = await simulatedPartyData(role, party.welcome.simulation ?? {
        ...(rows === undefined ? {} : { rows }), ...(overlap === undefined ? {} : { overlap }),
        ...(seed === undefined ? {} : { seed }), ...(testRows === undefined ? {} : { testRows }),
        task: splitNn ? 'digits' : 'pooled-binary', ...(hosts > 1 ? { hosts } : {}),
      });
      if (role === 'guest') await (splitNn ? runSplitNnGuest(party.channel, data, settings) : runHeteroLrGuest(party.channel, data, settings));
      else await (splitNn ? runSplitNnHost(party.channel, data, settings, role as HostRole) : runHeteroLrHost(party.channel, data, settings, role as HostRole));
    }
    party.done();
    process.stdout.write(`${role}: done\n`);
  } catch (err) {
    party.fail(err);
    throw err;
  }
  socket.close();
} catch (err) {
  process.stderr.write(`${role} failed: ${err instanceof Error ? err.message : String(err)}\n`);
  socket.close();
  process.exit(1);
}
