// `npm run load`: holds N light clients against coordinators or edges and prints what they see.
// With --processes P it forks P copies of itself, each holding its share, and prints their sum.

import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LOAD_USAGE, LoadUsageError, parseLoadArgs, type LoadArgs } from './loadArgs.ts';
import { runLoad } from './loadRun.ts';
import { formatLine, type LoadSnapshot } from './loadStats.ts';
import { mergeSnapshots } from './mergeSnapshots.ts';

const WORKER = '--load-worker';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(LOAD_USAGE);
    return 0;
  }
  const workerAt = argv.indexOf(WORKER);
  let args: LoadArgs;
  try {
    args = parseLoadArgs(workerAt < 0 ? argv : argv.slice(0, workerAt));
  } catch (err) {
    if (!(err instanceof LoadUsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${LOAD_USAGE}`);
    return 2;
  }
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const share = (p: number) => {
    const base = Math.floor(args.options.clients / args.processes);
    const first = p * base + Math.min(p, args.options.clients % args.processes);
    return { firstClient: first, clients: base + (p < args.options.clients % args.processes ? 1 : 0) };
  };

  if (workerAt >= 0) {
    const p = Number(argv[workerAt + 1]);
    await runLoad({ ...args.options, ...share(p) }, (s) => process.send?.({ snapshot: s }), stop.signal);
    return 0;
  }

  console.log(`load: ${args.options.clients} light clients in ${args.processes} process(es) against ${args.options.targets.join(', ')}` +
    (args.options.sourceAddresses > 0 ? ` from ${args.options.sourceAddresses} loopback source address(es)` : ''));
  let final: LoadSnapshot[];
  if (args.processes === 1) {
    final = [await runLoad({ ...args.options, firstClient: 0 }, (s, t) => console.log(formatLine(t, args.options.clients, s)), stop.signal)];
  } else {
    const latest: (LoadSnapshot | null)[] = Array.from({ length: args.processes }, () => null);
    const started = performance.now();
    const self = fileURLToPath(import.meta.url);
    const children = latest.map((_, p) => {
      const child = fork(self, [...argv, WORKER, String(p)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', (m: { snapshot: LoadSnapshot }) => { latest[p] = m.snapshot; });
      return child;
    });
    const print = () => {
      const ready = latest.filter((s): s is LoadSnapshot => s !== null);
      if (ready.length > 0) console.log(`${formatLine((performance.now() - started) / 1000, args.options.clients, mergeSnapshots(ready))}  (rss per process ${ready.map((s) => s.rssMB).join('/')} MB)`);
    };
    const ticker = setInterval(print, args.options.reportEverySec * 1000);
    stop.signal.addEventListener('abort', () => children.forEach((c) => c.kill('SIGTERM')), { once: true });
    await Promise.all(children.map((c) => new Promise((resolve) => c.once('exit', resolve))));
    clearInterval(ticker);
    final = latest.filter((s): s is LoadSnapshot => s !== null);
  }
  const summary = { clients: args.options.clients, processes: args.processes, targets: args.options.targets, total: mergeSnapshots(final), perProcess: final };
  console.log(JSON.stringify(summary.total));
  if (args.json) writeFileSync(args.json, JSON.stringify(summary, null, 2));
  return summary.total.welcomed > 0 ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
