#!/usr/bin/env node
// The `segments` command: runs the TypeScript sources directly through tsx,
// so `npm install` needs no build step and nothing can be stale.
//
// The embedded engine (chDB, i.e. clickhouse-local) takes a piped standard
// input as the data of INSERT statements. So when stdin is a pipe or a file,
// the command runs again in a child whose stdin is /dev/null and which gets
// the original stdin as file descriptor 3 (`segments load … -` reads it there).
import { spawn } from 'node:child_process';
import { fstatSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function stdinCarriesData() {
  try {
    const stat = fstatSync(0);
    return stat.isFIFO() || stat.isFile() || stat.isSocket();
  } catch {
    return false;
  }
}

if (process.env.SEGMENTS_STDIN_FD === undefined && stdinCarriesData()) {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: ['ignore', 'inherit', 'inherit', 0],
    env: { ...process.env, SEGMENTS_STDIN_FD: '3' },
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
