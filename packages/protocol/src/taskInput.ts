// What `POST /api/tasks` accepts: a partial task configuration (the operator sends only what
// differs from the defaults), as a TypeBox schema for validation and the OpenAPI document.

import { Kind, Type, type TObject, type TSchema } from '@sinclair/typebox';
import { TaskConfig } from './task.ts';

/** A partial configuration; null removes an optional setting (e.g. `stop.targetAccuracy: null`). */
export type DeepPartial<T> = { [K in keyof T]?: (NonNullable<T[K]> extends object ? DeepPartial<NonNullable<T[K]>> : T[K]) | null };
export type TaskConfigInput = DeepPartial<TaskConfig>;

const isObjectSchema = (schema: TSchema): schema is TObject => schema[Kind] === 'Object';

/**
 * Every field optional and nullable, nested objects likewise; a union (a model or a partition of
 * another kind) is given whole. Annotations (descriptions, defaults, bounds) stay, so the OpenAPI
 * document shows each field with its default.
 */
function deepPartial(schema: TSchema, top = false): TSchema {
  if (!isObjectSchema(schema)) return schema;
  const properties = Object.fromEntries(Object.entries(schema.properties).map(([key, field]) => {
    const { description, default: fallback } = field as { description?: string; default?: unknown };
    // The union keeps the field's annotations, so the document shows them next to the field.
    return [key, Type.Optional(Type.Union([deepPartial(field), Type.Null()], { description, default: fallback }))];
  }));
  return Type.Object(properties, { additionalProperties: !top, description: schema.description });
}

/**
 * The body of `POST /api/tasks`: TaskConfig with every field optional and nullable. Unknown
 * top-level keys are refused (a typo such as `strategies` would otherwise be ignored silently);
 * the fields' values are checked once merged with the defaults (the coordinator's resolveTaskConfig).
 * @example Value.Check(TaskConfigInput, { strategy: { name: 'fedprox' }, fit: { proximalMu: 0.01 } }) // true
 */
export const TaskConfigInput = deepPartial(TaskConfig, true) as TObject;

/** The top-level fields a task configuration has. */
export const TASK_CONFIG_FIELDS: readonly string[] = Object.keys(TaskConfig.properties);
