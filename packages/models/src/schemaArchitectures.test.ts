import { describe, expect, it } from 'vitest';
import { SCHEMA_ARCHITECTURE_KINDS, SchemaArchitecture } from '@flotilla/protocol';
import { SCHEMA_MODELS } from './schemaModels.ts';

describe('the schema architectures forms offer', () => {
  it('are exactly SCHEMA_MODELS, each for the kinds of examples it builds for', () => {
    const fromModels = Object.fromEntries(Object.values(SCHEMA_MODELS).map((m) => [m.name, [...m.kinds].sort()]));
    const fromProtocol = Object.fromEntries(Object.entries(SCHEMA_ARCHITECTURE_KINDS).map(([name, kinds]) => [name, [...kinds].sort()]));
    expect(fromProtocol).toEqual(fromModels);
    expect(SchemaArchitecture.anyOf.map((s) => s.const).sort()).toEqual(Object.keys(SCHEMA_MODELS).sort());
  });
});
