// Checks of a strategy's numeric settings: a bad value throws AGGREGATION_INVALID_CONFIG naming it.
import { AggregationError } from './errors.ts';

/**
 * The value, if it is a finite number that passes `valid`.
 * @example check('f', 1, (x) => Number.isInteger(x) && x >= 0) // 1
 */
export function check(name: string, value: number, valid: (x: number) => boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !valid(value)) {
    throw new AggregationError('AGGREGATION_INVALID_CONFIG', `invalid ${name}: ${String(value)}`);
  }
  return value;
}

/** @example positive('tau', 1e-9) // 1e-9 */
export const positive = (name: string, value: number): number => check(name, value, (x) => x > 0);
/** @example unitInterval('beta1', 0.9) // 0.9 */
export const unitInterval = (name: string, value: number): number => check(name, value, (x) => x >= 0 && x < 1);
