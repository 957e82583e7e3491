// A minimal 8-bit grayscale PNG encoder for tests that write image folders (node:zlib + @flotilla/data's CRC-32).

import { deflateSync } from 'node:zlib';
import { crc32 } from '@flotilla/data';

/**
 * An 8-bit grayscale PNG of `rows` (each a row of 0–255 values): signature, IHDR, one IDAT of
 * filter-0 scanlines, IEND, as the PNG specification lays them out.
 * @example writeFileSync('cat/1.png', grayPng([[0, 255], [255, 0]]));
 */
export function grayPng(rows: readonly (readonly number[])[]): Buffer {
  const height = rows.length;
  const width = rows[0]?.length ?? 0;
  const chunk = (type: string, body: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), body]);
    const out = Buffer.alloc(8 + body.length + 4);
    out.writeUInt32BE(body.length, 0);
    typed.copy(out, 4);
    out.writeUInt32BE(crc32(typed), 8 + body.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // bit depth 8, colour type 0 (gray), deflate, filter 0, no interlace
  const scanlines = Buffer.concat(rows.map((row) => Buffer.from([0, ...row])));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(scanlines)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A `size × size` PNG of one gray value.
 * @example writeFileSync('dog/1.png', solidGrayPng(4, 255));
 */
export function solidGrayPng(size: number, gray: number): Buffer {
  return grayPng(Array.from({ length: size }, () => new Array<number>(size).fill(gray)));
}
