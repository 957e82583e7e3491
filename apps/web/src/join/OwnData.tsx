// The person's own examples on the join page, offered as the task's schema takes them: CSV tables
// for a tabular task, a folder of class folders for an image task, text files for a text task,
// and for MNIST's digits also drawing. Shows what was read (counts per class, a preview), a
// progress bar while reading, and coded errors naming file, row and column. Nothing is sent.

import { useEffect, useRef } from 'react';
import { isDigitSchema, type DataPreview } from '@flotilla/client';
import type { DataSchema } from '@flotilla/protocol';
import { DrawPad } from './DrawPad.tsx';
import type { JoinSession, JoinState } from './JoinSession.ts';

/**
 * One line on what one example of the task is.
 * @example describeSchema(MNIST_SCHEMA) // 'images of 28×28×1, classes 0, 1, …'
 */
export function describeSchema(schema: DataSchema): string {
  const list = (names: readonly string[]) => (names.length > 10 ? `${names.slice(0, 10).join(', ')}, … (${names.length})` : names.join(', '));
  switch (schema.kind) {
    case 'image':
      return `images of ${schema.height}×${schema.width}×${schema.channels}, classes ${list(schema.classes)}`;
    case 'tabular':
      return `table rows: columns ${list(schema.features.map((c) => c.name))} and the label column "${schema.label}" (${schema.target.type === 'classification' ? `classes ${list(schema.target.classes)}` : `a number, ${schema.target.metric.toUpperCase()}`})`;
    case 'text':
      return `${schema.level === 'char' ? 'character' : 'token'}-level text, ${schema.sequenceLength} symbols of context, ${schema.vocabulary.length} symbols`;
    default: {
      const never: never = schema;
      throw new Error(`unknown schema ${JSON.stringify(never)}`);
    }
  }
}

function classNames(schema: DataSchema): readonly string[] {
  if (schema.kind === 'image') return schema.classes;
  if (schema.kind === 'tabular' && schema.target.type === 'classification') return schema.target.classes;
  return [];
}

function Thumbnail({ rgba, width, height }: { rgba: Uint8ClampedArray; width: number; height: number }) {
  const canvas = useRef<HTMLCanvasElement | null>(null);
  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (ctx) ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  }, [rgba, width, height]);
  return <canvas ref={canvas} width={width} height={height} style={{ width: 48, height: 48 * (height / width), imageRendering: 'pixelated', marginRight: 4, border: '1px solid #ccc' }} />;
}

function Preview({ preview }: { preview: DataPreview }) {
  if (preview.kind === 'images') {
    return <p data-testid="join.data.preview" data-kind="images">{preview.thumbnails.map((t, i) => <Thumbnail key={i} rgba={t} width={preview.width} height={preview.height} />)}</p>;
  }
  return (
    <figure data-testid="join.data.preview" data-kind="lines" style={{ margin: 0 }}>
      <figcaption>First lines of {preview.file}:</figcaption>
      <pre style={{ background: '#f4f4f4', padding: '0.5rem', overflowX: 'auto' }}>{preview.lines.join('\n')}</pre>
    </figure>
  );
}

function Inputs({ schema, session }: { schema: DataSchema; session: JoinSession }) {
  const pick = (files: FileList | null) => { if (files) void session.pickFiles(files); };
  const folder = { webkitdirectory: '', directory: '' } as Record<string, string>;
  if (isDigitSchema(schema)) {
    return (
      <>
        <p>
          <label>CSV files (a label 0–9, then 784 pixel values 0–255 per row; a header row is optional):{' '}
            <input data-testid="join.files.csv" type="file" accept=".csv,text/csv" multiple onChange={(e) => { pick(e.target.files); e.target.value = ''; }} />
          </label>
        </p>
        <p>
          <label>A folder of images, one folder per digit (<code>0/</code>, <code>1/</code>, … <code>9/</code>):{' '}
            <input data-testid="join.files.folder" type="file" multiple {...folder} onChange={(e) => { pick(e.target.files); e.target.value = ''; }} />
          </label>
        </p>
      </>
    );
  }
  switch (schema.kind) {
    case 'tabular':
      return (
        <p>
          <label>CSV files with a header row naming the columns {schema.features.map((c) => c.name).join(', ')} and {schema.label} (other columns are ignored):{' '}
            <input data-testid="join.files.csv" type="file" accept=".csv,text/csv" multiple onChange={(e) => { pick(e.target.files); e.target.value = ''; }} />
          </label>
        </p>
      );
    case 'image':
      return (
        <p>
          <label>A folder of images, one folder per class ({schema.classes.map((c) => `${c}/`).join(', ')}); they are resized to {schema.width}×{schema.height}{schema.channels === 1 ? ' grayscale' : ' RGB'}:{' '}
            <input data-testid="join.files.folder" type="file" multiple {...folder} onChange={(e) => { pick(e.target.files); e.target.value = ''; }} />
          </label>
        </p>
      );
    case 'text':
      return (
        <p>
          <label>Text files (UTF-8), cut into windows of {schema.sequenceLength} {schema.level === 'char' ? 'characters' : 'tokens'} and the one that follows:{' '}
            <input data-testid="join.files.text" type="file" accept=".txt,text/plain" multiple onChange={(e) => { pick(e.target.files); e.target.value = ''; }} />
          </label>
        </p>
      );
    default: {
      const never: never = schema;
      throw new Error(`unknown schema ${JSON.stringify(never)}`);
    }
  }
}

/** Picked files (and, for digits, drawings): the person's own examples, which never leave the page. */
export function OwnData({ s, session }: { s: JoinState; session: JoinSession }) {
  const digits = isDigitSchema(s.schema);
  const names = classNames(s.schema);
  return (
    <section aria-label="Your data" data-testid="join.own-data" data-schema={s.schema.kind}>
      <h2>Your data</h2>
      <p data-testid="join.schema" data-kind={s.schema.kind}>This task learns from {describeSchema(s.schema)}.</p>
      <p>
        Train on your own examples. They are read by this page only and never sent: the coordinator learns
        how many examples you hold, nothing else.{digits ? ' Images are reduced to 28×28 grayscale, like MNIST.' : ''}
      </p>
      <Inputs schema={s.schema} session={session} />
      {s.reading && (
        <p>Reading {s.reading.done} of {s.reading.total} files… <progress data-testid="join.files.progress" max={s.reading.total} value={s.reading.done} /></p>
      )}
      <p>
        <span data-testid="join.files.count" data-count={s.sources?.files ?? 0}>{s.sources?.files ?? 0} examples from picked files</span>{' '}
        <button data-testid="join.files.clear" disabled={(s.sources?.files ?? 0) === 0} onClick={() => void session.forgetFiles()}>Forget them</button>
      </p>
      {digits && <DrawPad count={s.sources?.drawn ?? 0} onAdd={(pixels, label) => session.addDrawing(pixels, label)} onClear={() => void session.clearDrawings()} />}
      {s.labelCounts && s.labelCounts.length > 0 && s.examples ? (
        <p data-testid="join.data.labels">Per {digits ? 'digit' : 'class'}: {s.labelCounts.map((n, k) => `${names[k] ?? k}: ${n}`).join(' · ')}</p>
      ) : null}
      {s.preview && <Preview preview={s.preview} />}
      {s.dataError && <p data-testid="join.data.error" role="alert" style={{ color: '#a33' }}>{s.dataError}</p>}
    </section>
  );
}
