/**
 * The suite page: every scenario of a sweep with its verdict and finds, and a chart of finds per
 * invariant. Self-contained like the run page (page.ts); rendering is a pure function of its
 * input.
 */

import { clientScript } from './client-script.js';
import { safeRelativeHref } from './escape.js';
import type { SuiteReportInput } from './model.js';
import { INVARIANT_NAMES } from './model.js';
import { formatMs } from '../sim/index.js';
import { chip, h, page } from './page.js';
import type { SuitePayload } from './payload.js';

/** Failing seeds listed openly per suite row; the rest fold into a details element. */
const FINDS_SHOWN = 5;

/** The suite page: every scenario of a sweep with its verdict and finds, and a chart of finds per invariant. */
export function renderSuiteReport(input: SuiteReportInput): string {
  const expected = INVARIANT_NAMES.map(() => 0);
  const unexpected = INVARIANT_NAMES.map(() => 0);
  let finds = 0;
  let seeds = 0;
  let wallMs = 0;
  let met = 0;
  for (const row of input.scenarios) {
    seeds += row.scenario.seedsRun;
    wallMs += row.wallMs;
    if (row.scenario.met) met += 1;
    const expect = row.scenario.expect;
    for (const failure of row.scenario.failures) {
      finds += 1;
      const index = (INVARIANT_NAMES as readonly string[]).indexOf(failure.invariant);
      if (index < 0) continue;
      if (expect !== 'pass' && expect.violation === failure.invariant) expected[index] = (expected[index] ?? 0) + 1;
      else unexpected[index] = (unexpected[index] ?? 0) + 1;
    }
  }
  const unmet = input.scenarios.length - met;

  const rows = input.scenarios
    .map((row) => {
      const s = row.scenario;
      const expectText = s.expect === 'pass' ? 'pass' : `violation: ${s.expect.violation}`;
      const findItem = (failure: (typeof s.failures)[number]): string => {
        const href = row.reportLinks[String(failure.seed)];
        const what = `${failure.invariant} @ ${formatMs(failure.atMs)}`;
        const seedText = href !== undefined ? `<a href="${safeRelativeHref(href)}">seed ${failure.seed}</a>` : `seed ${failure.seed}`;
        return `<li>${seedText} · ${h(what)}<br><code>${h(failure.replay)}</code></li>`;
      };
      let findsCell = '<span class="empty">—</span>';
      if (s.failures.length > 0) {
        const shown = s.failures.slice(0, FINDS_SHOWN).map(findItem).join('');
        const rest = s.failures.slice(FINDS_SHOWN);
        findsCell = `<ul class="finds">${shown}</ul>`;
        if (rest.length > 0) findsCell += `<details><summary>${rest.length} more</summary><ul class="finds">${rest.map(findItem).join('')}</ul></details>`;
      }
      const verdict = s.met ? '<span class="verdict-met">✓ met</span>' : '<span class="verdict-unmet">✗ not met</span>';
      return `<tr>
  <td><strong>${h(s.scenario)}</strong><span class="title">${h(row.title)}</span><span class="title mono">${h(s.file)}</span></td>
  <td>${h(row.protocol)}</td>
  <td>${h(expectText)}</td>
  <td class="num">${s.seedsRun}</td>
  <td>${verdict}</td>
  <td class="num" style="text-align:left">${s.failures.length > 0 ? `<strong>${s.failures.length}</strong>` : ''}${findsCell}</td>
  <td class="num">${h(formatMs(row.wallMs))}</td>
</tr>`;
    })
    .join('\n');

  const body = `
<header class="top"><div class="wrap">
  <div class="brand">lockstep · suite</div>
  <h1>Scenario suite</h1>
  <div class="meta">
    ${chip('scenarios', String(input.scenarios.length))}
    ${chip('met', String(met), 'good')}
    ${chip('not met', String(unmet), unmet > 0 ? 'bad' : '')}
    ${chip('seeds run', String(seeds))}
    ${chip('finds', String(finds))}
    ${chip('time', h(formatMs(wallMs)))}
  </div>
  <div class="replay"><span class="label">Command</span><code>${h(input.generatedBy)}</code></div>
</div></header>
<main class="wrap">
<section class="card" id="finds">
  <h2>Finds per invariant</h2>
  <p class="hint">Failing seeds across the suite, by the invariant they violated. Blue finds are lessons working as intended (a broken scenario failing as it should); orange ones are violations no scenario asked for.</p>
  <div class="chart" style="height:${INVARIANT_NAMES.length * 30 + 80}px"><canvas id="chart-finds" role="img" aria-label="finds per invariant"></canvas></div>
</section>
<section class="card" id="scenarios">
  <h2>Scenarios</h2>
  <table class="suite"><thead><tr><th>scenario</th><th>protocol</th><th>expectation</th><th class="num">seeds</th><th>verdict</th><th>finds</th><th class="num">time</th></tr></thead>
  <tbody>
${rows}
  </tbody></table>
</section>
<footer>lockstep suite report · ${input.scenarios.length} scenarios · ${seeds} seeds</footer>
</main>`;

  const data: SuitePayload = { invariants: INVARIANT_NAMES, expected, unexpected };
  return page('lockstep · scenario suite', body, data, clientScript('suite'));
}

