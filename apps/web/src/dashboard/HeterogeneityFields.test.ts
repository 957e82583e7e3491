// The create form's asynchronous, local-work and personalisation sections: what each sends is
// what the contract accepts, and a section left as it was sends nothing.
import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { Value } from '@sinclair/typebox/value';
import { AsynchronousSpec, PersonalizationSpec, WorkSpec } from '@flotilla/protocol';
import { AsynchronousFields, INITIAL_ASYNCHRONOUS, asynchronousConfig } from './AsynchronousFields.tsx';
import { INITIAL_WORK, WorkFields, workConfig } from './WorkFields.tsx';
import { INITIAL_PERSONALIZATION, PersonalizationFields, personalizationConfig } from './PersonalizationFields.tsx';

describe('AsynchronousFields', () => {
  it('sends nothing while off and shows only the switch', () => {
    expect(asynchronousConfig(INITIAL_ASYNCHRONOUS)).toBeUndefined();
    const html = renderToStaticMarkup(createElement(AsynchronousFields, { value: INITIAL_ASYNCHRONOUS, onChange: () => {} }));
    expect(html).toContain('dashboard.create.asynchronous.enabled');
    expect(html).not.toContain('dashboard.create.asynchronous.bufferSize');
  });

  it('once on, shows the buffer\'s settings and sends a spec the contract accepts', () => {
    const value = { ...INITIAL_ASYNCHRONOUS, enabled: true, bufferSize: '4', stalenessWeighting: 'hinge' };
    const html = renderToStaticMarkup(createElement(AsynchronousFields, { value, onChange: () => {} }));
    for (const field of ['bufferSize', 'concurrency', 'maxStaleness', 'stalenessWeighting', 'hingeAt', 'serverLearningRate']) expect(html, field).toContain(`dashboard.create.asynchronous.${field}"`);
    const spec = asynchronousConfig(value);
    expect(spec).toMatchObject({ enabled: true, bufferSize: 4, stalenessWeighting: 'hinge', maxStaleness: 20 });
    expect(Value.Check(AsynchronousSpec, spec)).toBe(true);
  });
});

describe('WorkFields', () => {
  it('sends nothing for fixed work and uniform selection, the spec otherwise', () => {
    expect(workConfig(INITIAL_WORK)).toBeUndefined();
    const spec = workConfig({ ...INITIAL_WORK, kind: 'adaptive', deadlineFraction: '0.5' });
    expect(spec).toMatchObject({ kind: 'adaptive', deadlineFraction: 0.5, minSteps: 1, acceptPartial: true });
    expect(Value.Check(WorkSpec, spec)).toBe(true);
    expect(workConfig({ ...INITIAL_WORK, selection: 'likelyToFinish' })).toMatchObject({ kind: 'fixed', selection: 'likelyToFinish' });
  });

  it('shows the adaptive settings only for adaptive work', () => {
    const render = (kind: string) => renderToStaticMarkup(createElement(WorkFields, { value: { ...INITIAL_WORK, kind }, onChange: () => {} }));
    expect(render('fixed')).not.toContain('dashboard.create.work.deadlineFraction');
    expect(render('adaptive')).toContain('dashboard.create.work.deadlineFraction');
  });
});

describe('PersonalizationFields', () => {
  it('sends nothing for mode none', () => {
    expect(personalizationConfig(INITIAL_PERSONALIZATION)).toBeUndefined();
  });

  it('gives fedper and fedrep a head, by count or by names, and ditto its λ', () => {
    const fedper = personalizationConfig({ values: { ...INITIAL_PERSONALIZATION.values, mode: 'fedper' }, head: '2' });
    expect(fedper).toMatchObject({ mode: 'fedper', head: { lastLayers: 2 }, localBaseline: true });
    expect(Value.Check(PersonalizationSpec, fedper)).toBe(true);
    expect(personalizationConfig({ values: { mode: 'fedrep' }, head: 'dense_2, dense_3' })?.head).toEqual({ names: ['dense_2', 'dense_3'] });
    const ditto = personalizationConfig({ values: { mode: 'ditto', lambda: '0.5' }, head: '1' });
    expect(ditto).toMatchObject({ mode: 'ditto', lambda: 0.5 });
    expect(ditto?.head).toBeUndefined();
  });

  it('shows each mode\'s own settings', () => {
    const render = (mode: string) => renderToStaticMarkup(createElement(PersonalizationFields, { value: { values: { ...INITIAL_PERSONALIZATION.values, mode }, head: '1' }, onChange: () => {} }));
    expect(render('none')).not.toContain('dashboard.create.personalization.localBaseline');
    expect(render('fedper')).toContain('dashboard.create.personalization.head"');
    expect(render('ditto')).toContain('dashboard.create.personalization.lambda"');
    expect(render('ditto')).not.toContain('dashboard.create.personalization.head"');
    expect(render('finetune')).toContain('dashboard.create.personalization.fineTuneEpochs"');
  });
});
