// @ts-check
/**
 * The browser code of the suite page, inlined by client-script.ts: one chart.js chart of finds
 * per invariant (the scenario's expected violation vs any other), then
 * `window.__reportReady = true`. Plain ES2017, no network. tsc checks it (tsconfig.client.json);
 * its JSDoc comments sit on lines of their own, which the inliner leaves out of the page.
 */

var dataBlock = document.getElementById('report-data');
if (!dataBlock) throw new Error('the page has no data block');
/** @type {import('../payload.js').SuitePayload} */
var D = JSON.parse(dataBlock.textContent || '');
/** @type {string[]} */
var errors = [];
window.__reportErrors = errors;
try {
  var C = window.Chart;
  C.defaults.animation = false;
  C.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial, sans-serif';
  C.defaults.font.size = 12;
  C.defaults.color = '#3b434b';
  C.defaults.borderColor = '#e3e7eb';
  var totals = {
    id: 'totals',
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx, x = chart.scales.x, y = chart.scales.y;
      ctx.save(); ctx.font = '600 12px ' + C.defaults.font.family; ctx.fillStyle = '#1f2328';
      ctx.textAlign = 'left'; ctx.textBaseline = 'middle';
      for (var i = 0; i < D.invariants.length; i++) {
        var total = (D.expected[i] || 0) + (D.unexpected[i] || 0);
        if (total > 0) ctx.fillText(String(total), x.getPixelForValue(total) + 6, y.getPixelForValue(i));
      }
      ctx.restore();
    }
  };
  var canvas = document.getElementById('chart-finds');
  if (!(canvas instanceof HTMLCanvasElement)) throw new Error('the page has no finds chart');
  new C(canvas, {
    type: 'bar',
    data: { labels: D.invariants, datasets: [
      { label: 'the scenario\u2019s expected violation (a lesson shown)', data: D.expected, backgroundColor: '#0072B2', borderColor: '#004a75', borderWidth: 1 },
      { label: 'any other violation (a regression or a surprise)', data: D.unexpected, backgroundColor: '#D55E00', borderColor: '#7a3300', borderWidth: 1 }
    ] },
    options: {
      indexAxis: 'y', responsive: true, maintainAspectRatio: false, animation: false,
      scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'failing seeds (finds)' } },
        y: { stacked: true, ticks: { font: { weight: 600 } } } },
      layout: { padding: { right: 28 } },
      plugins: { legend: { position: 'top', align: 'start' } }
    },
    plugins: [totals]
  });
} catch (e) {
  errors.push(String(e instanceof Error && e.stack ? e.stack : e));
  console.error('report: finds chart failed', e);
}
requestAnimationFrame(function () { requestAnimationFrame(function () { window.__reportReady = true; }); });
