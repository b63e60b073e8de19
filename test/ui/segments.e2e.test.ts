/**
 * The Segments page in a real browser (headless Chromium), end to end on the
 * real server and engine: the seed's two worked examples — build
 * `Name AND Id AND (Email OR external_email)`, then restructure it to
 * `Id AND (Name OR Email OR external_email)` — with the previewed counts
 * checked against the API, saving, the list updating, duplicating and
 * deleting; then the SQL inspector, the Users tab and the Imports tab.
 *
 * Screenshots of each page go to a temporary folder, or to docs/screenshots
 * with UPDATE_SCREENSHOTS=1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS } from './browser.js';
import { call, KEYS, testApp } from '../support/api.js';
import { openTestWarehouse, tempDir } from '../support/warehouse.js';
import { ingest } from '../support/ingest.js';
import { buildUi } from '../../ui/build.mjs';

const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(import.meta.dirname, '../../docs/screenshots') : tempDir('segments-shots-');
const NOW = Date.now();
const ago = (days: number) => new Date(NOW - days * 86_400_000).toISOString();

// Every combination of the four fields, so each structure of the examples has its own count.
const USERS = Array.from({ length: 32 }, (_, i) => ({
  id: `user-${String(i).padStart(2, '0')}`,
  ...(i & 1 ? { name: `Person ${i}` } : {}),
  ...(i & 2 ? { email: `p${i}@example.com` } : {}),
  attributes: { plan: i % 3 ? 'pro' : 'free', score: i - 10, city: i % 2 ? 'Paris, France' : 'Lyon', ...(i & 4 ? { external_email: `x${i}@corp.example` } : {}) },
}));

describe.skipIf(!chromiumPath)('Segments UI in a browser', () => {
  let app: FastifyInstance;
  let dispose: () => Promise<void>;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    await buildUi({ quiet: true });
    const opened = await openTestWarehouse();
    dispose = opened.dispose;
    await ingest(opened.warehouse, 'alpha', {
      users: USERS as never,
      events: USERS.flatMap((u, i) => Array.from({ length: i % 4 }, (_, k) => ({ user_id: u.id, source: 'api', event: 'login', timestamp: ago(k * 3 + 1), properties: { device: 'web' } }))) as never,
      interactions: USERS.slice(0, 10).map((u) => ({ user_id: u.id, experience: 'tour_1', interaction: 'seen', timestamp: ago(2) })) as never,
      answers: [],
    });
    app = await testApp(opened.warehouse);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    mkdirSync(SHOTS, { recursive: true });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
    page.on('response', (r) => { if (r.url().includes('/v1/') && r.status() >= 400) failures.push(`${r.request().method()} ${r.url()} → ${r.status()}`); });
    await page.addInitScript((key) => { localStorage.setItem('segments.apiKey', key); localStorage.setItem('segments.author', 'Ada'); }, KEYS.alpha);
  }, 120_000);

  // Every test fails on a page error or an API answer ≥ 400: the UI must only send what the API accepts.
  const failures: string[] = [];
  afterEach(async () => {
    if (page) expect(await page.locator('.error').allTextContents(), 'errors shown').toEqual([]);
    expect(failures.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await dispose?.();
  });

  const apiCount = async (conditions: object) => (await call(app, 'POST', '/v1/audience/count', { conditions })).body.count as number;
  const previewCount = async () => Number((await page.getByTestId('preview-count').textContent())!.replace(/\D/g, ''));
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const rules = () => page.getByRole('group', { name: 'Condition', exact: true });
  const add = async (scope: string, what: 'Rule' | 'Logic group') => {
    await page.locator(`${scope} > .group-footer summary`).click();
    await page.locator(`${scope} > .group-footer`).getByRole('menuitem', { name: what }).click();
  };
  const apply = async () => {
    const before = await page.getByTestId('preview-count').textContent();
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('button', { name: 'Apply' }).and(page.locator(':not([disabled])')).waitFor();
    return before;
  };

  const attr = (attribute: string) => ({ type: 'attribute', attribute, operator: 'is_not_empty' });
  const external = { type: 'custom_attribute', key: 'external_email', operator: 'is_not_empty' };
  const EXAMPLE_1 = { op: 'and', conditions: [attr('name'), attr('id'), { op: 'or', conditions: [attr('email'), external] }] };
  const EXAMPLE_2 = { op: 'and', conditions: [attr('id'), { op: 'or', conditions: [attr('name'), attr('email'), external] }] };
  let savedId = '';

  it('example 1: builds Name AND Id AND (Email OR external_email), previews the API\'s count and saves it', async () => {
    await page.goto(`${base}/#/segments`);
    await page.getByRole('link', { name: '+ New Segment' }).click();
    await expect.poll(previewCount).toBe(USERS.length);

    await add('.group.root', 'Rule'); // a new rule: Attributes › name › is not empty
    await add('.group.root', 'Rule');
    await rules().nth(1).getByLabel('Field').selectOption('id');
    await add('.group.root', 'Logic group');
    const group = page.getByRole('group', { name: 'OR group' });
    await group.getByRole('group', { name: 'Condition', exact: true }).first().getByLabel('Field').selectOption('email');
    await add('.group.nested.or', 'Rule');
    const last = group.getByRole('group', { name: 'Condition', exact: true }).nth(1);
    await last.getByLabel('Category').selectOption({ label: 'Custom Attributes' });
    await last.getByLabel('Field').selectOption('external_email');
    await last.getByLabel('Operator').selectOption('is_not_empty');

    await expect.poll(() => page.locator('.group.root > .connector.and').count()).toBe(2);
    await expect.poll(() => group.locator('> .connector.or').count()).toBe(1);
    const save = page.getByRole('button', { name: 'Save' });
    await expect.poll(() => save.isDisabled()).toBe(true); // changed, but not applied
    await apply();
    const expected = await apiCount(EXAMPLE_1);
    expect(expected).toBe(USERS.filter((u) => u.name && (u.email || u.attributes.external_email)).length);
    await expect.poll(previewCount).toBe(expected);

    await page.getByLabel('Segment name').fill('Reachable people');
    await page.getByLabel('Description').fill('Named, with an email we can write to');
    await page.getByLabel('Label').fill('Reach');
    await expect.poll(() => save.isDisabled()).toBe(false);
    await shot('segment-builder');
    await save.click();
    await page.waitForURL(/#\/segments\/(?!new$)[^/]+$/);
    savedId = decodeURIComponent(page.url().split('/').pop()!);
    const stored = await call(app, 'GET', `/v1/segments/${savedId}`);
    expect(stored.body.conditions).toEqual(EXAMPLE_1);
    expect(stored.body.created_by).toBe('Ada');

    await page.getByRole('link', { name: '← Segments' }).click();
    const row = page.locator(`tr[data-segment="${savedId}"]`);
    await expect.poll(() => row.locator('.audience').textContent()).toBe(String(expected));
    await expect.poll(() => row.locator('.segment-name').textContent()).toBe('Reachable people');
  });

  it('example 2: restructures it to Id AND (Name OR Email OR external_email) and saves; the list follows', async () => {
    await page.goto(`${base}/#/segments/${savedId}`);
    await expect.poll(previewCount).toBe(await apiCount(EXAMPLE_1));
    const save = page.getByRole('button', { name: 'Save' });
    await expect.poll(() => save.isDisabled()).toBe(true); // nothing changed yet

    await page.locator('.group.root > .rule').first().getByRole('button', { name: 'Remove condition' }).click(); // the X on Name
    await add('.group.nested.or', 'Rule'); // Name is not empty, inside the OR group
    await expect.poll(() => page.locator('.group.root > .rule').count()).toBe(1);
    await expect.poll(() => page.locator('.group.nested.or > .rule').count()).toBe(3);
    await expect.poll(() => save.isDisabled()).toBe(true); // changed, not applied
    await apply();
    const expected = await apiCount(EXAMPLE_2);
    expect(expected).toBe(USERS.filter((u) => u.name || u.email || u.attributes.external_email).length);
    await expect.poll(previewCount).toBe(expected);
    await expect.poll(() => save.isDisabled()).toBe(false);
    await save.click();
    await expect.poll(async () => (await call(app, 'GET', `/v1/segments/${savedId}`)).body.version).toBe(2);
    const stored = (await call(app, 'GET', `/v1/segments/${savedId}`)).body.conditions;
    expect(await apiCount(stored)).toBe(expected);
    expect(stored.conditions[0]).toEqual(attr('id'));

    // Group actions: nest the OR group into a sub-group and flatten it back — the audience is unchanged.
    const group = page.locator('.group.nested.or');
    await group.hover();
    await group.getByRole('button', { name: 'Nest into sub-group' }).click();
    const inner = page.locator('.group.nested .group.nested.or');
    await inner.hover();
    await inner.getByRole('button', { name: 'Flatten into parent' }).click();
    await expect.poll(() => page.locator('.group.root > .rule').count()).toBe(1);
    await expect.poll(() => page.locator('.group.root > .group.nested.or > .rule').count()).toBe(3);
    await expect.poll(() => page.locator('.group.nested .group.nested').count()).toBe(0);
    const sent = page.waitForRequest((r) => r.url().endsWith('/v1/audience/count'));
    await apply();
    expect(await apiCount((await sent).postDataJSON().conditions)).toBe(expected);
    expect((await sent).postDataJSON().conditions).toEqual(stored);
    await expect.poll(previewCount).toBe(expected);

    await page.getByRole('link', { name: '← Segments' }).click();
    await expect.poll(() => page.locator(`tr[data-segment="${savedId}"] .audience`).textContent()).toBe(String(expected));
    await shot('segments-list');
  });

  it('shows the SQL with its parameters and EXPLAIN', async () => {
    await page.goto(`${base}/#/segments/${savedId}`);
    await page.getByRole('button', { name: 'SQL' }).click();
    const pretty = page.getByTestId('sql-pretty');
    await expect.poll(async () => (await pretty.textContent()) ?? '').toContain('FROM');
    const { conditions } = (await call(app, 'GET', `/v1/segments/${savedId}`)).body;
    const report = (await call(app, 'POST', '/v1/audience/sql', { conditions, kind: 'count' })).body;
    expect((await pretty.textContent())!.trim()).toBe(report.pretty.trim());
    await page.getByText('EXPLAIN').waitFor();
    await shot('sql-inspector');
  });

  it('duplicates a segment, then deletes the copy after a confirmation', async () => {
    await page.goto(`${base}/#/segments/${savedId}`);
    await expect.poll(previewCount).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Duplicate' }).click();
    await page.waitForURL((url) => !url.hash.endsWith(savedId) && /#\/segments\/[^/]+$/.test(url.hash));
    const copyId = decodeURIComponent(page.url().split('/').pop()!);
    expect((await call(app, 'GET', `/v1/segments/${copyId}`)).body.conditions).toEqual((await call(app, 'GET', `/v1/segments/${savedId}`)).body.conditions);

    await page.goto(`${base}/#/segments`);
    await expect.poll(() => page.locator('tr[data-segment]').count()).toBe(2);
    const row = page.locator(`tr[data-segment="${copyId}"]`);
    await row.hover();
    await row.getByRole('button', { name: /^Delete/ }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByText('No other segment uses it').waitFor();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.locator('tr[data-segment]').count()).toBe(1);
    expect((await call(app, 'GET', `/v1/segments/${copyId}`)).status).toBe(404);
  });

  it('asks before deleting a segment other segments use, and names them', async () => {
    const user = await call(app, 'POST', '/v1/segments', { name: 'Reachable pros', conditions: { op: 'and', conditions: [{ type: 'segment', segment: savedId, operator: 'in' }] } });
    expect(user.status).toBe(201);
    await page.goto(`${base}/#/segments`);
    await page.reload(); // the page was already on the list: load it again to see the segment made through the API
    await expect.poll(() => page.locator('tr[data-segment]').count()).toBe(2);
    const row = page.locator(`tr[data-segment="${savedId}"]`);
    await row.hover();
    await row.getByRole('button', { name: /^Delete/ }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByRole('link', { name: 'Reachable pros' }).waitFor();
    await shot('delete-confirmation');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByRole('alertdialog').count()).toBe(0);
    expect((await call(app, 'GET', `/v1/segments/${savedId}`)).status).toBe(200);
  });

  it('Users tab: filters with the builder, pages by cursor, sorts, and opens a user with their segments', async () => {
    await page.goto(`${base}/#/users`);
    await expect.poll(() => page.locator('tr[data-user]').count()).toBe(25);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.locator('tr[data-user]').count()).toBe(USERS.length - 25);
    await page.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(() => page.locator('tr[data-user]').first().getAttribute('data-user')).toBe('user-00');
    await page.getByRole('button', { name: /^Id/ }).click(); // id descending
    await expect.poll(() => page.locator('tr[data-user]').first().getAttribute('data-user')).toBe('user-31');

    await page.locator('.group.root > .group-footer summary').click();
    await page.getByRole('menuitem', { name: 'Rule' }).click(); // name is not empty
    await page.getByRole('button', { name: 'Apply' }).click();
    const named = await apiCount({ op: 'and', conditions: [attr('name')] });
    await expect.poll(() => page.locator('tr[data-user]').count()).toBe(named);
    await page.locator('tr[data-user="user-31"]').click();
    const panel = page.getByRole('dialog', { name: 'User user-31' });
    await panel.getByRole('link', { name: 'Reachable people' }).waitFor();
    await panel.getByText('login').waitFor();
    await shot('users');
  });

  it('Imports tab: uploads a CSV by email and creates a segment of exactly those users', async () => {
    await page.goto(`${base}/#/imports`);
    const csv = 'email,name,plan\np2@example.com,Two,pro\nnew@example.com,New,free\n,Nobody,free\n';
    await page.getByLabel('CSV file').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByLabel('email').check();
    await page.getByLabel('Create a segment of exactly these users').check();
    await page.getByLabel('Segment name').fill('CSV people');
    await page.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => page.getByTestId('import-added').textContent()).toBe('1');
    await expect.poll(() => page.getByTestId('import-updated').textContent()).toBe('1');
    await expect.poll(() => page.getByTestId('import-rejected').textContent()).toBe('1');
    await shot('imports');
    await page.getByRole('link', { name: 'Open the new segment →' }).click();
    await expect.poll(previewCount).toBe(2);
  });

  it('the builder works from the keyboard', async () => {
    await page.goto(`${base}/#/segments/new`);
    await expect.poll(previewCount).toBeGreaterThan(0);
    await page.locator('.group.root > .group-footer summary').focus();
    await page.keyboard.press('Enter'); // opens Add…
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter'); // Rule
    await expect.poll(() => rules().count()).toBe(1);
    await rules().first().getByLabel('Field').focus();
    await page.keyboard.press('Tab'); // Operator
    await page.keyboard.press('Tab'); // × (is not empty takes no value)
    await page.keyboard.press('Enter');
    await expect.poll(() => rules().count()).toBe(0);
  });

  it('sends exactly the SPEC conditions for events (measure, window, where), chips with commas and negative numbers', async () => {
    await page.goto(`${base}/#/segments/new`);
    await expect.poll(previewCount).toBe(await apiCount({ op: 'and', conditions: [] }));
    await add('.group.root', 'Rule');
    const event = rules().nth(0);
    await event.getByLabel('Category').selectOption({ label: 'Jimo API events' });
    await event.getByLabel('Event').selectOption('login');
    await event.getByLabel('Value', { exact: true }).fill('2');
    await event.getByLabel('Window', { exact: true }).selectOption('in_last');
    await event.getByRole('button', { name: '+ where…' }).click();
    await event.getByLabel('Property', { exact: true }).selectOption('device');
    await event.getByLabel('Filter Operator').selectOption('is');
    await event.getByLabel('Filter Value').fill('web');

    /** A new rule at the root: Custom Attributes › field › operator, returned for its value. */
    const customAttribute = async (field: string, operator: string) => {
      await add('.group.root', 'Rule');
      const rule = rules().last();
      await rule.getByLabel('Category').selectOption({ label: 'Custom Attributes' });
      await rule.getByLabel('Field').selectOption(field);
      await rule.getByLabel('Operator').selectOption(operator);
      return rule;
    };
    const city = await customAttribute('city', 'in');
    await city.getByLabel('Value').fill('Paris, France');
    await city.getByLabel('Value').press('Enter');
    const score = await customAttribute('score', 'lt');
    await score.getByLabel('Value').fill('-5');

    const expected = {
      op: 'and',
      conditions: [
        { type: 'event', source: 'api', event: 'login', operator: 'gte', value: 2, window: { in_last: { amount: 30, unit: 'days' } }, where: [{ property: 'device', operator: 'is', value: 'web' }] },
        { type: 'custom_attribute', key: 'city', operator: 'in', value: ['Paris, France'] },
        { type: 'custom_attribute', key: 'score', operator: 'lt', value: -5 },
      ],
    };
    const sent = page.waitForRequest((r) => r.url().endsWith('/v1/audience/count'));
    await apply();
    expect((await sent).postDataJSON().conditions).toEqual(expected);
    const count = await apiCount(expected);
    expect(count).toBe(USERS.filter((u, i) => i % 4 >= 2 && u.attributes.city === 'Paris, France' && u.attributes.score < -5).length);
    await expect.poll(previewCount).toBe(count);
  });

  it('deletes from the keyboard: Enter on the trash icon opens the confirmation, Escape closes it and gives focus back', async () => {
    await page.goto(`${base}/#/segments`);
    const trash = page.locator(`tr[data-segment="${savedId}"]`).getByRole('button', { name: /^Delete/ });
    await trash.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    expect(page.url()).toMatch(/#\/segments$/); // the row did not open
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toMatch(/^Delete/);
  });

  it('is readable on a 390 px phone', async () => {
    // The list as the session left it, at 1280 px, for the screenshots.
    await page.goto(`${base}/#/segments`);
    await page.reload();
    await expect.poll(() => page.locator('tr[data-segment]').count()).toBe(3);
    await shot('segments-list');
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.addInitScript((key) => localStorage.setItem('segments.apiKey', key), KEYS.alpha);
    await phone.goto(`${base}/#/segments`);
    await expect.poll(() => phone.locator('tr[data-segment]').count()).toBeGreaterThan(0);
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: join(SHOTS, 'segments-list-390.png'), fullPage: true });
    await phone.goto(`${base}/#/segments/${savedId}`);
    await expect.poll(() => phone.locator('.rule').count()).toBeGreaterThan(0);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: join(SHOTS, 'segment-builder-390.png'), fullPage: true });
    await phone.getByRole('button', { name: 'SQL' }).click();
    await expect.poll(async () => (await phone.getByTestId('sql-pretty').textContent()) ?? '').toContain('FROM');
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.goto(`${base}/#/users`);
    await expect.poll(() => phone.locator('tr[data-user]').count()).toBeGreaterThan(0);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.close();
  });
});
