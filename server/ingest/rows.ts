/**
 * Ingested objects → the JSONEachRow lines the warehouse parses. Validation
 * happened at the route; here only the shape changes: the project is added,
 * timestamps become DateTime64 text and property keys are encoded.
 */
import { encodeKeys } from '../../model/keys.js';
import type { AnswerWrite, Attributes, EventWrite, InteractionWrite } from '../../model/schemas.js';
import { parseTimestamp, toWarehouseTime } from '../../model/time.js';

export function toJsonLines(rows: readonly object[]): Buffer {
  return Buffer.from(rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
}

function time(text: string): string {
  const epoch = parseTimestamp(text);
  if (epoch === undefined) throw new Error(`not a timestamp: ${text}`); // the route schema refused it already
  return toWarehouseTime(epoch);
}

/** null means "no value": for a property it is the same as absent. */
function presentProperties(properties: Attributes | undefined): Attributes {
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
