// Form fields derived from a contract schema: one input per field, the defaults applied, bad values named.
import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { AsynchronousSpec, WorkSpec } from '@flotilla/protocol';
import { SpecFields, specFieldNames, specFormDefaults, specValue } from './SpecFields.tsx';

describe('SpecFields', () => {
  it('shows a checkbox per boolean, a select per choice and a number input per number, with the default as placeholder', () => {
    const html = renderToStaticMarkup(createElement(SpecFields, { schema: WorkSpec, value: specFormDefaults(WorkSpec), onChange: () => {}, testid: 'w' }));

    expect(html).toContain('<input type="checkbox" data-testid="w.acceptPartial" checked=""/>');
    expect(html).toMatch(/<select data-testid="w.selection"><option value="uniform" selected="">uniform<\/option><option value="likelyToFinish">/);
    expect(html).toContain('<input type="number" step="any" placeholder="0.8" data-testid="w.deadlineFraction" value=""/>');
    expect(html).toContain('<input type="number" step="1" placeholder="1" data-testid="w.minSteps" value=""/>');
  });

  it('offers every field of the spec', () => {
    expect(specFieldNames(AsynchronousSpec)).toEqual(Object.keys(AsynchronousSpec.properties));
  });

  it('fills what was left empty with the contract\'s defaults and types what was typed', () => {
    expect(specValue(WorkSpec, { ...specFormDefaults(WorkSpec), kind: 'adaptive', minSteps: '3' }, 'fit.work'))
      .toEqual({ kind: 'adaptive', deadlineFraction: 0.8, minSteps: 3, acceptPartial: true, selection: 'uniform' });
  });

  it('names the field a value does not fit', () => {
    expect(() => specValue(AsynchronousSpec, { enabled: true, bufferSize: '0' }, 'asynchronous')).toThrow(/^asynchronous\.bufferSize: /);
    expect(() => specValue(WorkSpec, { minSteps: '1.5' }, 'fit.work')).toThrow(/fit\.work\.minSteps/);
  });
});
