// A React wrapper around one uPlot chart. uPlot (github.com/leeoniya/uPlot, MIT, ~50 KB) draws
// to canvas and stays fast with hundreds of thousands of points, is small and actively
// maintained; an SVG chart library would slow down past a few thousand rounds.

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  stroke: string;
  fill?: string;
  dash?: number[];
  bars?: boolean;
  /** Which y scale: the default 'y', or another with its own axis on the right. */
  scale?: string;
}

// Rounds are whole numbers: no tick at round 2.5.
const ROUND_TICKS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

const barPaths = uPlot.paths.bars?.({ size: [0.6, 40] });

export function UPlotChart({ id, title, series, data, yLabel, height = 180, fromZero = false, band }: {
  id: string;
  title: string;
  series: ChartSeries[];
  data: uPlot.AlignedData;
  yLabel: string;
  height?: number;
  /** Counts and sizes: the y axis starts at 0 (and shows 0–1 when everything is 0). */
  fromZero?: boolean;
  /** Fills between two series (1-based, as uPlot counts them after x): a spread such as min–max. */
  band?: { upper: number; lower: number; fill: string };
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => `${s.label}:${s.scale ?? 'y'}:${s.bars ? 'b' : 'l'}`).join('|') + (band ? `|band:${band.upper}-${band.lower}` : '');

  // Created once per series layout; new rounds only call setData, which is cheap.
  useEffect(() => {
    const el = box.current!;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      scales: { x: { time: false }, ...(fromZero ? { y: { range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, Math.max(1, max * 1.1)] } } : {}) },
      // Values appear on hover only; a static legend keeps the layout still while rounds stream in.
      legend: { live: false },
      ...(band ? { bands: [{ series: [band.upper, band.lower] as [number, number], fill: band.fill }] } : {}),
      axes: [
        { label: 'round', stroke: '#555', incrs: ROUND_TICKS },
        { label: yLabel, stroke: '#555', size: 60 },
        ...(series.some((s) => s.scale === 'r') ? [{ scale: 'r', side: 1 as const, stroke: '#555', grid: { show: false } }] : []),
      ],
      series: [
        { label: 'round' },
        ...series.map((s) => ({
          label: s.label, stroke: s.stroke, width: 2, scale: s.scale ?? 'y', spanGaps: false,
          ...(s.fill ? { fill: s.fill } : {}), ...(s.dash ? { dash: s.dash } : {}),
          ...(s.bars && barPaths ? { paths: barPaths, points: { show: false } } : {}),
        })),
      ],
    };
    const chart = new uPlot(opts, data, el);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- rebuilt only when the series layout changes
  }, [shape, height, yLabel, fromZero]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return (
    <figure className="chart" data-testid={`dashboard.chart.${id}`} data-points={data[0].length}>
      <figcaption>{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
