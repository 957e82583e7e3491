// Secure-aggregation benchmark: crypto primitives (WebCrypto vs @noble), Shamir, and in-memory rounds.
import {
  type CryptoBackend,
  type SecAggParams,
  aeadEncrypt,
  decodeFixedPointSum,
  encodeFixedPoint,
  fixedPointConfig,
  generateX25519KeyPair,
  prgExpand,
  randomBytes,
  secAggParams,
  shamirCombineBytes,
  shamirSplitBytes,
  simulateSecAggRound,
  x25519SharedSecret,
} from '@flotilla/privacy';
import { socketRounds } from './secaggRound.ts';
import { writeResult } from './support.ts';

/** Parameters of McMahan et al.'s 2NN on MNIST (784-200-200-10), the model of the FL rounds. */
const MODEL_WORDS = 199_210;
const BACKENDS: CryptoBackend[] = ['webcrypto', 'noble'];

async function timeIt(fn: () => Promise<unknown> | unknown, minMs = 400, minReps = 3): Promise<{ msPerOp: number; reps: number }> {
  await fn(); // warm-up (JIT, key import paths)
  const t0 = performance.now();
  let reps = 0;
  while (reps < minReps || performance.now() - t0 < minMs) {
    await fn();
    reps++;
  }
  return { msPerOp: (performance.now() - t0) / reps, reps };
}

async function keyAgreement(backend: CryptoBackend) {
  const own = await generateX25519KeyPair(backend);
  const peers = await Promise.all(Array.from({ length: 64 }, () => generateX25519KeyPair(backend)));
  let i = 0;
  const sequential = await timeIt(() => x25519SharedSecret(own, peers[i++ % 64]!.publicKey, backend));
  // Clients agree with all peers at once (Promise.all); WebCrypto then overlaps work on libuv threads.
  const batch = await timeIt(() => Promise.all(peers.map((p) => x25519SharedSecret(own, p.publicKey, backend))));
  return { backend, agreementsPerSec: 1000 / sequential.msPerOp, batchedAgreementsPerSec: (64 * 1000) / batch.msPerOp };
}

async function prgThroughput(backend: CryptoBackend) {
  const seed = randomBytes(32);
  const { msPerOp } = await timeIt(() => prgExpand(seed, MODEL_WORDS, backend), 800);
  return { backend, words: MODEL_WORDS, msPerExpansion: msPerOp, mbPerSec: (MODEL_WORDS * 4) / 1e6 / (msPerOp / 1000) };
}

async function shareBoxes(backend: CryptoBackend) {
  const key = randomBytes(32);
  const plaintext = randomBytes(74);
  const { msPerOp } = await timeIt(() => aeadEncrypt(key, plaintext, plaintext, backend));
  return { backend, boxesPerSec: 1000 / msPerOp };
}

async function shamir(n: number) {
  const holders = Array.from({ length: n }, (_, i) => i + 1);
  const t = Math.floor(n / 2) + 1;
  const secret = randomBytes(32);
  const shares = shamirSplitBytes(secret, t, holders);
  const split = await timeIt(() => shamirSplitBytes(secret, t, holders));
  const combine = await timeIt(() => shamirCombineBytes(shares.slice(0, t), t));
  const combineChecked = await timeIt(() => shamirCombineBytes(shares, t));
  return { n, t, splitMs: split.msPerOp, reconstructMs: combine.msPerOp, reconstructCheckingAllMs: combineChecked.msPerOp };
}

function randomUpdate(words: number): Float32Array {
  const u = new Uint32Array(words);
  for (let i = 0; i < words; i += 16_384) crypto.getRandomValues(u.subarray(i, Math.min(words, i + 16_384)));
  return Float32Array.from(u, (w) => ((w / 2 ** 32) * 2 - 1) * 0.05);
}

/** The same round without secure aggregation: clients encode, the server adds and decodes. */
function plainRound(updates: Float32Array[], clip: number) {
  const fp = fixedPointConfig({ clip, maxSummands: updates.length });
  const t0 = performance.now();
  const encoded = updates.map((u) => encodeFixedPoint(u, fp));
  const t1 = performance.now();
  const sum = new Uint32Array(MODEL_WORDS);
  for (const e of encoded) for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + e[i]!;
  decodeFixedPointSum(sum, fp, updates.length);
  const t2 = performance.now();
  return { clientMeanMs: (t1 - t0) / updates.length, serverMs: t2 - t1 };
}

/**
 * One configuration, measured `repeats` times with the minimum kept per metric: the machine is
 * shared, and the minimum is the estimate least disturbed by other processes.
 */
async function secureRound(n: number, mode: 'full' | 'plus', dropoutRate: number, backend: CryptoBackend | 'auto' = 'auto', repeats = 2) {
  const params: SecAggParams = { ...secAggParams({ clients: n, vectorLength: MODEL_WORDS, mode }), backend };
  const updates = Array.from({ length: n }, () => randomUpdate(MODEL_WORDS));
  const fp = fixedPointConfig({ clip: 1, maxSummands: n });
  const dropped = Array.from({ length: Math.round(n * dropoutRate) }, (_, i) => i + 1);
  let [clientMeanMs, clientMaxMs, serverMs, plainClientMeanMs, plainServerMs] = [Infinity, Infinity, Infinity, Infinity, Infinity];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const inputs = new Map(updates.map((u, i) => [i + 1, encodeFixedPoint(u, fp)] as const));
    const encodeMs = (performance.now() - t0) / n;
    const sim = await simulateSecAggRound({ params: { ...params, sessionId: randomBytes(16) }, inputs, dropouts: { afterSharing: dropped } });
    clientMeanMs = Math.min(clientMeanMs, sim.clientTotalMs / n + encodeMs);
    clientMaxMs = Math.min(clientMaxMs, sim.clientMaxMs + encodeMs);
    serverMs = Math.min(serverMs, sim.serverMs);
    for (let p = 0; p < 3; p++) {
      const plain = plainRound(updates, 1);
      plainClientMeanMs = Math.min(plainClientMeanMs, plain.clientMeanMs);
      plainServerMs = Math.min(plainServerMs, plain.serverMs);
    }
  }
  return {
    n,
    mode: mode === 'plus' ? `SecAgg+ k=${params.mode.kind === 'plus' ? params.mode.neighbours : 0}` : 'SecAgg',
    backend,
    threshold: params.threshold,
    droppedAfterSharing: dropped.length,
    clientMeanMs,
    clientMaxMs,
    serverMs,
    plainClientMeanMs,
    plainServerMs,
    clientRatio: clientMeanMs / plainClientMeanMs,
    serverRatio: serverMs / plainServerMs,
  };
}

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

/**
 * Measures the SecAgg primitives and in-memory rounds side by side; prints tables and writes
 * bench/results/secagg.json.
 * @example const results = await runSecAggPrimitivesBench();
 */
export async function runSecAggPrimitivesBench(): Promise<object> {
  const started = performance.now();
  const agreements = [];
  const prg = [];
  const boxes = [];
  for (const b of BACKENDS) {
    agreements.push(await keyAgreement(b));
    prg.push(await prgThroughput(b));
    boxes.push(await shareBoxes(b));
  }
  const shamirResults = [await shamir(100), await shamir(200)];
  const rounds: Awaited<ReturnType<typeof secureRound>>[] = [];
  for (const n of [10, 50]) {
    for (const mode of ['full', 'plus'] as const) {
      rounds.push(await secureRound(n, mode, 0));
      rounds.push(await secureRound(n, mode, 0.1));
    }
  }
  rounds.push(await secureRound(10, 'full', 0.1, 'noble', 1));
  for (const mode of ['full', 'plus'] as const) rounds.push(await secureRound(100, mode, 0, 'auto', 1));
  const sockets = await socketRounds([10, 50, 100], ['plain', 'full', 'plus']);
  const roundComparison = [10, 50, 100].flatMap((n) => {
    const plain = sockets.find((r) => r.n === n && r.mode === 'plain')!;
    return (['full', 'plus'] as const).map((mode) => {
      const secure = sockets.find((r) => r.n === n && r.mode === mode)!;
      const compute = rounds.find((r) => r.n === n && r.mode.startsWith(mode === 'plus' ? 'SecAgg+' : 'SecAgg') && r.droppedAfterSharing === 0 && r.backend === 'auto');
      return {
        n, mode, plainRoundMs: plain.roundMs, secureRoundMs: secure.roundMs, outcome: secure.outcome,
        measuredRatio: secure.roundMs / plain.roundMs,
        // Devices compute in parallel: the slowest client's SecAgg work plus the coordinator's, on top of the plain round.
        clientMaxMs: compute?.clientMaxMs ?? null, serverMs: compute?.serverMs ?? null,
        parallelDevicesRatioEstimate: compute ? (plain.roundMs + compute.clientMaxMs + compute.serverMs) / plain.roundMs : null,
      };
    });
  });

  const results = {
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    loadAverageAtEnd: (await import('node:os')).loadavg(),
    modelWords: MODEL_WORDS,
    keyAgreement: agreements,
    prg,
    shareBoxes: boxes,
    shamir: shamirResults,
    rounds,
    socketRounds: sockets,
    roundComparison,
    totalSeconds: (performance.now() - started) / 1000,
  };

  console.log(`\nSecAgg primitives (Node ${process.version}; ${results.cpus} CPUs, shared)`);
  const byB = (list: { backend: string }[], b: string) => list.find((x) => x.backend === b) as never;
  const [wa, na] = [byB(agreements, 'webcrypto'), byB(agreements, 'noble')] as { agreementsPerSec: number; batchedAgreementsPerSec: number }[];
  const [wp, np] = [byB(prg, 'webcrypto'), byB(prg, 'noble')] as { mbPerSec: number; msPerExpansion: number }[];
  const [wb, nb] = [byB(boxes, 'webcrypto'), byB(boxes, 'noble')] as { boxesPerSec: number }[];
  console.table({
    'X25519 agreements/s (one at a time)': { webcrypto: fmt(wa!.agreementsPerSec, 0), noble: fmt(na!.agreementsPerSec, 0), ratio: fmt(wa!.agreementsPerSec / na!.agreementsPerSec, 2) },
    'X25519 agreements/s (64 concurrent)': { webcrypto: fmt(wa!.batchedAgreementsPerSec, 0), noble: fmt(na!.batchedAgreementsPerSec, 0), ratio: fmt(wa!.batchedAgreementsPerSec / na!.batchedAgreementsPerSec, 2) },
    'AES-CTR PRG MB/s (199,210 words)': { webcrypto: fmt(wp!.mbPerSec, 0), noble: fmt(np!.mbPerSec, 0), ratio: fmt(wp!.mbPerSec / np!.mbPerSec, 2) },
    'AES-GCM share boxes/s': { webcrypto: fmt(wb!.boxesPerSec, 0), noble: fmt(nb!.boxesPerSec, 0), ratio: fmt(wb!.boxesPerSec / nb!.boxesPerSec, 2) },
  });
  console.table(Object.fromEntries(shamirResults.map((s) => [`Shamir n=${s.n} t=${s.t}`, {
    'split ms': fmt(s.splitMs, 2), 'reconstruct ms': fmt(s.reconstructMs, 2), 'reconstruct + check all n ms': fmt(s.reconstructCheckingAllMs, 2),
  }])));
  console.table(rounds.map((r) => ({
    n: r.n, mode: r.mode, backend: r.backend, t: r.threshold, dropped: r.droppedAfterSharing,
    'client ms (mean)': fmt(r.clientMeanMs), 'client ms (max)': fmt(r.clientMaxMs), 'server ms': fmt(r.serverMs),
    'plain client ms': fmt(r.plainClientMeanMs, 2), 'plain server ms': fmt(r.plainServerMs), 'client ×': fmt(r.clientRatio), 'server ×': fmt(r.serverRatio),
  })));
  console.log('\nOne round over loopback sockets, n in-process Node clients with a synthetic 2NN update (their compute serialized on this machine);');
  console.log('client / coordinator compute from the in-memory round above; "parallel devices" adds the slowest client\'s and the coordinator\'s SecAgg compute to the plain round.');
  console.table(roundComparison.map((r) => ({
    n: r.n, mode: r.mode, 'plain round ms': r.plainRoundMs, 'secure round ms': r.secureRoundMs, outcome: r.outcome,
    'measured ×': fmt(r.measuredRatio, 2), 'client max ms': r.clientMaxMs === null ? '—' : fmt(r.clientMaxMs), 'coordinator ms': r.serverMs === null ? '—' : fmt(r.serverMs),
    'parallel devices × (est.)': r.parallelDevicesRatioEstimate === null ? '—' : fmt(r.parallelDevicesRatioEstimate, 2),
  })));
  console.log(`total ${fmt(results.totalSeconds)} s`);
  await writeResult('secagg', results);
  return results;
}

if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  await runSecAggPrimitivesBench();
}
