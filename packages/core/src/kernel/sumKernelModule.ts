// The WebAssembly SIMD sum kernels, written with the assembler: weighted sums of Float32 vectors (Float64, or Float32 blocks folded into Float64), uint32 wrap-around sums, and the Float32 mean.
import { type Code, type FunctionSpec, ValType, assembleModule, op } from './wasmAssembler.ts';

/*
 * Every kernel walks pointers (byte offsets into the one memory) and takes a count of elements.
 * The main loop of a sum handles eight elements per turn with 128-bit vectors (two vectors per
 * turn, which halves the loop's own instructions), a scalar loop the tail of n mod 8; the mean's
 * loop four per turn (two Float64 pairs make one Float32 vector), its tail n mod 4.
 * No fused multiply-add: f64x2.mul then f64x2.add round exactly as JS's `sum + w * x` does, so
 * the Float64 weighted sums equal the JS accumulator bit for bit.
 */

const { i32, f64, v128 } = ValType;

/** Bytes 8–15 then 0–7: moves the high two Float32 lanes low so promote_low can widen them. */
const HIGH_HALF_LOW = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
/** Bytes 0–7 of the first operand then 0–7 of the second: joins two demoted pairs into four lanes. */
const JOIN_LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/** `local += amount` for an i32 local. */
function bump(local: number, amount: number): Code[] {
  return [op.localGet(local), op.i32Const(amount), op.i32Add, op.localSet(local)];
}

/** `end = from + (count & mask) * elementBytes`, the pointer where a loop over `from` stops. */
function stopAt(end: number, from: number, count: number, mask: number, elementBytes: number): Code[] {
  return [
    op.localGet(from),
    op.localGet(count), op.i32Const(mask), op.i32And, op.i32Const(Math.log2(elementBytes)), op.i32Shl,
    op.i32Add, op.localSet(end),
  ];
}

/** `block loop (br_if 1 (i32.ge_u pointer end)) …body… br 0 end end`: a while loop over `pointer`. */
function whileBelow(pointer: number, end: number, body: Code[]): Code[] {
  return [
    op.block, op.loop,
    op.localGet(pointer), op.localGet(end), op.i32GeU, op.brIf(1),
    ...body,
    op.br(0), op.end, op.end,
  ];
}

/**
 * addScaledFloat64(sum, x, n, w): sum[i] ← sum[i] + w·x[i] for i < n; sum Float64, x Float32.
 * Locals: 4 end, 5 w in both lanes, 6 the four Float32s just loaded.
 */
function addScaledFloat64(): FunctionSpec {
  const [sum, x, n, w, end, wv, v] = [0, 1, 2, 3, 4, 5, 6];
  // sum[at..at+1] += widen(v's lanes) · w, where `high` picks lanes 2–3 instead of 0–1.
  const pair = (sumOffset: number, high: boolean): Code[] => [
    op.localGet(sum),
    op.localGet(sum), op.v128Load(sumOffset),
    op.localGet(v), ...(high ? [op.localGet(v), op.i8x16Shuffle(HIGH_HALF_LOW)] : []), op.f64x2PromoteLowF32x4,
    op.localGet(wv), op.f64x2Mul,
    op.f64x2Add,
    op.v128Store(sumOffset),
  ];
  const four = (xOffset: number, sumOffset: number): Code[] => [
    op.localGet(x), op.v128Load(xOffset), op.localSet(v),
    ...pair(sumOffset, false),
    ...pair(sumOffset + 16, true),
  ];
  return {
    name: 'addScaledFloat64',
    params: [i32, i32, i32, f64],
    locals: [i32, v128, v128],
    body: [
      op.localGet(w), op.f64x2Splat, op.localSet(wv),
      ...stopAt(end, x, n, ~7, 4),
      ...whileBelow(x, end, [...four(0, 0), ...four(16, 32), ...bump(x, 32), ...bump(sum, 64)]),
      ...stopAt(end, x, n, 7, 4),
      ...whileBelow(x, end, [
        op.localGet(sum),
        op.localGet(sum), op.f64Load(),
        op.localGet(x), op.f32Load(), op.f64PromoteF32, op.localGet(w), op.f64Mul,
        op.f64Add,
        op.f64Store(),
        ...bump(x, 4), ...bump(sum, 8),
      ]),
    ],
  };
}

/**
 * addScaledFloat32(partial, x, n, w): partial[i] ← partial[i] + float32(w)·x[i], all in Float32.
 * Half the bytes of the Float64 sum per element; `foldInto` moves the partial sums into Float64
 * every few updates so that rounding error stays that of a few Float32 additions.
 * Locals: 4 end, 5 float32(w) in four lanes.
 */
function addScaledFloat32(): FunctionSpec {
  const [partial, x, n, w, end, wv] = [0, 1, 2, 3, 4, 5];
  const four = (offset: number): Code[] => [
    op.localGet(partial),
    op.localGet(partial), op.v128Load(offset),
    op.localGet(x), op.v128Load(offset), op.localGet(wv), op.f32x4Mul,
    op.f32x4Add,
    op.v128Store(offset),
  ];
  return {
    name: 'addScaledFloat32',
    params: [i32, i32, i32, f64],
    locals: [i32, v128],
    body: [
      op.localGet(w), op.f32DemoteF64, op.f32x4Splat, op.localSet(wv),
      ...stopAt(end, x, n, ~7, 4),
      ...whileBelow(x, end, [...four(0), ...four(16), ...bump(x, 32), ...bump(partial, 32)]),
      ...stopAt(end, x, n, 7, 4),
      ...whileBelow(x, end, [
        op.localGet(partial),
        op.localGet(partial), op.f32Load(),
        op.localGet(x), op.f32Load(), op.localGet(w), op.f32DemoteF64, op.f32Mul,
        op.f32Add,
        op.f32Store(),
        ...bump(x, 4), ...bump(partial, 4),
      ]),
    ],
  };
}

/**
 * foldInto(sum, partial, n): sum[i] ← sum[i] + partial[i] (Float32 widened, exact), then partial[i] ← 0.
 * Locals: 3 end, 4 the four partial sums just loaded.
 */
function foldInto(): FunctionSpec {
  const [sum, partial, n, end, v] = [0, 1, 2, 3, 4];
  const pair = (sumOffset: number, high: boolean): Code[] => [
    op.localGet(sum),
    op.localGet(sum), op.v128Load(sumOffset),
    op.localGet(v), ...(high ? [op.localGet(v), op.i8x16Shuffle(HIGH_HALF_LOW)] : []), op.f64x2PromoteLowF32x4,
    op.f64x2Add,
    op.v128Store(sumOffset),
  ];
  const four = (partialOffset: number, sumOffset: number): Code[] => [
    op.localGet(partial), op.v128Load(partialOffset), op.localSet(v),
    ...pair(sumOffset, false),
    ...pair(sumOffset + 16, true),
    op.localGet(partial), op.i32Const(0), op.i32x4Splat, op.v128Store(partialOffset),
  ];
  return {
    name: 'foldInto',
    params: [i32, i32, i32],
    locals: [i32, v128],
    body: [
      ...stopAt(end, partial, n, ~7, 4),
      ...whileBelow(partial, end, [...four(0, 0), ...four(16, 32), ...bump(partial, 32), ...bump(sum, 64)]),
      ...stopAt(end, partial, n, 7, 4),
      ...whileBelow(partial, end, [
        op.localGet(sum),
        op.localGet(sum), op.f64Load(),
        op.localGet(partial), op.f32Load(), op.f64PromoteF32,
        op.f64Add,
        op.f64Store(),
        op.localGet(partial), op.i32Const(0), op.i32Store(),
        ...bump(partial, 4), ...bump(sum, 8),
      ]),
    ],
  };
}

/** addWords / subtractWords(sum, x, n): sum[i] ← sum[i] ± x[i] mod 2^32 (i32 arithmetic wraps). */
function combineWords(name: string, vectorOp: Code, scalarOp: Code): FunctionSpec {
  const [sum, x, n, end] = [0, 1, 2, 3];
  const four = (offset: number): Code[] => [
    op.localGet(sum),
    op.localGet(sum), op.v128Load(offset),
    op.localGet(x), op.v128Load(offset),
    vectorOp,
    op.v128Store(offset),
  ];
  return {
    name,
    params: [i32, i32, i32],
    locals: [i32],
    body: [
      ...stopAt(end, x, n, ~7, 4),
      ...whileBelow(x, end, [...four(0), ...four(16), ...bump(x, 32), ...bump(sum, 32)]),
      ...stopAt(end, x, n, 7, 4),
      ...whileBelow(x, end, [
        op.localGet(sum),
        op.localGet(sum), op.i32Load(),
        op.localGet(x), op.i32Load(),
        scalarOp,
        op.i32Store(),
        ...bump(x, 4), ...bump(sum, 4),
      ]),
    ],
  };
}

/**
 * divideInto / multiplyInto(out, sum, n, c): out[i] ← float32(sum[i] ÷ c) or float32(sum[i] · c),
 * rounded to nearest as a JS Float32Array store rounds. Locals: 4 end, 5 c in both lanes.
 */
function finish(name: string, vectorOp: Code, scalarOp: Code): FunctionSpec {
  const [out, sum, n, c, end, cv] = [0, 1, 2, 3, 4, 5];
  const pair = (offset: number): Code[] => [
    op.localGet(sum), op.v128Load(offset), op.localGet(cv), vectorOp, op.f32x4DemoteF64x2Zero,
  ];
  return {
    name,
    params: [i32, i32, i32, f64],
    locals: [i32, v128],
    body: [
      op.localGet(c), op.f64x2Splat, op.localSet(cv),
      ...stopAt(end, out, n, ~3, 4),
      ...whileBelow(out, end, [
        op.localGet(out), ...pair(0), ...pair(16), op.i8x16Shuffle(JOIN_LOW_HALVES), op.v128Store(),
        ...bump(out, 16), ...bump(sum, 32),
      ]),
      ...stopAt(end, out, n, 3, 4),
      ...whileBelow(out, end, [
        op.localGet(out), op.localGet(sum), op.f64Load(), op.localGet(c), scalarOp, op.f32DemoteF64, op.f32Store(),
        ...bump(out, 4), ...bump(sum, 8),
      ]),
    ],
  };
}

/** The kernel functions, in export order. */
export const SUM_KERNEL_FUNCTIONS: readonly FunctionSpec[] = [
  addScaledFloat64(),
  addScaledFloat32(),
  foldInto(),
  combineWords('addWords', op.i32x4Add, op.i32Add),
  combineWords('subtractWords', op.i32x4Sub, op.i32Sub),
  finish('divideInto', op.f64x2Div, op.f64Div),
  finish('multiplyInto', op.f64x2Mul, op.f64Mul),
];

/** What the instantiated module exports (pointers are byte offsets, counts are elements). */
export interface SumKernelExports {
  addScaledFloat64(sum: number, x: number, n: number, w: number): void;
  addScaledFloat32(partial: number, x: number, n: number, w: number): void;
  foldInto(sum: number, partial: number, n: number): void;
  addWords(sum: number, x: number, n: number): void;
  subtractWords(sum: number, x: number, n: number): void;
  divideInto(out: number, sum: number, n: number, divisor: number): void;
  multiplyInto(out: number, sum: number, n: number, factor: number): void;
}

/**
 * The module's bytes, assembled from the functions above (about 1.5 KB).
 * @example WebAssembly.validate(sumKernelBytes()); // true where WebAssembly SIMD is supported
 */
export function sumKernelBytes(): Uint8Array<ArrayBuffer> {
  return assembleModule(SUM_KERNEL_FUNCTIONS);
}
