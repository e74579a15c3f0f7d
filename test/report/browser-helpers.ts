/**
 * Shared by the browser tests: launching Debian's Chromium through playwright-core (never a
 * browser download), a page that records every error, dialog and non-file request, and pixel
 * checks that a canvas was actually drawn on.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// The page globals these helpers touch inside page.evaluate (tsconfig has no DOM lib).
export interface PageCanvas {
  id: string;
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}
export interface PageChart {
  getDatasetMeta(index: number): { data: { x: number; base: number; y: number }[] };
}
declare const window: {
  __reportReady?: boolean;
  __reportErrors?: string[];
  Chart: { instances: object; getChart(id: string): PageChart };
};
declare const document: {
  querySelectorAll(selector: 'canvas'): ArrayLike<PageCanvas>;
  querySelectorAll(selector: string): ArrayLike<unknown>;
  getElementById(id: string): { getBoundingClientRect(): { left: number; top: number } } | null;
};

export const REPORTS_DIR = fileURLToPath(new URL('../../reports/', import.meta.url));
export const skip = !existsSync(CHROMIUM) && process.env['CI'] === undefined;

export interface Watched {
  page: Page;
  errors: string[];
  requests: string[];
  dialogs: string[];
}

/** A fresh page that aborts and records every non-file request and records every error and dialog. */
export async function watchedPage(browser: Browser): Promise<Watched> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const watched: Watched = { page, errors: [], requests: [], dialogs: [] };
  page.on('pageerror', (error) => watched.errors.push(`pageerror: ${String(error)}`));
  page.on('console', (message) => {
    if (message.type() === 'error') watched.errors.push(`console: ${message.text()}`);
  });
  page.on('dialog', (dialog) => {
    watched.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    watched.requests.push(url);
    return route.abort();
  });
  return watched;
}

/** Opens a report and waits until it says it has drawn everything; returns the milliseconds that took. */
export async function open(watched: Watched, file: string): Promise<number> {
  const start = performance.now();
  await watched.page.goto(pathToFileURL(file).href);
  await watched.page.waitForFunction(() => window.__reportReady === true, null, {
    timeout: 50_000,
  });
  return performance.now() - start;
}

/** Each canvas on the page, and whether it has at least one pixel that is neither transparent nor white. */
export async function canvasInk(page: Page): Promise<{ id: string; inked: boolean; width: number }[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('canvas')).map((canvas) => {
      const ctx = canvas.getContext('2d');
      let inked = false;
      if (ctx !== null && canvas.width > 0 && canvas.height > 0) {
        const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < pixels.length; i += 4) {
          const alpha = pixels[i + 3] ?? 0;
          const white = (pixels[i] ?? 0) > 245 && (pixels[i + 1] ?? 0) > 245 && (pixels[i + 2] ?? 0) > 245;
          if (alpha > 0 && !white) {
            inked = true;
            break;
          }
        }
      }
      return { id: canvas.id, inked, width: canvas.width };
    }),
  );
}

export async function expectClean(watched: Watched): Promise<void> {
  expect(watched.errors).toEqual([]);
  expect(watched.requests).toEqual([]);
  expect(watched.dialogs).toEqual([]);
  const reportErrors = await watched.page.evaluate(() => window.__reportErrors ?? null);
  expect(reportErrors).toEqual([]);
}

