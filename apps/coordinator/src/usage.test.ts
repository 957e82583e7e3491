import { describe, expect, it } from 'vitest';
import { COORDINATOR_FLAGS } from './start.ts';
import { coordinatorUsage, FLAG_HELP } from './usage.ts';
import { LIMIT_SETTINGS } from './limitSettings.ts';

describe('npm start -- --help', () => {
  it('describes every flag the coordinator accepts, with its environment variable', () => {
    const usage = coordinatorUsage();
    for (const flag of Object.keys(COORDINATOR_FLAGS)) {
      expect(FLAG_HELP[flag], flag).toBeDefined();
      expect(usage).toContain(`--${flag}`);
    }
    for (const setting of LIMIT_SETTINGS) expect(usage).toContain(`env ${setting.env};`);
    expect(Object.keys(FLAG_HELP).sort()).toEqual(Object.keys(COORDINATOR_FLAGS).sort());
  });
});
