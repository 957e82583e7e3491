// A canvas to draw a digit on with mouse, pen or finger, a label to give it, and the way to keep
// it: the drawing is reduced to 28×28 grayscale as MNIST's digits were (scaled into 20×20 and
// centred) on this page and handed to the session, which stores it in this browser's IndexedDB.

import { useEffect, useRef, useState, type PointerEvent } from 'react';
import { rgbaToDigit } from '@flotilla/client';

const SIZE = 196;
const STROKE = 16;

function clear(canvas: HTMLCanvasElement): void {
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, SIZE, SIZE);
}

/** The drawing as 784 pixels in [0, 1]: light strokes on a dark ground, scaled and centred as MNIST's digits are. */
function toDigit(canvas: HTMLCanvasElement): Float32Array {
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  return rgbaToDigit(ctx.getImageData(0, 0, SIZE, SIZE).data, SIZE, SIZE);
}

export function DrawPad({ count, onAdd, onClear }: { count: number; onAdd(pixels: Float32Array, label: number): Promise<boolean>; onClear(): void }) {
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const last = useRef<{ x: number; y: number } | null>(null);
  const [inked, setInked] = useState(false);
  const [label, setLabel] = useState(0);
  useEffect(() => {
    if (canvas.current) clear(canvas.current);
  }, []);

  const point = (e: PointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * SIZE) / r.width, y: ((e.clientY - r.top) * SIZE) / r.height };
  };
  const stroke = (to: { x: number; y: number }) => {
    const ctx = canvas.current!.getContext('2d')!;
    const from = last.current ?? to;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = STROKE;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
    last.current = to;
    setInked(true);
  };

  return (
    <div data-testid="join.draw" style={{ display: 'flex', gap: '1rem', alignItems: 'flex-start' }}>
      <canvas
        data-testid="join.draw.canvas" width={SIZE} height={SIZE} aria-label="Draw a digit here"
        style={{ width: SIZE, height: SIZE, touchAction: 'none', cursor: 'crosshair', border: '1px solid #888' }}
        ref={canvas}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          last.current = null;
          stroke(point(e));
        }}
        onPointerMove={(e) => {
          if (last.current) stroke(point(e));
        }}
        onPointerUp={() => { last.current = null; }}
        onPointerCancel={() => { last.current = null; }}
      />
      <div>
        <p>
          <label>This is the digit{' '}
            <select data-testid="join.draw.label" value={label} onChange={(e) => setLabel(Number(e.target.value))}>
              {Array.from({ length: 10 }, (_, d) => <option key={d} value={d}>{d}</option>)}
            </select>
          </label>
        </p>
        <p>
          <button
            data-testid="join.draw.add" disabled={!inked}
            onClick={async () => {
              if (await onAdd(toDigit(canvas.current!), label)) {
                clear(canvas.current!);
                setInked(false);
              }
            }}
          >Keep this drawing</button>{' '}
          <button data-testid="join.draw.reset" disabled={!inked} onClick={() => { clear(canvas.current!); setInked(false); }}>Start over</button>
        </p>
        <p>
          <span data-testid="join.draw.count" data-count={count}>{count} drawn digit{count === 1 ? '' : 's'} kept in this browser</span>{' '}
          <button data-testid="join.draw.clear" disabled={count === 0} onClick={onClear}>Delete them</button>
        </p>
      </div>
    </div>
  );
}
