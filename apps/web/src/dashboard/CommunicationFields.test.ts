// The create form's communication section against the contract: every codec offered with its
// parameters, and what the form sends is a communication spec the task accepts.
import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { Value } from '@sinclair/typebox/value';
import { CommunicationSpec } from '@flotilla/protocol';
import { CODEC_SCHEMAS, CommunicationFields, INITIAL_COMMUNICATION, communicationConfig } from './CommunicationFields.tsx';

const render = (value = INITIAL_COMMUNICATION) => renderToStaticMarkup(createElement(CommunicationFields, { value, onChange: () => {} }));

describe('CommunicationFields', () => {
  it('offers every codec of the contract in each direction', () => {
    const html = render();
    for (const codec of ['float32', 'float16', 'int8', 'topk', 'qsgd']) expect(html.split(`<option value="${codec}"`).length - 1, codec).toBe(3);
    expect([...CODEC_SCHEMAS.keys()]).toEqual(['float32', 'float16', 'int8', 'topk', 'qsgd']);
  });

  it('shows the chosen codec\'s parameters', () => {
    const html = render({ ...INITIAL_COMMUNICATION, uplink: { codec: 'topk', params: { fraction: '', errorFeedback: true } } });
    expect(html).toContain('data-testid="dashboard.create.communication.uplink.fraction"');
    expect(html).toContain('data-testid="dashboard.create.communication.uplink.errorFeedback"');
    expect(html).not.toContain('dashboard.create.communication.uplink.granularity');
  });

  it('sends nothing for float32 both ways, so such a task is the one the form always made', () => {
    expect(communicationConfig(INITIAL_COMMUNICATION)).toBeUndefined();
  });

  it('sends a spec the contract accepts, the codec\'s defaults filling what was left empty', () => {
    const spec = communicationConfig({
      ...INITIAL_COMMUNICATION, uplink: { codec: 'int8', params: { granularity: 'channel', stochastic: true } }, downlinkDelta: true,
      slowLinkUplink: { codec: 'topk', params: { fraction: '0.01', errorFeedback: true } }, slowLinkKbps: '256',
    });
    expect(spec).toEqual({
      uplink: { codec: 'int8', granularity: 'channel', stochastic: true }, downlink: { codec: 'float32' }, downlinkDelta: true,
      slowLinkUplink: { codec: 'topk', fraction: 0.01, errorFeedback: true }, slowLinkKbps: 256,
    });
    expect(Value.Check(CommunicationSpec, spec)).toBe(true);
  });

  it('names what does not fit instead of sending it', () => {
    expect(() => communicationConfig({ ...INITIAL_COMMUNICATION, uplink: { codec: 'topk', params: { fraction: '2' } } })).toThrow(/communication\.uplink\.fraction/);
    expect(() => communicationConfig({ ...INITIAL_COMMUNICATION, slowLinkUplink: { codec: 'int8', params: {} }, slowLinkKbps: '' })).toThrow(/slowLinkKbps/);
  });
});
