/**
 * SQL emission through Kysely with a compile-only ClickHouse dialect. Values
 * never enter the SQL text: `param(value, type)` becomes a typed placeholder
 * `{p0:String}` whose ClickHouse type comes from the schema, and the value is
 * collected into `params`. A value without a declared type is refused at
 * compile time rather than guessed.
 */
import {
  DefaultQueryCompiler, DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, sql, type CompiledQuery, type QueryId, type RawBuilder, type RootOperationNode,
} from 'kysely';
import type { ParamValue } from '../server/warehouse/warehouse.js';

export type Sql = RawBuilder<unknown>;

/** The ClickHouse types parameters are bound as. */
export type ParamType =
  | 'String' | 'Identifier' | 'Float64' | 'UInt64' | 'Bool' | "DateTime64(3, 'UTC')" | 'Array(String)';

class TypedParam {
  constructor(readonly value: ParamValue, readonly type: ParamType) {}
}

/** A bound value of an explicit ClickHouse type. */
export function param(value: ParamValue, type: ParamType): Sql {
  return sql`${new TypedParam(value, type)}`;
}

class ClickHouseCompiler extends DefaultQueryCompiler {
  /** The same value of the same type is bound once and referred to wherever it is used. */
  private placeholders = new Map<string, string>();

  override compileQuery(node: RootOperationNode, queryId: QueryId): CompiledQuery {
    this.placeholders = new Map();
    return super.compileQuery(node, queryId);
  }

  protected override appendValue(parameter: unknown): void {
    if (!(parameter instanceof TypedParam)) throw new Error('a value without a ClickHouse type reached the SQL: use param(value, type)');
    const key = `${parameter.type}\0${JSON.stringify(parameter.value)}`;
    let placeholder = this.placeholders.get(key);
    if (!placeholder) {
      this.addParameter(parameter);
      placeholder = `{p${this.numParameters - 1}:${parameter.type}}`;
      this.placeholders.set(key, placeholder);
    }
    this.append(placeholder);
  }

  protected override getLeftIdentifierWrapper(): string {
    return '`';
  }

  protected override getRightIdentifierWrapper(): string {
    return '`';
  }
}

const db = new Kysely<unknown>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new SqliteIntrospector(k),
    createQueryCompiler: () => new ClickHouseCompiler(),
  },
});

export interface CompiledSql {
  sql: string;
  params: Record<string, ParamValue>;
}

export function compileSql(query: Sql): CompiledSql {
  const compiled = query.compile(db);
  const params: Record<string, ParamValue> = {};
  compiled.parameters.forEach((p, i) => {
    params[`p${i}`] = (p as TypedParam).value;
  });
  return { sql: compiled.sql, params };
}

export { sql };

/** Joins fragments with a separator (`AND`, `OR`, `, `). */
export function join(parts: readonly Sql[], separator: string): Sql {
  return sql.join(parts, sql.raw(separator));
}

export const TRUE = sql.raw('true');
export const FALSE = sql.raw('false');
