/**
 * Route-schema validation. Bodies are checked strictly (no type coercion, no
 * silent removal: a value of the wrong type is an error, not a guess);
 * query strings and path parameters are coerced from their text. Errors name
 * the JSON pointer of the offending value.
 */
import { Ajv, type ErrorObject, type Options } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { isTimestamp, TIMESTAMP_RULE } from '../model/time.js';
import { pointerSegment } from '../model/json.js';
import { errors, type ApiError } from './errors.js';
import { CONDITION_TREE_ID } from '../compiler/schema.js';

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ allErrors: false, verbose: true, strict: false, ...options });
  ajv.addFormat('timestamp', { type: 'string', validate: isTimestamp });
  // Routes refer to the condition tree by its schema id (the OpenAPI document
  // shows the whole schema); the compiler validates trees itself, with exact
  // JSON pointers and the checks a schema cannot express, so here it is an object.
  ajv.addSchema({ $id: CONDITION_TREE_ID, type: 'object' });
  return ajv;
}

const strict = makeAjv({ coerceTypes: false, removeAdditional: false, useDefaults: true });
const coercing = makeAjv({ coerceTypes: true, removeAdditional: false, useDefaults: true });

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema);

/** A validator of JSON input outside a route (bulk loads), with the routes' strict rules. */
export function strictValidator<T>(schema: object) {
  return strict.compile<T>(schema);
}

/** The most useful of ajv's errors, as an API error with its JSON pointer. */
export function validationError(list: readonly ErrorObject[], context: string | undefined): ApiError {
  const chosen = list.find((e) => e.keyword === 'anyOf') ?? list[0];
  if (!chosen) return errors.invalidRequest('invalid request');
  let path = chosen.instancePath;
  let message = chosen.message ?? 'is invalid';
  const params = chosen.params as Record<string, unknown>;
  switch (chosen.keyword) {
    case 'anyOf':
      message = (chosen.parentSchema as { description?: string } | undefined)?.description ?? message;
      break;
    case 'additionalProperties':
      path += `/${pointerSegment(String(params.additionalProperty))}`;
      message = 'is not a known field';
      break;
    case 'required':
      path += `/${pointerSegment(String(params.missingProperty))}`;
      message = 'is required';
      break;
    case 'propertyNames':
    case 'minLength':
    case 'maxLength': {
      // ajv names the offending key on the error itself for propertyNames failures.
      const key = (chosen as { propertyName?: string }).propertyName ?? params.propertyName;
      if (key !== undefined) {
        path += `/${pointerSegment(String(key))}`;
        message = 'key must be 1 to 128 characters';
      }
      break;
    }
    case 'format':
      message = TIMESTAMP_RULE;
      break;
    case 'type':
      // ajv names a union of types "integer,null".
      message = `must be ${String(params.type).split(',').join(' or ')}`;
      break;
    case 'enum':
      message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
  }
  const where = context && context !== 'body' ? `${context} ` : '';
  return errors.invalidRequest(`${where}${path || '(root)'} ${message}`, path);
}
