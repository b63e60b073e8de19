/** A table of users; sortable by the API's sort fields when onSort is given. */
import type { Sort, SortField, User } from '../api.js';
import { cell, day } from '../format.js';

const COLUMNS: Array<{ field: SortField; label: string; date?: boolean }> = [
  { field: 'id', label: 'Id' }, { field: 'name', label: 'Name' }, { field: 'email', label: 'Email' },
  { field: 'created_at', label: 'Created', date: true }, { field: 'last_activity_at', label: 'Last active', date: true }, { field: 'sessions', label: 'Sessions' },
];

interface Props { users: User[]; compact?: boolean; sort?: Sort; onSort?: (s: Sort) => void; onOpen?: (u: User) => void }

export function UsersTable({ users, compact, sort, onSort, onOpen }: Props) {
  const columns = compact ? COLUMNS.slice(0, 3) : COLUMNS;
  if (users.length === 0) return <p class="muted">No users.</p>;
  return (
    <div class="table-wrap">
      <table class={`users${compact ? ' compact' : ''}`}>
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort?.by === c.field;
              return (
                <th scope="col" aria-sort={active ? (sort!.order === 'asc' ? 'ascending' : 'descending') : undefined}>
                  {onSort ? (
                    <button type="button" class="sort" onClick={() => onSort({ by: c.field, order: active && sort!.order === 'asc' ? 'desc' : 'asc' })}>
                      {c.label}{active ? (sort!.order === 'asc' ? ' ▲' : ' ▼') : ''}
                    </button>
                  ) : c.label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr class={onOpen ? 'clickable' : ''} tabIndex={onOpen ? 0 : undefined} data-user={u.id}
              onClick={() => onOpen?.(u)} onKeyDown={(e) => e.key === 'Enter' && onOpen?.(u)}>
              {columns.map((c) => <td>{c.date ? day(u[c.field] as string | null) : cell(u[c.field])}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
