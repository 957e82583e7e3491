// ECDH-PSI throughput (IDs/s) at 10k and 100k IDs per party, with worker threads, vs noble's ristretto255.
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { blindIds, POINT_BYTES, PSI_DST, randomScalar, reblindPoints, runTwoPartyPsi } from '@flotilla/vertical';
import type { PsiCompute } from '@flotilla/vertical';
import { round, writeResult } from './support.ts';

const SIZES = [10_000, 100_000] as const;
const OVERLAP = 0.5;
const BASELINE_SAMPLE = 300;

type Task = { id: number; op: 'blind'; ids: string[]; secret: bigint; dst: string } | { id: number; op: 'reblind'; points: Uint8Array; secret: bigint };

// Worker side: this same file, started with workerData.role = 'psi-worker'.
if (!isMainThread && (workerData as { role?: string } | null)?.role === 'psi-worker') {
  parentPort!.on('message', (task: Task) => {
    const out = task.op === 'blind' ? blindIds(task.ids, task.secret, task.dst) : reblindPoints(task.points, task.secret);
    parentPort!.postMessage({ id: task.id, out }, [out.buffer as ArrayBuffer]);
  });
}

/** A PsiCompute that splits each call into one slice per worker thread. */
class WorkerPool implements PsiCompute {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: (out: Uint8Array) => void; reject: (e: unknown) => void }>();
  private nextId = 0;
  private nextWorker = 0;

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => {
      // Workers do not inherit tsx's in-process loader: register it, then load this file.
      const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
      const w = new Worker(boot, { eval: true, workerData: { role: 'psi-worker' } });
      w.on('message', ({ id, out }: { id: number; out: Uint8Array }) => {
        this.pending.get(id)!.resolve(out);
        this.pending.delete(id);
      });
      w.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
      return w;
    });
  }

  private run(task: Omit<Task, 'id'>): Promise<Uint8Array> {
    const id = this.nextId++;
    const worker = this.workers[this.nextWorker++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...task, id });
    });
  }

  private async sliced(count: number, make: (start: number, end: number) => Omit<Task, 'id'>): Promise<Uint8Array> {
    const step = Math.ceil(count / this.workers.length);
    const parts: Promise<Uint8Array>[] = [];
    for (let start = 0; start < count; start += step) parts.push(this.run(make(start, Math.min(count, start + step))));
    const out = new Uint8Array(count * POINT_BYTES);
    (await Promise.all(parts)).forEach((part, i) => out.set(part, i * step * POINT_BYTES));
    return out;
  }

  blind(ids: readonly string[], secret: bigint, dst: string): Promise<Uint8Array> {
    return this.sliced(ids.length, (s, e) => ({ op: 'blind', ids: ids.slice(s, e), secret, dst }));
  }

  reblind(points: Uint8Array, secret: bigint): Promise<Uint8Array> {
    return this.sliced(points.length / POINT_BYTES, (s, e) => ({ op: 'reblind', points: points.slice(s * POINT_BYTES, e * POINT_BYTES), secret }));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** One party's per-ID work (hash + blind, decode + re-blind), in this thread: ours vs noble. */
function perIdCost(): { oursMs: number; nobleMs: number } {
  const ids = Array.from({ length: BASELINE_SAMPLE }, (_, i) => `baseline-${i}`);
  const [a, b] = [randomScalar(), randomScalar()];
  const enc = new TextEncoder();
  const Point = ristretto255.Point;
  let oursMs = 0;
  let nobleMs = 0;
  for (let round = 0; round < 2; round++) {
    // interleaved, second round only counted (first warms the JIT)
    let t = performance.now();
    reblindPoints(blindIds(ids, a), b);
    if (round === 1) oursMs = (performance.now() - t) / ids.length;
    t = performance.now();
    for (const id of ids) Point.fromBytes(ristretto255_hasher.hashToCurve(enc.encode(id), { DST: PSI_DST }).multiply(a).toBytes()).multiply(b).toBytes();
    if (round === 1) nobleMs = (performance.now() - t) / ids.length;
  }
  return { oursMs, nobleMs };
}

/** Runs each size (10k and 100k IDs per party by default) and writes bench/results/psi.json. */
export async function runPsiBench(sizes: readonly number[] = SIZES): Promise<object> {
  const threads = Math.max(1, Math.min(cpus().length, 4));
  const baseline = perIdCost();
  const pool = new WorkerPool(threads);
  const rows = [];
  try {
    for (const n of sizes) {
      const shared = Math.round(n * OVERLAP);
      const first = Array.from({ length: n }, (_, i) => `customer-${i}`);
      const second = Array.from({ length: n }, (_, i) => `customer-${i + n - shared}`);
      const cpuStart = cpuSeconds();
      const start = performance.now();
      const result = await runTwoPartyPsi(first, second, { compute: pool });
      const seconds = (performance.now() - start) / 1000;
      const cpu = cpuSeconds() - cpuStart;
      const agreed = result.first.ids.length === shared && result.first.ids.every((id, k) => id === result.second.ids[k]);
      if (!agreed) throw new Error(`PSI at ${n} IDs returned a wrong intersection`);
      rows.push({
        idsPerParty: n,
        intersection: result.first.size,
        wallSeconds: round(seconds),
        cpuSeconds: round(cpu),
        idsPerSecondPerParty: Math.round(n / seconds),
        idsPerSecondBothParties: Math.round((2 * n) / seconds),
        idsPerCpuSecond: Math.round((2 * n) / cpu),
      });
    }
  } finally {
    await pool.close();
  }
  const report = {
    benchmark: 'two-party ECDH-PSI over ristretto255 (hash, blind, shuffle, re-blind, match), both parties in one process',
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    workerThreads: threads,
    perIdPerPartyMs: { ours: round(baseline.oursMs), nobleCurves: round(baseline.nobleMs), speedup: round(baseline.nobleMs / baseline.oursMs) },
    date: new Date().toISOString(),
    rows,
  };
  await writeResult('psi', report);
  return report;
}

if (isMainThread && process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = (await runPsiBench()) as { perIdPerPartyMs: object; rows: object[] };
  console.log('per-ID cost for one party, one thread (ms):', report.perIdPerPartyMs);
  console.table(report.rows);
}
