// @ts-check
/**
 * The browser code of the run report, inlined into every run page by client-script.ts. It reads
 * the JSON data block (`RunPayload`, built by run-payload.ts), draws the chart.js charts (lock
 * timeline, storage, clocks), the space-time diagram (plain canvas, virtually scrolled so long
 * runs stay cheap), and the paged, filterable trace table; every chart element links to its
 * trace row. When all drawing is done it sets `window.__reportReady = true` (the browser test
 * waits for it).
 *
 * It is plain ES2017 (a page must open in any current browser as it is, with no build step),
 * builds DOM only through textContent, and touches no network.
 *
 * The run page's script is three files that the inliner joins, in this order, inside one
 * function (so their top-level names stay private to the page): run.js (data, helpers, the trace
 * table, chart.js defaults), run-charts.js (lock timeline, storage, clocks) and
 * run-space-time.js (the space-time diagram, then the ready flag). tsc checks them together, as
 * scripts sharing one scope (tsconfig.client.json: checkJs with the DOM library); their types
 * are JSDoc comments on lines of their own, which the inliner leaves out of the page.
 */

/** @type {import('../payload.js').RunPayload} */
var D = JSON.parse($('#report-data').textContent || '');
var MODE = D.modeColors, MARK = D.markColors;
/** @type {string[]} */
var errors = [];
window.__reportErrors = errors;

/**
 * One element the page always has (html.ts writes every id this script looks up), typed as an
 * input: the script reads only members that inputs share with the other elements it looks up.
 * @param {string} sel
 * @returns {HTMLInputElement}
 */
function $(sel) {
  /** @type {HTMLInputElement | null} */
  var found = document.querySelector(sel);
  if (!found) throw new Error('the page has no ' + sel);
  return found;
}
/** A canvas the page has only when its section has data, else null. */
/** @param {string} id @returns {HTMLCanvasElement | null} */
function canvasById(id) { var c = document.getElementById(id); return c instanceof HTMLCanvasElement ? c : null; }
/** @param {HTMLCanvasElement} canvas @returns {CanvasRenderingContext2D} */
function context2d(canvas) {
  var c = canvas.getContext('2d');
  if (!c) throw new Error('canvas has no 2d context');
  return c;
}
/** @template {keyof HTMLElementTagNameMap} K @param {K} tag @param {string | null} [cls] @param {string | number | null} [text] @returns {HTMLElementTagNameMap[K]} */
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
/** @param {string} s */
function trim(s) { return s.indexOf('.') >= 0 ? s.replace(/0+$/, '').replace(/\.$/, '') : s; }
/** @param {number} ms */
function fmtMs(ms) {
  var a = Math.abs(ms);
  if (a >= 1000) return trim((ms / 1000).toFixed(3)) + ' s';
  return trim(ms.toFixed(3)) + ' ms';
}
/** @param {number} ms @param {number} span */
function fmtTick(ms, span) {
  if (span >= 5000) return trim((ms / 1000).toFixed(span >= 50000 ? 1 : 2)) + ' s';
  return trim(ms.toFixed(span >= 50 ? 1 : 3)) + ' ms';
}
/** @param {string | undefined} m */
function modeColor(m) { return (m !== undefined && MODE[m]) || '#777777'; }
/** @param {string} hex @returns {number[]} */
function hexRgb(hex) {
  var h = hex.replace('#', '');
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}
/** @param {string} hex @param {number} a */
function rgba(hex, a) { var c = hexRgb(hex); return 'rgba(' + c[0] + ',' + c[1] + ',' + c[2] + ',' + a + ')'; }
/** @param {string} hex */
function darker(hex) { var c = hexRgb(hex); return 'rgb(' + Math.round(c[0] * .6) + ',' + Math.round(c[1] * .6) + ',' + Math.round(c[2] * .6) + ')'; }
/** @param {string} hex */
function isLight(hex) { var c = hexRgb(hex); return (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) > 150; }
/** @param {string} name @param {() => void} fn */
function safely(name, fn) {
  try { fn(); } catch (e) { errors.push(name + ': ' + (e instanceof Error && e.stack ? e.stack : e)); console.error('report: ' + name + ' failed', e); }
}
/** @param {ArrayLike<number>} arr @param {number} v */
function lowerBound(arr, v) {
  var lo = 0, hi = arr.length;
  while (lo < hi) { var mid = (lo + hi) >>> 1; if (arr[mid] < v) lo = mid + 1; else hi = mid; }
  return lo;
}
/** @param {CanvasRenderingContext2D} ctx @param {string} text @param {number} x @param {number} y @param {string} fg @param {string} bg @param {'left' | 'right' | 'center'} align */
function labelBox(ctx, text, x, y, fg, bg, align) {
  var w = ctx.measureText(text).width;
  var x0 = align === 'right' ? x - w - 6 : (align === 'center' ? x - w / 2 - 3 : x);
  ctx.fillStyle = bg; ctx.fillRect(x0, y - 8, w + 6, 16);
  ctx.fillStyle = fg; ctx.textAlign = 'left'; ctx.textBaseline = 'middle'; ctx.fillText(text, x0 + 3, y);
}

// ------------------------------------------------------------------------------------------
// Trace table (first: every chart links into it).
var TR = D.trace, PAGE = 500, page = 0, filtered = null, hitSeq = -1;
var fNode = $('#f-node'), fRes = $('#f-res'), fAll = $('#f-all'), fText = $('#f-text');
var tbody = $('#trace-body'), pageInfo = $('#page-info');
var TYPE_KIND = {
  request: 'lock', complete: 'lock', bast: 'lock', lapse: 'lock', enqueue: 'lock', grant: 'lock', release: 'lock',
  expire: 'lock', 'hold-end': 'lock', dequeue: 'lock', 'lvb-write': 'lock', 'lvb-invalidate': 'lock', deadlock: 'bad',
  write: 'storage', reject: 'storage', read: 'storage', violation: 'bad',
  pause: 'fault', resume: 'fault', crash: 'fault', restart: 'fault', 'clock-jump': 'fault', 'clock-drift': 'fault',
  partition: 'fault', heal: 'fault', drop: 'fault', send: 'kernel', deliver: 'kernel', timer: 'kernel'
};
function fillSelect(sel, names) {
  for (var i = 0; i < names.length; i++) { var o = el('option', null, names[i]); o.value = String(i); sel.appendChild(o); }
}
function applyFilter() {
  var node = fNode.value === '' ? -1 : Number(fNode.value);
  var res = fRes.value === '' ? -1 : Number(fRes.value);
  var story = !fAll.checked, text = fText.value.trim().toLowerCase();
  var out = [];
  for (var i = 0; i < TR.seq.length; i++) {
    if (story && !TR.sig[i]) continue;
    if (res >= 0 && TR.r[i] !== res) continue;
    if (node >= 0 && TR.inv[i].indexOf(node) < 0) continue;
    if (text && TR.text[i].toLowerCase().indexOf(text) < 0 && TR.types[TR.ty[i]].indexOf(text) < 0) continue;
    out.push(i);
  }
  filtered = out;
}
function renderPage() {
  var pages = Math.max(1, Math.ceil(filtered.length / PAGE));
  if (page >= pages) page = pages - 1;
  if (page < 0) page = 0;
  var frag = document.createDocumentFragment();
  var end = Math.min(filtered.length, (page + 1) * PAGE);
  for (var k = page * PAGE; k < end; k++) {
    var i = filtered[k], type = TR.types[TR.ty[i]];
    var tr = el('tr');
    tr.id = 'seq-' + TR.seq[i];
    if (type === 'violation') tr.className = 'violation';
    else if (!TR.sig[i]) tr.className = 'routine';
    if (TR.seq[i] === hitSeq) tr.className += ' hit';
    tr.appendChild(el('td', 'num', TR.seq[i]));
    tr.appendChild(el('td', 't', fmtMs(TR.t[i])));
    tr.appendChild(el('td', 'node', TR.nodes[TR.n[i]]));
    var td = el('td'); td.appendChild(el('span', 'tag k-' + (TYPE_KIND[type] || 'kernel'), type)); tr.appendChild(td);
    tr.appendChild(el('td', null, TR.text[i]));
    frag.appendChild(tr);
  }
  tbody.textContent = '';
  tbody.appendChild(frag);
  pageInfo.textContent = filtered.length === 0 ? 'no events match' :
    'events ' + (page * PAGE + 1) + '–' + end + ' of ' + filtered.length + ' (page ' + (page + 1) + ' of ' + pages + ')';
  $('#pg-first').disabled = $('#pg-prev').disabled = page === 0;
  $('#pg-next').disabled = $('#pg-last').disabled = page >= pages - 1;
}
function refilter() { applyFilter(); page = 0; renderPage(); }
function indexOfSeq(seq) { var i = lowerBound(TR.seq, seq); return i < TR.seq.length && TR.seq[i] === seq ? i : -1; }
function jumpToSeq(seq) {
  var i = indexOfSeq(seq);
  if (i < 0) return;
  var k = filtered.indexOf(i);
  if (k < 0) {
    fNode.value = ''; fRes.value = ''; fAll.checked = true; fText.value = '';
    applyFilter(); k = filtered.indexOf(i);
  }
  hitSeq = seq;
  page = Math.floor(k / PAGE);
  renderPage();
  var row = document.getElementById('seq-' + seq);
  if (row) row.scrollIntoView({ block: 'center' });
}
window.lockstepJump = jumpToSeq;
safely('trace', function () {
  fillSelect(fNode, TR.nodes); fillSelect(fRes, TR.resources);
  fNode.addEventListener('change', refilter); fRes.addEventListener('change', refilter);
  fAll.addEventListener('change', refilter);
  var typing = 0;
  fText.addEventListener('input', function () { typing++; var mine = typing; requestAnimationFrame(function () { if (mine === typing) refilter(); }); });
  $('#pg-first').addEventListener('click', function () { page = 0; renderPage(); });
  $('#pg-prev').addEventListener('click', function () { page--; renderPage(); });
  $('#pg-next').addEventListener('click', function () { page++; renderPage(); });
  $('#pg-last').addEventListener('click', function () { page = 1e9; renderPage(); });
  $('#pg-seq').addEventListener('change', function () { var v = Number($('#pg-seq').value); if (isFinite(v)) jumpToSeq(v); });
  applyFilter(); renderPage();
  var links = document.querySelectorAll('[data-seq]');
  for (var i = 0; i < links.length; i++) {
    links[i].addEventListener('click', onLinkClick);
  }
  /** @this {Element} @param {Event} ev */
  function onLinkClick(ev) { ev.preventDefault(); jumpToSeq(Number(this.getAttribute('data-seq'))); }
});

// ------------------------------------------------------------------------------------------
// chart.js defaults and shared pieces.
var C = window.Chart;
var FAMILY = 'system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial, sans-serif';
C.defaults.animation = false;
C.defaults.font.family = FAMILY;
C.defaults.font.size = 12;
C.defaults.color = '#3b434b';
C.defaults.borderColor = '#e3e7eb';
var END = D.endMs;
function timeAxis(title) {
  return { type: 'linear', min: 0, max: END, title: { display: true, text: title },
    ticks: { maxRotation: 0, minRotation: 0, includeBounds: false,
      callback: tickLabel } };
}
/** A time tick, as precise as the span in view needs. @this {{ min: number, max: number }} @param {number | string} v */
function tickLabel(v) { return fmtTick(Number(v), this.max - this.min); }
/** The label lines reserved above a chart's plot area (placeTopLabels never uses more). */
var TOP_LABEL_LINES = 3;
function topPadding(count) { return 6 + Math.min(TOP_LABEL_LINES, count) * 21; }
// Labels above the plot area, stacked on the lines topPadding reserved so they never overlap
// each other nor leave the canvas; with every line taken, a label goes where its line ends
// earliest, shifted right as far as the canvas allows.
function placeTopLabels(chart, items) {
  var ctx = chart.ctx, area = chart.chartArea, lineEnds = [], placed = [];
  var lines = Math.max(1, Math.min(TOP_LABEL_LINES, items.length, Math.floor((area.top - 4) / 21)));
  ctx.save();
  ctx.font = '600 11.5px ' + FAMILY;
  items.sort(function (a, b) { return a.x - b.x; });
  for (var i = 0; i < items.length; i++) {
    var it = items[i], w = ctx.measureText(it.text).width + 8;
    var x0 = it.anchor === 'start' ? it.x : it.x - w / 2;
    if (x0 + w > chart.width - 2) x0 = chart.width - 2 - w;
    if (x0 < 2) x0 = 2;
    var line = 0;
    while (line < lineEnds.length && lineEnds[line] + 6 > x0) line++;
    if (line >= lines) {
      line = 0;
      for (var l = 1; l < lines; l++) if (lineEnds[l] < lineEnds[line]) line = l;
      x0 = Math.max(2, Math.min(lineEnds[line] + 6, chart.width - 2 - w));
    }
    lineEnds[line] = x0 + w;
    var y = area.top - 13 - line * 21;
    ctx.fillStyle = it.bg; ctx.fillRect(x0, y - 9, w, 18);
    ctx.fillStyle = '#ffffff'; ctx.textAlign = 'left'; ctx.textBaseline = 'middle'; ctx.fillText(it.text, x0 + 4, y);
    placed.push({ item: it, y: y + 9 });
  }
  ctx.restore();
  return placed;
}
var markers = {
  id: 'markers',
  afterDatasetsDraw: function (chart, args, opts) {
    var x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx, items = [];
    for (var i = 0; i < D.violations.length; i++) {
      var v = D.violations[i], px = x.getPixelForValue(v.t);
      if (px < area.left - 1 || px > area.right + 1) continue;
      items.push({ x: px, text: '\u2717 ' + v.inv + ' @ ' + fmtMs(v.t), bg: MARK.violation, line: true });
    }
    if (opts && opts.extra) items = items.concat(opts.extra(chart));
    var placed = placeTopLabels(chart, items);
    ctx.save();
    for (var k = 0; k < placed.length; k++) {
      var p = placed[k];
      ctx.strokeStyle = p.item.bg; ctx.lineWidth = p.item.line ? 2 : 1.2; ctx.setLineDash(p.item.line ? [5, 4] : []);
      ctx.beginPath(); ctx.moveTo(p.item.x, p.y); ctx.lineTo(p.item.x, p.item.line ? area.bottom : area.top); ctx.stroke();
    }
    ctx.restore();
  }
};
function seqOf(chart, elements) {
  if (!elements || !elements.length) return -1;
  var e = elements[0], ds = chart.data.datasets[e.datasetIndex];
  var raw = ds && ds.data ? ds.data[e.index] : null;
  if (raw && raw.bar) return raw.bar.s;
  return raw && typeof raw.s === 'number' ? raw.s : -1;
}
function onChartClick(evt, elements, chart) { var s = seqOf(chart, elements); if (s >= 0) jumpToSeq(s); }
/** @param {string} color @param {boolean} light */
function hatch(color, light) {
  var c = document.createElement('canvas'); c.width = 10; c.height = 10;
  var x = context2d(c);
  x.fillStyle = rgba(color, light ? 0.16 : 0.28); x.fillRect(0, 0, 10, 10);
  x.strokeStyle = color; x.lineWidth = light ? 1.2 : 2.2;
  x.beginPath(); x.moveTo(-2, 12); x.lineTo(12, -2); x.moveTo(-2, 2); x.lineTo(2, -2); x.moveTo(8, 12); x.lineTo(12, 8); x.stroke();
  return pattern(x, c);
}
/** @param {CanvasRenderingContext2D} ctx @param {HTMLCanvasElement} tile */
function pattern(ctx, tile) {
  var p = ctx.createPattern(tile, 'repeat');
  if (!p) throw new Error('canvas pattern unavailable');
  return p;
}
/** @param {string} color */
function dots(color) {
  var c = document.createElement('canvas'); c.width = 6; c.height = 6;
  var x = context2d(c);
  x.fillStyle = 'rgba(255,255,255,0.92)'; x.fillRect(0, 0, 6, 6);
  x.fillStyle = color; x.beginPath(); x.arc(3, 3, 1.3, 0, Math.PI * 2); x.fill();
  return pattern(x, c);
}

