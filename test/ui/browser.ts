/**
 * Headless Chromium for the UI suites: Debian's `chromium` package driven by
 * playwright-core (no browser download). Where no Chromium is installed the
 * suites skip, and say so plainly.
 */
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export const chromiumPath: string | undefined = process.env.CHROMIUM_PATH ?? CANDIDATES.find((p) => existsSync(p));

if (!chromiumPath) {
  console.warn('SKIPPED: the browser suites (test/ui/*.e2e.test.ts): no Chromium found (install Debian\'s `chromium`, or set CHROMIUM_PATH)');
}

export const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'];
