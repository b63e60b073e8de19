/** Table and column names are ours, never a user's; still, refuse anything but plain identifiers. */
export function identifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a plain identifier: ${JSON.stringify(name)}`);
  return name;
}

export function insertStatement(table: string, columns: readonly string[] | undefined, format: string): string {
  const list = columns ? ` (${columns.map(identifier).join(', ')})` : '';
  return `INSERT INTO ${identifier(table)}${list} FORMAT ${identifier(format)}`;
}
