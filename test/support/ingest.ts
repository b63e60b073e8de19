/** Writes a generated dataset through the product's own ingestion path (merge, deletion, row shapes). */
import type { Warehouse } from '../../server/warehouse/warehouse.js';
import { UserStore } from '../../server/ingest/users.js';
import { answerRow, eventRow, interactionRow, toJsonLines } from '../../server/ingest/rows.js';
import type { GeneratedData } from './generators.js';
import type { AnswerWrite, EventWrite, InteractionWrite, UserWrite } from '../../model/schemas.js';

export async function ingest(warehouse: Warehouse, project: string, data: Omit<GeneratedData, 'deleted'> & { deleted?: GeneratedData['deleted'] }): Promise<void> {
  const users = new UserStore(warehouse);
  const writes = [...(data.deleted ?? []), ...data.users] as UserWrite[];
  if (writes.length) await users.upsert(project, writes);
  for (const gone of data.deleted ?? []) await users.delete(project, gone.id);
  const insert = async <T>(table: string, items: T[], row: (p: string, item: T) => object) => {
    if (items.length) await warehouse.insert({ table, format: 'JSONEachRow' }, toJsonLines(items.map((i) => row(project, i))));
  };
  await insert('events', data.events as EventWrite[], eventRow);
  await insert('interactions', data.interactions as InteractionWrite[], interactionRow);
  await insert('answers', data.answers as AnswerWrite[], answerRow);
}
