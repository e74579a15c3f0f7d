/**
 * The frame every report page shares: the self-contained HTML document (chart.js, the data block
 * and the browser script inlined; a Content-Security-Policy that forbids every fetch) and the
 * small HTML pieces both pages use. Every user string goes through escape.ts.
 */

import { chartJsSource } from './chartjs.js';
import { escapeHtml, jsonForScript } from './escape.js';
import { REPORT_CSS } from './style.js';

const CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** A whole page: `body` (already escaped HTML), `data` as the JSON data block, and the page's browser script. */
export function page(title: string, body: string, data: unknown, clientJs: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="generator" content="lockstep">',
    `<title>${escapeHtml(title)}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    body,
    `<script type="application/json" id="report-data">${jsonForScript(data)}</script>`,
    `<script>${chartJsSource()}</script>`,
    `<script>${clientJs}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Escapes text for HTML (escape.ts `escapeHtml`). */
export const h = escapeHtml;

/** A labelled chip of the page header; `value` is HTML. */
export function chip(key: string, value: string, cls = ''): string {
  return `<span class="chip${cls !== '' ? ` ${cls}` : ''}"><span class="k">${h(key)}</span>${value}</span>`;
}


/** Text that opens the trace row of event `seq` when clicked (plain text without a seq). */
export function seqLink(seq: number | undefined, text: string): string {
  if (seq === undefined) return h(text);
  return `<a href="#trace" data-seq="${seq}">${h(text)}</a>`;
}
