// Builds the UI (ui/src → ui/dist) with esbuild: one bundle of Preact and our
// modules, one stylesheet, no CDN at run time. `npm install` runs it (prepare),
// and so does `npm start` (prestart), in well under a second.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export async function buildUi({ quiet = false } = {}) {
  const outdir = join(here, 'dist');
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    write: false,
    entryPoints: { app: join(here, 'src/main.tsx') },
    outdir,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: true,
    logLevel: quiet ? 'error' : 'info',
  });
  // Each file is written aside and renamed into place, so a server (or a test running beside
  // another one that builds) never serves half a file.
  const files = [...result.outputFiles.map((f) => [f.path, f.contents]), [join(outdir, 'index.html'), readFileSync(join(here, 'index.html'))]];
  for (const [path, contents] of files) {
    const aside = `${path}.${process.pid}.tmp`;
    writeFileSync(aside, contents);
    renameSync(aside, path);
  }
  return outdir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildUi();
