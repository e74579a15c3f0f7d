/**
 * The chart.js UMD build, read from node_modules so reports can inline it and open from disk
 * with no network. chart.js's `exports` map does not expose `dist/chart.umd.min.js`, so the
 * package's main entry is resolved and its sibling read (ts-ecosystem §3.1). The banner
 * comments keep their copyright and licence lines; their URLs are removed, because a report
 * contains no external URL at all.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Thrown when the inlinable chart.js build cannot be found or is unsafe to inline. */
export class ChartJsAssetError extends Error {
  override readonly name = 'ChartJsAssetError';
}

let cached: string | undefined;

/** The source of chart.js's UMD build, ready to sit inside a `<script>` element. Read once per process. */
export function chartJsSource(): string {
  if (cached !== undefined) return cached;
  let main: string;
  try {
    main = createRequire(import.meta.url).resolve('chart.js');
  } catch (error) {
    throw new ChartJsAssetError(`cannot resolve chart.js from ${import.meta.url}: ${String(error)}`);
  }
  const file = join(dirname(main), 'chart.umd.min.js');
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ChartJsAssetError(`cannot read ${file}: ${String(error)}`);
  }
  const cleaned = source.replace(/\/\*![\s\S]*?\*\//g, (banner) => banner.replace(/https?:\/\/\S+/g, ''));
  if (/<\/script|<!--/i.test(cleaned)) {
    throw new ChartJsAssetError(`${file} contains a sequence that would end an inline <script>`);
  }
  if (/https?:\/\//.test(cleaned)) {
    throw new ChartJsAssetError(`${file} still contains a URL after its banners were cleaned`);
  }
  cached = cleaned;
  return cleaned;
}
