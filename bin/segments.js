#!/usr/bin/env node
// The `segments` command: runs the TypeScript sources directly through tsx,
// so `npm install` needs no build step and nothing can be stale.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
