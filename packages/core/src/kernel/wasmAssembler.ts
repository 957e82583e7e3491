// A small WebAssembly assembler: named instructions to bytes, and a module of exported functions over one imported memory.

/**
 * Why an assembler and not a committed .wasm: no toolchain is installed and the kernel must be
 * built from readable source. It covers what the sum kernels use (locals, loops, scalar and
 * v128 loads/stores, arithmetic) and nothing more; opcodes are from the WebAssembly 2.0 core
 * specification (§5.4) and its fixed-width SIMD proposal (prefix 0xFD).
 */

/** One encoded instruction (or several): bodies are flat lists of these. */
export type Code = readonly number[];

/**
 * Value types (§5.3.1).
 * @example const params = [ValType.i32, ValType.f64];
 */
export const ValType = { i32: 0x7f, f64: 0x7c, v128: 0x7b } as const;
export type ValType = (typeof ValType)[keyof typeof ValType];

/**
 * Unsigned LEB128 (§5.2.2), for indices, sizes and SIMD opcodes.
 * @example u32(624_485); // [0xe5, 0x8e, 0x26]
 */
export function u32(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/**
 * Signed LEB128 (§5.2.2), for i32.const immediates.
 * @example s32(-123_456); // [0xc0, 0xbb, 0x78]
 */
export function s32(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** Memory immediate: log2 of the alignment hint, then a constant offset in bytes. */
function memarg(alignLog2: number, offset = 0): number[] {
  return [...u32(alignLog2), ...u32(offset)];
}

const simd = (opcode: number, ...immediates: number[]): Code => [0xfd, ...u32(opcode), ...immediates];

/**
 * The instructions the kernels use, by their text-format names.
 * @example
 * const body = [...op.localGet(0), ...op.localGet(1), ...op.i32Add]; // (i32.add (local.get 0) (local.get 1))
 */
export const op = {
  block: [0x02, 0x40] as Code,
  loop: [0x03, 0x40] as Code,
  end: [0x0b] as Code,
  br: (depth: number): Code => [0x0c, ...u32(depth)],
  brIf: (depth: number): Code => [0x0d, ...u32(depth)],
  localGet: (index: number): Code => [0x20, ...u32(index)],
  localSet: (index: number): Code => [0x21, ...u32(index)],
  i32Const: (value: number): Code => [0x41, ...s32(value)],
  f32Load: (offset = 0): Code => [0x2a, ...memarg(2, offset)],
  f64Load: (offset = 0): Code => [0x2b, ...memarg(3, offset)],
  i32Load: (offset = 0): Code => [0x28, ...memarg(2, offset)],
  i32Store: (offset = 0): Code => [0x36, ...memarg(2, offset)],
  f32Store: (offset = 0): Code => [0x38, ...memarg(2, offset)],
  f64Store: (offset = 0): Code => [0x39, ...memarg(3, offset)],
  i32GeU: [0x4f] as Code,
  i32Add: [0x6a] as Code,
  i32Sub: [0x6b] as Code,
  i32And: [0x71] as Code,
  i32Shl: [0x74] as Code,
  f64Add: [0xa0] as Code,
  f64Mul: [0xa2] as Code,
  f64Div: [0xa3] as Code,
  f32DemoteF64: [0xb6] as Code,
  f64PromoteF32: [0xbb] as Code,
  f32Add: [0x92] as Code,
  f32Mul: [0x94] as Code,
  v128Load: (offset = 0): Code => simd(0x00, ...memarg(4, offset)),
  v128Store: (offset = 0): Code => simd(0x0b, ...memarg(4, offset)),
  /** Lanes 0–15 pick bytes of the two operands (16–31 are the second's). */
  i8x16Shuffle: (lanes: readonly number[]): Code => simd(0x0d, ...lanes),
  i32x4Splat: simd(0x11),
  f32x4Splat: simd(0x13),
  f64x2Splat: simd(0x14),
  f32x4DemoteF64x2Zero: simd(0x5e),
  f64x2PromoteLowF32x4: simd(0x5f),
  i32x4Add: simd(0xae),
  i32x4Sub: simd(0xb1),
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),
  f64x2Add: simd(0xf0),
  f64x2Mul: simd(0xf2),
  f64x2Div: simd(0xf3),
} as const;

/**
 * One exported function: its signature, extra locals and body (without the final `end`).
 * @example const nop: FunctionSpec = { name: 'nop', params: [], locals: [], body: [] };
 */
export interface FunctionSpec {
  readonly name: string;
  readonly params: readonly ValType[];
  readonly locals: readonly ValType[];
  readonly body: readonly Code[];
}

function vector(items: readonly number[][]): number[] {
  return [...u32(items.length), ...items.flat()];
}

function section(id: number, payload: number[]): number[] {
  return [id, ...u32(payload.length), ...payload];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...u32(bytes.length), ...bytes];
}

/**
 * A module that imports one memory as `env.memory` and exports `functions` (no results: the
 * kernels write into memory). Sections in the order §5.5 requires: type, import, function, export, code.
 * @example
 * const bytes = assembleModule([{ name: 'nop', params: [], locals: [], body: [] }]);
 * WebAssembly.validate(bytes); // true
 */
export function assembleModule(functions: readonly FunctionSpec[]): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((p) => [p])), 0x00]);
  const memoryImport = [...name('env'), ...name('memory'), 0x02, 0x00, 0x01];
  const indices = functions.map((_, i) => u32(i));
  const exports = functions.map((f, i) => [...name(f.name), 0x00, ...u32(i)]);
  const bodies = functions.map((f) => {
    // Locals are declared as runs of one type: here one run per local, which the format allows.
    const locals = vector(f.locals.map((t) => [...u32(1), t]));
    const code = [...locals, ...f.body.flat(), ...op.end];
    return [...u32(code.length), ...code];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, vector([memoryImport])),
    ...section(3, vector(indices)),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ]);
}
