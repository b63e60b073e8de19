/**
 * Ingested objects → the JSONEachRow lines the warehouse parses. Validation
 * happened at the route; here only the shape changes: the project is added,
 * timestamps become DateTime64 text and property keys are encoded.
 */
import { encodeKeys } from '../../model/keys.js';
import type { AnswerWrite, Attributes, EventWrite, InteractionWrite } from '../../model/schemas.js';
import { parseTimestamp, toWarehouseTime } from '../../model/time.js';

export function toJsonLines(rows: readonly object[]): Buffer {
  return Buffer.from(rows.map(stringifyRow).join('\n') + '\n');
}

/**
 * JSON text of a row, with one care: an integer too large for Int64/UInt64
 * that JavaScript still prints in full (|n| ≥ 2^63, < 1e21) is written in
 * exponent form, so ClickHouse reads it as the double it is instead of
 * refusing the batch (JSON columns) or keeping it as a string (answers).
 */
export function stringifyRow(row: object): string {
  let big = false;
  const marker = `\u0000${Math.random().toString(36).slice(2)}:`;
  const text = JSON.stringify(row, (_key, value: unknown) => {
    if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) >= 2 ** 63 && Math.abs(value) < 1e21) {
      big = true;
      return marker + value.toExponential();
    }
    return value;
  });
  if (!big) return text;
  const quoted = JSON.stringify(marker).slice(1, -1);
  return text.replace(new RegExp(`"${quoted.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}([^"]+)"`, 'g'), '$1');
}

function time(text: string): string {
  const epoch = parseTimestamp(text);
  if (epoch === undefined) throw new Error(`not a timestamp: ${text}`); // the route schema refused it already
  return toWarehouseTime(epoch);
}

/** null means "no value": for a property it is the same as absent. */
function presentProperties(properties: Attributes | null | undefined): Attributes {
  return Object.fromEntries(Object.entries(properties ?? {}).filter(([, v]) => v !== null));
}

export function eventRow(project: string, e: EventWrite) {
  return { project, user_id: e.user_id, source: e.source, event: e.event, timestamp: time(e.timestamp), properties: encodeKeys(presentProperties(e.properties)) };
}

export function interactionRow(project: string, i: InteractionWrite) {
  return { project, user_id: i.user_id, experience: i.experience, interaction: i.interaction, timestamp: time(i.timestamp) };
}

export function answerRow(project: string, a: AnswerWrite) {
  return { project, user_id: a.user_id, experience: a.experience, step: a.step, value: a.value, timestamp: time(a.timestamp) };
}
