// Tests for the assembler: LEB128 as the specification's examples give it, and modules the runtime accepts.
import { describe, expect, it } from 'vitest';
import { ValType, assembleModule, op, s32, u32 } from './wasmAssembler.ts';
import { SUM_KERNEL_FUNCTIONS, sumKernelBytes } from './sumKernelModule.ts';

describe('wasmAssembler', () => {
  it('encodes LEB128 as the DWARF / WebAssembly examples do', () => {
    expect(u32(0)).toEqual([0x00]);
    expect(u32(127)).toEqual([0x7f]);
    expect(u32(128)).toEqual([0x80, 0x01]);
    expect(u32(624_485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(s32(-1)).toEqual([0x7f]);
    expect(s32(63)).toEqual([0x3f]);
    expect(s32(64)).toEqual([0xc0, 0x00]);
    expect(s32(-123_456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(s32(-8)).toEqual([0x78]);
  });

  it('assembles a function the runtime runs: (i32.store (local.get 0) (i32.add (local.get 1) (local.get 2)))', () => {
    const bytes = assembleModule([{
      name: 'storeSum',
      params: [ValType.i32, ValType.i32, ValType.i32],
      locals: [],
      body: [op.localGet(0), op.localGet(1), op.localGet(2), op.i32Add, op.i32Store()],
    }]);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const { storeSum } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as { storeSum: (at: number, a: number, b: number) => void };
    storeSum(8, 40, 2);
    expect(new Uint32Array(memory.buffer, 8, 1)[0]).toBe(42);
  });

  it('builds the sum kernel from source into a valid module exporting every kernel', () => {
    const bytes = sumKernelBytes();
    expect(WebAssembly.validate(bytes)).toBe(true);
    const exported = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
    expect(exported).toEqual(SUM_KERNEL_FUNCTIONS.map((f) => f.name));
    // A page's main thread may compile synchronously only modules under 4 KB (Chrome).
    expect(bytes.length).toBeLessThan(4096);
  });
});
