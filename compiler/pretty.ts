/** Readable SQL for people (the SQL inspector, `segments compile`): sql-formatter's ClickHouse dialect. */
import { format } from 'sql-formatter';

export function prettySql(text: string): string {
  return format(text, {
    language: 'clickhouse',
    tabWidth: 2,
    // Not 'upper': ClickHouse names are case-sensitive, and `events` or `step` must stay as they are.
    keywordCase: 'preserve',
    // `{p0:DateTime64(3, 'UTC')}` placeholders stay as they are.
    paramTypes: { custom: [{ regex: String.raw`\{[A-Za-z0-9_]+:[^{}]+\}` }] },
  });
}
