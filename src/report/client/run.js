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
 * builds DOM only through textContent, and touches no network. tsc checks it
 * (tsconfig.client.json: checkJs with the DOM library); its types are JSDoc comments on lines of their
 * own, which the inliner leaves out of the page.
 */

(function () {
  'use strict';
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
    if (span >= 5000) return trim((ms / 1000).toFixed(2)) + ' s';
    return trim(ms.toFixed(1)) + ' ms';
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
  var fNode = $('#f-node'), fRes = $('#f-res'), fStory = $('#f-story'), fText = $('#f-text');
  var tbody = $('#trace-body'), pageInfo = $('#page-info');
  var TYPE_KIND = {
    request: 'lock', complete: 'lock', bast: 'lock', lapse: 'lock', enqueue: 'lock', grant: 'lock', release: 'lock',
    expire: 'lock', dequeue: 'lock', 'lvb-write': 'lock', 'lvb-invalidate': 'lock', deadlock: 'bad',
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
    var story = fStory.checked, text = fText.value.trim().toLowerCase();
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
      fNode.value = ''; fRes.value = ''; fStory.checked = false; fText.value = '';
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
    fStory.addEventListener('change', refilter);
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
      ticks: { maxRotation: 0, minRotation: 0, includeBounds: false, callback: function (v) { return fmtTick(Number(v), END); } } };
  }
  function topPadding(count) { return 6 + Math.min(2, count) * 21; }
  // Labels above the plot area, stacked on up to a few lines so they never overlap each other.
  function placeTopLabels(chart, items) {
    var ctx = chart.ctx, area = chart.chartArea, lineEnds = [], placed = [];
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

  // ------------------------------------------------------------------------------------------
  // Lock timeline: what the service granted beside what the client believed.
  safely('timeline', function () {
    var T = D.timeline, canvas = canvasById('chart-timeline');
    if (!canvas) return;
    var labels = T.rows, cache = {};
    function memo(kind, m, make) { var k = kind + m; if (!cache[k]) cache[k] = make(); return cache[k]; }
    function points(list) { return list.map(function (b) { return { x: [b.a, b.b], y: labels[b.r], bar: b }; }); }
    var sets = [];
    var common = { borderSkipped: false, barPercentage: 0.94, categoryPercentage: 0.86 };
    function add(kind, label, list, fill, border, width) {
      var data = points(list);
      sets.push(Object.assign({ kind: kind, label: label, data: data, list: list,
        backgroundColor: data.map(function (d) { return fill(d.bar); }),
        borderColor: data.map(function (d) { return border(d.bar); }), borderWidth: width }, common));
    }
    add('granted', 'service granted', T.grants, function (b) { return modeColor(b.m); }, function (b) { return darker(modeColor(b.m)); }, 1);
    add('believed', 'client believed', T.beliefs, function (b) { return memo('h', b.m, function () { return hatch(modeColor(b.m), false); }); },
      function (b) { return darker(modeColor(b.m)); }, 1.5);
    if (T.queued.length) add('queued', 'queued at the service', T.queued, function (b) { return memo('d', b.m, function () { return dots(modeColor(b.m)); }); },
      function (b) { return modeColor(b.m); }, 1.5);
    if (T.pauses.length) add('paused', 'client paused / crashed', T.pauses.map(function (p) { return { r: p.r, a: p.a, b: p.b, m: '', k: p.k, label: p.label, s: p.s, e: p.k }; }),
      function (b) { return memo('p', b.k, function () { return hatch(b.k === 'crash' ? MARK.crash : MARK.pause, true); }); },
      function (b) { return b.k === 'crash' ? MARK.crash : '#8a8f98'; }, 1);
    var textFor = {
      granted: function (b) { return b.m + (b.tk !== null && b.tk !== undefined ? '  #' + b.tk : ''); },
      believed: function (b) { return 'believes ' + b.m + (b.tk !== null && b.tk !== undefined ? '  #' + b.tk : ''); },
      queued: function (b) { return 'waits for ' + b.m + (b.e === 'dequeue' ? ' (refused)' : ''); },
      paused: function (b) { return b.label; }
    };
    var overlays = {
      id: 'lockOverlays',
      beforeDatasetsDraw: function (chart) {
        var x = chart.scales.x, y = chart.scales.y, area = chart.chartArea, ctx = chart.ctx;
        var band = (y.bottom - y.top) / labels.length;
        ctx.save();
        ctx.beginPath(); ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top); ctx.clip();
        for (var j = 0; j < T.overlaps.length; j++) {
          var o = T.overlaps[j], rows = [];
          for (var rr = 0; rr < labels.length; rr++) if (T.rowResource[rr] === o.res) rows.push(rr);
          if (!rows.length) continue;
          var top = y.getPixelForValue(rows[0]) - band / 2, bottom = y.getPixelForValue(rows[rows.length - 1]) + band / 2;
          var ox0 = x.getPixelForValue(o.a), ox1 = x.getPixelForValue(o.b);
          ctx.fillStyle = rgba(MARK.overlap, 0.16); ctx.fillRect(ox0, top, ox1 - ox0, bottom - top);
          ctx.strokeStyle = MARK.overlap; ctx.lineWidth = 1.5; ctx.strokeRect(ox0, top + 1, ox1 - ox0, bottom - top - 2);
        }
        ctx.restore();
      },
      afterDatasetsDraw: function (chart) {
        var ctx = chart.ctx, area = chart.chartArea;
        ctx.save();
        ctx.font = '600 11px ' + FAMILY;
        ctx.textBaseline = 'middle';
        for (var d = 0; d < sets.length; d++) {
          var meta = chart.getDatasetMeta(d), set = sets[d];
          for (var i = 0; i < meta.data.length; i++) {
            var e = meta.data[i], b = set.list[i], left = Math.max(Math.min(e.x, e.base), area.left), right = Math.max(e.x, e.base);
            var text = textFor[set.kind](b), w = ctx.measureText(text).width;
            if (right - left >= w + 10) {
              if (set.kind === 'granted') {
                ctx.fillStyle = isLight(modeColor(b.m)) ? '#1f2328' : '#ffffff'; ctx.textAlign = 'left'; ctx.fillText(text, left + 5, e.y);
              } else {
                labelBox(ctx, text, left + 5, e.y, '#1f2328', 'rgba(255,255,255,.9)', 'left');
              }
            }
            if (set.kind === 'granted' && b.e === 'expire') {
              var tag = '\u2190 lease expired', tw = ctx.measureText(tag).width;
              if (right + tw + 8 < area.right) { ctx.fillStyle = '#8a2f00'; ctx.textAlign = 'left'; ctx.fillText(tag, right + 5, e.y); }
            }
          }
        }
        ctx.restore();
      }
    };
    function overlapLabels(chart) {
      var x = chart.scales.x;
      return T.overlaps.map(function (o) {
        return { x: x.getPixelForValue(o.a), anchor: 'start', bg: MARK.overlap,
          text: 'belief overlap on ' + o.res + ': ' + fmtMs(o.b - o.a) + ' (' + o.nodes.join(', ') + ')' };
      });
    }
    new C(canvas, {
      type: 'bar',
      data: { labels: labels, datasets: sets },
      options: {
        indexAxis: 'y', responsive: true, maintainAspectRatio: false, animation: false,
        layout: { padding: { top: topPadding(D.violations.length + T.overlaps.length), right: 8 } },
        scales: { x: timeAxis('true time'), y: { type: 'category', ticks: { font: { weight: 600, size: 12 } }, grid: { offset: true } } },
        plugins: {
          legend: { display: false }, decimation: { enabled: false }, markers: { extra: overlapLabels },
          tooltip: { callbacks: {
            title: function (items) { return items.length ? items[0].label : ''; },
            label: function (item) {
              var b = item.raw.bar, set = sets[item.datasetIndex];
              if (set.kind === 'paused') return b.label + ': ' + fmtMs(b.a) + ' \u2192 ' + fmtMs(b.b);
              return set.label + ' ' + b.m + (b.tk !== undefined && b.tk !== null ? ' #' + b.tk : '') + ': ' + fmtMs(b.a) + ' \u2192 ' + fmtMs(b.b) + ' (' + b.e + ')';
            } } }
        },
        onClick: onChartClick
      },
      plugins: [overlays, markers]
    });
  });

  // ------------------------------------------------------------------------------------------
  // Storage: accepted and rejected writes with their tokens, and the highest token accepted so far.
  safely('storage', function () {
    var canvas = canvasById('chart-storage');
    if (!canvas) return;
    var P = D.storage.points, acc = [], rej = [], bad = [], high = [], best = -Infinity;
    for (var i = 0; i < P.length; i++) {
      var p = P[i], pt = { x: p.x, y: p.y, s: p.s, p: p };
      if (p.bad) bad.push(pt); else if (p.ok) acc.push(pt); else rej.push(pt);
      if (p.ok && p.tk !== null && p.tk > best) { best = p.tk; high.push({ x: p.x, y: best, s: p.s }); }
    }
    if (high.length) high.push({ x: END, y: best, s: high[high.length - 1].s });
    var labelled = P.length <= 60;
    var pointLabels = {
      id: 'pointLabels',
      afterDatasetsDraw: function (chart) {
        if (!labelled) return;
        var ctx = chart.ctx, area = chart.chartArea;
        ctx.save(); ctx.font = '600 11px ' + FAMILY; ctx.textBaseline = 'middle';
        for (var d = 0; d < 3; d++) {
          var meta = chart.getDatasetMeta(d), list = chart.data.datasets[d].data;
          for (var k = 0; k < meta.data.length; k++) {
            var e = meta.data[k], q = list[k].p, text = q.c + (q.tk !== null ? ' #' + q.tk : '') + (q.ok ? '' : ' rejected');
            var w = ctx.measureText(text).width, right = e.x + 12 + w < area.right;
            labelBox(ctx, text, right ? e.x + 11 : e.x - 11, e.y, '#1f2328', 'rgba(255,255,255,.85)', right ? 'left' : 'right');
          }
        }
        ctx.restore();
      }
    };
    new C(canvas, {
      type: 'line',
      data: { datasets: [
        { label: 'write that violated an invariant', data: bad, showLine: false, pointStyle: 'triangle', pointRadius: 9, pointHoverRadius: 11,
          backgroundColor: MARK.violation, borderColor: '#5a1e00', borderWidth: 1.5 },
        { label: 'rejected (stale token)', data: rej, showLine: false, pointStyle: 'crossRot', pointRadius: 7, pointHoverRadius: 9,
          borderColor: MARK.rejected, backgroundColor: MARK.rejected, borderWidth: 2.5 },
        { label: 'accepted', data: acc, showLine: false, pointStyle: 'circle', pointRadius: 5, pointHoverRadius: 7,
          backgroundColor: MARK.accepted, borderColor: '#00583f', borderWidth: 1 },
        { label: 'highest token accepted so far', data: high, stepped: 'before', pointRadius: 0, pointStyle: 'line', borderWidth: 1.5,
          borderColor: '#8c959f', borderDash: [4, 3], backgroundColor: '#8c959f' }
      ] },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, parsing: false,
        layout: { padding: { top: topPadding(D.violations.length), right: 8 } },
        scales: { x: timeAxis('true time'), y: { type: 'linear', grace: '15%', title: { display: true, text: D.storage.hasTokens ? 'fencing token' : 'writes (no fencing tokens)' },
          ticks: { precision: 0, display: D.storage.hasTokens } } },
        interaction: { mode: 'nearest', intersect: false },
        plugins: {
          decimation: { enabled: true, algorithm: 'min-max' },
          legend: { position: 'bottom', align: 'start', labels: { usePointStyle: true, boxWidth: 10, boxHeight: 10 } },
          tooltip: { filter: function (item) { return item.datasetIndex < 3; }, callbacks: { label: function (item) {
            var p = item.raw.p;
            return p.c + (p.ok ? ' write accepted' : ' write rejected') + ' on ' + p.r + (p.tk !== null ? ', token ' + p.tk : ', no token') +
              (p.hi !== null ? ' (highest ' + p.hi + ')' : '') + ' @ ' + fmtMs(p.x);
          } } }
        },
        onClick: onChartClick
      },
      plugins: [pointLabels, markers]
    });
  });

  // ------------------------------------------------------------------------------------------
  // Clocks: local wall clock minus true time, per node.
  safely('clocks', function () {
    var canvas = canvasById('chart-clocks');
    if (!canvas) return;
    var palette = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#000000', '#8c959f', '#b8860b'];
    var sets = [];
    var jumps = D.clocks.jumps.map(function (j) { return { x: j.t, y: j.y, s: j.s, j: j }; });
    if (jumps.length) sets.push({ label: 'clock jump', data: jumps, showLine: false, pointStyle: 'rectRot', pointRadius: 7,
      backgroundColor: MARK.violation, borderColor: '#5a1e00', borderWidth: 1 });
    D.clocks.series.forEach(function (s, i) {
      var data = new Array(s.t.length);
      for (var k = 0; k < s.t.length; k++) data[k] = { x: s.t[k], y: s.o[k], s: s.s[k] };
      sets.push({ label: s.node, data: data, borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length],
        borderWidth: 1.8, pointRadius: 0, pointHoverRadius: 3, spanGaps: true,
        borderDash: i >= palette.length ? [6, 3] : [] });
    });
    new C(canvas, {
      type: 'line',
      data: { datasets: sets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, parsing: false,
        layout: { padding: { top: topPadding(D.violations.length), right: 8 } },
        scales: { x: timeAxis('true time'), y: { type: 'linear', grace: '8%', title: { display: true, text: 'local clock \u2212 true time (ms)' } } },
        interaction: { mode: 'nearest', intersect: false },
        plugins: {
          decimation: { enabled: true, algorithm: 'min-max' },
          legend: { position: 'bottom', align: 'start', labels: { boxWidth: 18, boxHeight: 3 } },
          tooltip: { callbacks: { label: function (item) {
            if (item.raw.j) return item.raw.j.node + ' clock jumps ' + (item.raw.j.by >= 0 ? '+' : '') + fmtMs(item.raw.j.by) + ' @ ' + fmtMs(item.raw.x);
            return item.dataset.label + ': ' + (item.raw.y >= 0 ? '+' : '') + fmtMs(item.raw.y) + ' @ ' + fmtMs(item.raw.x);
          } } }
        },
        onClick: onChartClick
      },
      plugins: [markers]
    });
  });

  // ------------------------------------------------------------------------------------------
  // Space-time diagram: lanes per node, message arrows, fault intervals; canvas, virtually scrolled.
  safely('spacetime', function () {
    var canvas = canvasById('st-canvas');
    if (canvas) spaceTime(canvas);
  });
  /** @param {HTMLCanvasElement} canvas */
  function spaceTime(canvas) {
    var S = D.st, nodes = D.nodes, N = nodes.length, M = S.from.length;
    var scroll = $('#st-scroll'), spacer = $('#st-spacer'), tip = $('#tip'), zoomLabel = $('#st-zoom-label');
    var GUTTER = 92, AXIS = 34, LANE = 38, PAD_L = 18, PAD_R = 24, CAP = 64;
    var H = AXIS + N * LANE + 8;
    var ZOOMS = [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128];
    var zi = ZOOMS.indexOf(S.defaultPxPerMs); if (zi < 0) zi = 9;
    var compress = true;
    var ctx = context2d(canvas);
    var times = [0, END];
    for (var i = 0; i < M; i++) { times.push(S.sm[i]); var arrival = S.em[i]; if (arrival !== null) times.push(arrival); }
    S.spans.forEach(function (s) { times.push(s.a, s.b); });
    S.marks.forEach(function (m) { times.push(m.t); });
    times.sort(function (a, b) { return a - b; });
    var uniq = []; for (var u = 0; u < times.length; u++) if (u === 0 || times[u] !== times[u - 1]) uniq.push(times[u]);
    var xs = null, xe = null, markX = null;
    /** The time axis: segments [t0, t1] drawn from x0 on at ppm px/ms, compressed gaps between them. buildAxis sets it before any use. */
    /** @type {{ t0: number[], t1: number[], x0: number[], ppm: number, width: number }} */
    var ax = { t0: [], t1: [], x0: [], ppm: 1, width: 0 };
    function buildAxis() {
      var ppm = ZOOMS[zi];
      var t0 = [uniq[0]], t1 = [], x0 = [PAD_L], x = PAD_L;
      for (var k = 1; k < uniq.length; k++) {
        var dt = uniq[k] - uniq[k - 1];
        if (compress && dt * ppm > 3 * CAP) { t1.push(uniq[k - 1]); x += CAP; t0.push(uniq[k]); x0.push(x); }
        else x += dt * ppm;
      }
      t1.push(uniq[uniq.length - 1]);
      ax = { t0: t0, t1: t1, x0: x0, ppm: ppm, width: x };
      xs = new Float64Array(M); xe = new Float64Array(M);
      for (var m = 0; m < M; m++) { xs[m] = X(S.sm[m]); xe[m] = X(S.em[m] === null ? END : S.em[m]); }
      markX = S.marks.map(function (mk) { return X(mk.t); });
      spacer.style.width = (ax.width + GUTTER + PAD_R) + 'px';
      zoomLabel.textContent = (ppm >= 1 ? ppm + ' px/ms' : trim((1 / ppm).toFixed(1)) + ' ms/px') + (compress ? ', idle time compressed' : '');
    }
    function X(t) {
      var p = lowerBound(ax.t0, t + 1e-9) - 1;
      if (p < 0) return PAD_L;
      if (t <= ax.t1[p]) return ax.x0[p] + (t - ax.t0[p]) * ax.ppm;
      var xa = ax.x0[p] + (ax.t1[p] - ax.t0[p]) * ax.ppm;
      if (p + 1 >= ax.t0.length) return xa;
      return xa + (t - ax.t1[p]) / (ax.t0[p + 1] - ax.t1[p]) * (ax.x0[p + 1] - xa);
    }
    function T(x) {
      var lo = 0, hi = ax.x0.length;
      while (lo < hi) { var mid = (lo + hi) >>> 1; if (ax.x0[mid] <= x) lo = mid + 1; else hi = mid; }
      var p = Math.max(0, lo - 1), xa = ax.x0[p] + (ax.t1[p] - ax.t0[p]) * ax.ppm;
      if (x <= xa || p + 1 >= ax.t0.length) return ax.t0[p] + (x - ax.x0[p]) / ax.ppm;
      return ax.t1[p] + (x - xa) / (ax.x0[p + 1] - xa) * (ax.t0[p + 1] - ax.t1[p]);
    }
    function laneY(n) { return AXIS + n * LANE + LANE / 2; }
    var pausePat = hatch(MARK.pause, true), crashPat = hatch(MARK.crash, true);
    var viewW = 0, left = 0, visibleMsgs = [];
    function msgColor(m) {
      var name = S.msgNames[S.msg[m]];
      if (S.fate[m] === 1) return MARK.violation;
      if (/keep|alive|heart|ping|renew/i.test(name)) return MARK.routineMessage;
      if (nodes[S.from[m]] === 'storage' || nodes[S.to[m]] === 'storage') return MARK.storageMessage;
      return MARK.message;
    }
    function arrowHead(x1, y1, x2, y2, color) {
      var a = Math.atan2(y2 - y1, x2 - x1), L = 7;
      ctx.fillStyle = color; ctx.beginPath(); ctx.moveTo(x2, y2);
      ctx.lineTo(x2 - L * Math.cos(a - 0.38), y2 - L * Math.sin(a - 0.38));
      ctx.lineTo(x2 - L * Math.cos(a + 0.38), y2 - L * Math.sin(a + 0.38)); ctx.closePath(); ctx.fill();
    }
    function niceStep(ms) {
      var p = Math.pow(10, Math.floor(Math.log(ms) / Math.LN10)), f = ms / p;
      return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
    }
    function draw() {
      var dpr = window.devicePixelRatio || 1, cssW = $('.st-frame').clientWidth;
      if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(H * dpr)) {
        canvas.width = Math.round(cssW * dpr); canvas.height = Math.round(H * dpr); canvas.style.height = H + 'px';
      }
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      viewW = cssW - GUTTER; left = scroll.scrollLeft;
      var right = left + viewW;
      function SX(x) { return GUTTER + x - left; }
      ctx.clearRect(0, 0, cssW, H);
      ctx.fillStyle = '#ffffff'; ctx.fillRect(0, 0, cssW, H);
      ctx.save(); ctx.beginPath(); ctx.rect(GUTTER, 0, viewW, H); ctx.clip();
      var family = FAMILY;
      for (var n = 0; n < N; n++) { if (n % 2 === 1) { ctx.fillStyle = '#f7f9fb'; ctx.fillRect(GUTTER, AXIS + n * LANE, viewW, LANE); } }
      // Lanes.
      ctx.strokeStyle = '#c4ccd4'; ctx.lineWidth = 1;
      for (var ln = 0; ln < N; ln++) { ctx.beginPath(); ctx.moveTo(GUTTER, laneY(ln) + 0.5); ctx.lineTo(GUTTER + viewW, laneY(ln) + 0.5); ctx.stroke(); }
      // Fault intervals.
      ctx.font = '600 11px ' + family; ctx.textBaseline = 'middle';
      S.spans.forEach(function (s) {
        var a = X(s.a), b = X(s.b);
        if (b < left || a > right) return;
        for (var k = 0; k < s.n.length; k++) {
          var y = AXIS + s.n[k] * LANE;
          if (s.k !== 'pause' && s.k !== 'crash') { ctx.fillStyle = rgba(MARK.partition, 0.16); ctx.fillRect(SX(a), y + 2, b - a, LANE - 4);
            ctx.strokeStyle = rgba(MARK.partition, 0.7); ctx.lineWidth = 1; ctx.strokeRect(SX(a), y + 2, b - a, LANE - 4); }
          else { ctx.fillStyle = s.k === 'pause' ? pausePat : crashPat; ctx.fillRect(SX(a), y + 5, b - a, LANE - 10);
            ctx.strokeStyle = s.k === 'pause' ? '#8a8f98' : MARK.crash; ctx.lineWidth = 1; ctx.strokeRect(SX(a), y + 5, b - a, LANE - 10); }
          var label = s.label;
          if (k === 0 || s.k !== 'partition') {
            var lx = Math.max(SX(a), GUTTER) + 6, w = ctx.measureText(label).width;
            if (lx + w < SX(b) - 4) labelBox(ctx, label, lx, y + LANE / 2, s.k === 'crash' ? MARK.crash : '#3b434b', 'rgba(255,255,255,.9)', 'left');
          }
        }
      });
      // Compressed gaps.
      for (var p = 0; p + 1 < ax.t0.length; p++) {
        var ga = ax.x0[p] + (ax.t1[p] - ax.t0[p]) * ax.ppm, gb = ax.x0[p + 1];
        if (gb < left || ga > right) continue;
        ctx.fillStyle = 'rgba(140,149,159,0.10)'; ctx.fillRect(SX(ga), AXIS, gb - ga, H - AXIS);
        ctx.strokeStyle = '#aeb6bf'; ctx.lineWidth = 1;
        for (var side = 0; side < 2; side++) {
          var zx = SX(side === 0 ? ga + 4 : gb - 4);
          ctx.beginPath(); ctx.moveTo(zx, AXIS);
          for (var zy = AXIS, zz = 0; zy < H; zy += 6, zz++) ctx.lineTo(zx + (zz % 2 ? 3 : -3), zy);
          ctx.stroke();
        }
        ctx.font = '600 10.5px ' + family;
        labelBox(ctx, '+' + fmtMs(ax.t0[p + 1] - ax.t1[p]), SX((ga + gb) / 2), 22, '#59636e', '#eef1f4', 'center');
      }
      // Messages.
      visibleMsgs = [];
      for (var m = 0; m < M; m++) { if (Math.max(xs[m], xe[m]) >= left && Math.min(xs[m], xe[m]) <= right) visibleMsgs.push(m); }
      var labelled = visibleMsgs.length <= 600;
      ctx.font = '10.5px ' + family;
      for (var q = 0; q < visibleMsgs.length; q++) {
        var mi = visibleMsgs[q], color = msgColor(mi);
        var x1 = SX(xs[mi]), y1 = laneY(S.from[mi]), x2 = SX(xe[mi]), y2 = laneY(S.to[mi]);
        ctx.strokeStyle = color; ctx.lineWidth = 1.3;
        if (S.fate[mi] === 1) {
          var mx = (x1 + x2) / 2, my = (y1 + y2) / 2;
          ctx.setLineDash([]); ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(mx, my); ctx.stroke();
          ctx.lineWidth = 2; ctx.beginPath(); ctx.moveTo(mx - 4, my - 4); ctx.lineTo(mx + 4, my + 4); ctx.moveTo(mx + 4, my - 4); ctx.lineTo(mx - 4, my + 4); ctx.stroke();
          continue;
        }
        ctx.setLineDash(S.fate[mi] === 2 || S.dup[mi] ? [4, 3] : []);
        ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(x2, y2); ctx.stroke(); ctx.setLineDash([]);
        if (S.fate[mi] === 0) arrowHead(x1, y1, x2, y2, color);
        var len = Math.sqrt((x2 - x1) * (x2 - x1) + (y2 - y1) * (y2 - y1));
        var name = S.msgNames[S.msg[mi]];
        if (labelled && Math.abs(x2 - x1) > 40 && len > ctx.measureText(name).width + 30) {
          ctx.save(); ctx.translate((x1 + x2) / 2, (y1 + y2) / 2);
          var ang = Math.atan2(y2 - y1, x2 - x1); if (ang > Math.PI / 2) ang -= Math.PI; if (ang < -Math.PI / 2) ang += Math.PI;
          ctx.rotate(ang); ctx.fillStyle = '#59636e'; ctx.textAlign = 'center'; ctx.textBaseline = 'bottom';
          ctx.fillText(name, 0, -2); ctx.restore();
        }
      }
      // Marks (grants, writes, violations, jumps).
      for (var k = 0; k < S.marks.length; k++) {
        var mk = S.marks[k], mxp = markX[k];
        if (mxp < left - 80 || mxp > right + 80) continue;
        var sx = SX(mxp), sy = laneY(mk.n);
        if (mk.k === 'violation') {
          ctx.fillStyle = MARK.violation; ctx.beginPath(); ctx.moveTo(sx, sy - 8); ctx.lineTo(sx + 8, sy); ctx.lineTo(sx, sy + 8); ctx.lineTo(sx - 8, sy); ctx.closePath(); ctx.fill();
          ctx.font = '600 11px ' + family; labelBox(ctx, mk.l || '', sx + 10, sy - 12, '#ffffff', MARK.violation, 'left');
        } else if (mk.k === 'reject') {
          ctx.strokeStyle = MARK.rejected; ctx.lineWidth = 2.5; ctx.beginPath(); ctx.moveTo(sx - 5, sy - 5); ctx.lineTo(sx + 5, sy + 5); ctx.moveTo(sx + 5, sy - 5); ctx.lineTo(sx - 5, sy + 5); ctx.stroke();
        } else if (mk.k === 'write') {
          ctx.fillStyle = MARK.accepted; ctx.beginPath(); ctx.arc(sx, sy, 4.5, 0, Math.PI * 2); ctx.fill();
        } else if (mk.k === 'grant' || mk.k === 'complete') {
          ctx.fillStyle = modeColor(mk.m); ctx.strokeStyle = darker(modeColor(mk.m)); ctx.lineWidth = 1;
          if (mk.k === 'grant') { ctx.fillRect(sx - 4, sy - 4, 8, 8); ctx.strokeRect(sx - 4, sy - 4, 8, 8); }
          else { ctx.beginPath(); ctx.arc(sx, sy, 4.5, 0, Math.PI * 2); ctx.fill(); ctx.stroke(); }
        } else {
          ctx.fillStyle = mk.k === 'jump' ? MARK.violation : '#59636e';
          ctx.beginPath(); ctx.arc(sx, sy, 3.5, 0, Math.PI * 2); ctx.fill();
        }
        if (mk.l && mk.k !== 'violation') {
          ctx.font = '10.5px ' + family; ctx.fillStyle = '#3b434b'; ctx.textAlign = 'left'; ctx.textBaseline = 'top';
          ctx.fillText(mk.l, sx + 6, sy + 4);
        }
      }
      // Time axis.
      ctx.fillStyle = '#ffffff'; ctx.fillRect(GUTTER, 0, viewW, 14);
      ctx.strokeStyle = '#8c959f'; ctx.fillStyle = '#3b434b'; ctx.font = '11px ' + family; ctx.textAlign = 'center'; ctx.textBaseline = 'top';
      ctx.beginPath(); ctx.moveTo(GUTTER, AXIS - 0.5); ctx.lineTo(GUTTER + viewW, AXIS - 0.5); ctx.stroke();
      var step = niceStep(110 / ax.ppm), lastLabel = -1e9;
      for (var pi = 0; pi < ax.t0.length; pi++) {
        var pa = ax.x0[pi], pb = pa + (ax.t1[pi] - ax.t0[pi]) * ax.ppm;
        if (pb < left - 60 || pa > right + 60) continue;
        var first = Math.ceil(ax.t0[pi] / step) * step;
        var candidates = [ax.t0[pi]];
        for (var tt = first, guard = 0; tt <= ax.t1[pi] && guard < 10000; tt += step, guard++) candidates.push(tt);
        for (var ci = 0; ci < candidates.length; ci++) {
          var tx = SX(X(candidates[ci]));
          if (tx < GUTTER - 40 || tx > GUTTER + viewW + 40 || tx - lastLabel < 78) continue;
          ctx.beginPath(); ctx.moveTo(tx + 0.5, AXIS - 6); ctx.lineTo(tx + 0.5, AXIS); ctx.stroke();
          ctx.fillText(fmtMs(candidates[ci]), tx, 2);
          lastLabel = tx;
        }
      }
      ctx.restore();
      // Gutter with node names.
      ctx.fillStyle = '#f6f8fa'; ctx.fillRect(0, 0, GUTTER, H);
      ctx.strokeStyle = '#d8dee4'; ctx.beginPath(); ctx.moveTo(GUTTER - 0.5, 0); ctx.lineTo(GUTTER - 0.5, H); ctx.stroke();
      ctx.font = '600 12.5px ' + family; ctx.textAlign = 'right'; ctx.textBaseline = 'middle'; ctx.fillStyle = '#1f2328';
      for (var nn = 0; nn < N; nn++) ctx.fillText(nodes[nn], GUTTER - 10, laneY(nn));
      ctx.font = '10.5px ' + family; ctx.fillStyle = '#59636e'; ctx.textAlign = 'left'; ctx.textBaseline = 'top';
      ctx.fillText('true time \u2192', 8, 4);
    }
    function hit(ev) {
      var r = canvas.getBoundingClientRect(), px = ev.clientX - r.left, py = ev.clientY - r.top;
      if (px < GUTTER) return null;
      var cx = px - GUTTER + left, best = null, bestD = 7;
      for (var k = 0; k < S.marks.length; k++) {
        var d = Math.hypot(markX[k] - cx, laneY(S.marks[k].n) - py);
        if (d < bestD) { bestD = d; best = { s: S.marks[k].s }; }
      }
      if (best) return best;
      bestD = 5;
      for (var q = 0; q < visibleMsgs.length; q++) {
        var m = visibleMsgs[q], x1 = xs[m], y1 = laneY(S.from[m]), x2 = S.fate[m] === 1 ? (xs[m] + xe[m]) / 2 : xe[m];
        var y2 = S.fate[m] === 1 ? (laneY(S.from[m]) + laneY(S.to[m])) / 2 : laneY(S.to[m]);
        var dx = x2 - x1, dy = y2 - y1, l2 = dx * dx + dy * dy, t = l2 ? Math.max(0, Math.min(1, ((cx - x1) * dx + (py - y1) * dy) / l2)) : 0;
        var dd = Math.hypot(x1 + t * dx - cx, y1 + t * dy - py);
        if (dd < bestD) { bestD = dd; best = { s: S.ss[m] }; }
      }
      return best;
    }
    canvas.addEventListener('mousemove', function (ev) {
      var h = hit(ev);
      if (!h) { tip.style.display = 'none'; canvas.style.cursor = dragging ? 'grabbing' : 'grab'; return; }
      var i = indexOfSeq(h.s);
      canvas.style.cursor = 'pointer';
      tip.textContent = i >= 0 ? '#' + h.s + ' @ ' + fmtMs(TR.t[i]) + ': ' + TR.text[i] : '#' + h.s;
      tip.style.display = 'block'; tip.style.left = (ev.clientX + 14) + 'px'; tip.style.top = (ev.clientY + 12) + 'px';
    });
    canvas.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
    var dragging = false, dragX = 0, moved = false;
    canvas.addEventListener('mousedown', function (ev) { dragging = true; moved = false; dragX = ev.clientX; });
    window.addEventListener('mouseup', function () { dragging = false; });
    window.addEventListener('mousemove', function (ev) {
      if (!dragging) return;
      var dx = ev.clientX - dragX; if (Math.abs(dx) > 2) moved = true;
      scroll.scrollLeft -= dx; dragX = ev.clientX;
    });
    canvas.addEventListener('click', function (ev) { if (moved) return; var h = hit(ev); if (h) jumpToSeq(h.s); });
    canvas.addEventListener('wheel', function (ev) {
      if (Math.abs(ev.deltaX) > Math.abs(ev.deltaY) || ev.shiftKey) { ev.preventDefault(); scroll.scrollLeft += ev.deltaX || ev.deltaY; }
    }, { passive: false });
    var queued = false;
    function schedule() { if (queued) return; queued = true; requestAnimationFrame(function () { queued = false; draw(); }); }
    scroll.addEventListener('scroll', schedule);
    window.addEventListener('resize', schedule);
    function rezoom(nextZi, nextCompress) {
      var centre = T(scroll.scrollLeft + viewW / 2);
      zi = Math.max(0, Math.min(ZOOMS.length - 1, nextZi)); compress = nextCompress;
      buildAxis();
      scroll.scrollLeft = Math.max(0, X(centre) - viewW / 2);
      draw();
    }
    $('#st-in').addEventListener('click', function () { rezoom(zi + 1, compress); });
    $('#st-out').addEventListener('click', function () { rezoom(zi - 1, compress); });
    $('#st-compress').addEventListener('change', function () { rezoom(zi, $('#st-compress').checked); });
    var firstViolation = -1;
    S.marks.forEach(function (mk, k) { if (firstViolation < 0 && mk.k === 'violation') firstViolation = k; });
    var goV = $('#st-goto');
    if (firstViolation < 0) goV.disabled = true;
    goV.addEventListener('click', function () { if (firstViolation >= 0) { scroll.scrollLeft = Math.max(0, markX[firstViolation] - viewW / 2); draw(); } });
    // Fit the whole run in view when that keeps a typical message at least 8 px wide.
    viewW = $('.st-frame').clientWidth - GUTTER;
    buildAxis();
    while (ax.width + PAD_R > viewW && zi > 0 && ZOOMS[zi - 1] * S.medianLatencyMs >= 8) { zi--; buildAxis(); }
    draw();
  }

  requestAnimationFrame(function () { requestAnimationFrame(function () { window.__reportReady = true; }); });
})();
