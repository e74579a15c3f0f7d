// @ts-check
/**
 * The run page's chart.js charts: the lock timeline (what the service granted beside what each
 * client believed), storage writes by fencing token, and each node's clock error. Uses the data,
 * helpers and chart.js defaults of run.js; see run.js for how the files are joined.
 */

// ------------------------------------------------------------------------------------------
// Lock timeline: what the service granted beside what the client believed. One row per
// (resource, client), or one row per resource when there are many clients (each bar then says
// whose it is). Every bar is drawn at least a few pixels wide, so an 18 ms grant in a 30 s run
// (T.minBarPx) still shows; its label sits inside when it fits, else beside it, never outside the plot.
// Zoom and pan act on the time axis (buttons, Ctrl+wheel, drag).
safely('timeline', function () {
  var canvas = canvasById('chart-timeline'), frame = canvas && canvas.parentElement;
  if (canvas && frame) drawTimeline(canvas, frame);
});
/** @param {HTMLCanvasElement} canvas @param {HTMLElement} frame */
function drawTimeline(canvas, frame) {
  var T = D.timeline, MIN_BAR_PX = T.minBarPx;
  var groupBox = $('#tl-group');
  var cache = {}, chart = null, grouped = T.byResource;
  var view = { min: 0, max: T.activityEndMs < END ? T.activityEndMs : END };
  function memo(kind, m, make) { var k = kind + m; if (!cache[k]) cache[k] = make(); return cache[k]; }
  var resourceRows = [];
  for (var rr0 = 0; rr0 < T.rowResource.length; rr0++) if (resourceRows.indexOf(T.rowResource[rr0]) < 0) resourceRows.push(T.rowResource[rr0]);
  function labels() { return grouped ? resourceRows : T.rows; }
  function rowOf(b) { return grouped ? resourceRows.indexOf(T.rowResource[b.r]) : b.r; }
  function who(b) { return grouped ? T.rowClient[b.r] + ' ' : ''; }
  function tokenText(b) { return b.tk !== null && b.tk !== undefined ? ' #' + b.tk : ''; }
  var textFor = {
    granted: function (b) { return who(b) + b.m + tokenText(b); },
    believed: function (b) { return who(b) + 'believes ' + b.m + tokenText(b); },
    queued: function (b) { return who(b) + 'waits for ' + b.m + (b.e === 'dequeue' ? ' (refused)' : ''); },
    paused: function (b) { return who(b) + b.label; }
  };
  function datasets() {
    var sets = [], names = labels();
    var common = { borderSkipped: false, barPercentage: 0.94, categoryPercentage: 0.86 };
    function add(kind, label, list, fill, border, width) {
      var data = list.map(function (b) { return { x: [b.a, b.b], y: names[rowOf(b)], bar: b }; });
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
    return sets;
  }
  // A bar narrower than MIN_BAR_PX grows to the right from its true start (where it began is
  // what matters), so clicks and tooltips find it too.
  var minWidth = {
    id: 'minBarWidth',
    afterDatasetsUpdate: function (ch) {
      for (var d = 0; d < ch.data.datasets.length; d++) {
        var bars = ch.getDatasetMeta(d).data;
        for (var i = 0; i < bars.length; i++) {
          var e = bars[i];
          if (Math.abs(e.x - e.base) >= MIN_BAR_PX) continue;
          if (e.x >= e.base) e.x = e.base + MIN_BAR_PX; else e.base = e.x + MIN_BAR_PX;
        }
      }
    }
  };
  var overlays = {
    id: 'lockOverlays',
    beforeDatasetsDraw: function (ch) {
      var x = ch.scales.x, y = ch.scales.y, area = ch.chartArea, ctx = ch.ctx, names = labels();
      var band = (y.bottom - y.top) / names.length;
      ctx.save();
      ctx.beginPath(); ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top); ctx.clip();
      for (var j = 0; j < T.overlaps.length; j++) {
        var o = T.overlaps[j], rows = [];
        for (var rr = 0; rr < names.length; rr++) if ((grouped ? names[rr] : T.rowResource[rr]) === o.res) rows.push(rr);
        if (!rows.length) continue;
        var top = y.getPixelForValue(rows[0]) - band / 2, bottom = y.getPixelForValue(rows[rows.length - 1]) + band / 2;
        var ox0 = x.getPixelForValue(o.a), ox1 = Math.max(x.getPixelForValue(o.b), ox0 + 2);
        ctx.fillStyle = rgba(MARK.overlap, 0.16); ctx.fillRect(ox0, top, ox1 - ox0, bottom - top);
        ctx.strokeStyle = MARK.overlap; ctx.lineWidth = 1.5; ctx.strokeRect(ox0, top + 1, ox1 - ox0, bottom - top - 2);
      }
      ctx.restore();
    },
    afterDatasetsDraw: function (ch) { drawBarLabels(ch); }
  };
  // Labels go inside a bar when they fit, else just right of it, else just left of it, in the
  // room the row's slot leaves between its neighbours; a label with no room is left to the tooltip.
  function drawBarLabels(ch) {
    var ctx = ch.ctx, area = ch.chartArea, sets = ch.data.datasets;
    ctx.save();
    ctx.beginPath(); ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top); ctx.clip();
    ctx.font = '600 11px ' + FAMILY;
    ctx.textBaseline = 'middle';
    for (var d = 0; d < sets.length; d++) {
      var meta = ch.getDatasetMeta(d), set = sets[d], slots = {};
      for (var i = 0; i < meta.data.length; i++) {
        var e = meta.data[i], left = Math.min(e.x, e.base), right = Math.max(e.x, e.base);
        if (right < area.left || left > area.right) continue;
        var key = Math.round(e.y);
        (slots[key] = slots[key] || []).push({ left: left, right: right, y: e.y, b: set.list[i] });
      }
      for (var k in slots) placeSlotLabels(ctx, area, set.kind, slots[k].sort(function (p, q) { return p.left - q.left; }));
    }
    ctx.restore();
  }
  function placeSlotLabels(ctx, area, kind, bars) {
    var usedTo = area.left;
    for (var i = 0; i < bars.length; i++) {
      var p = bars[i], b = p.b, text = textFor[kind](b);
      var w = ctx.measureText(text).width + 10, after = p.right + 3;
      var next = i + 1 < bars.length ? bars[i + 1].left : area.right;
      var inLeft = Math.max(p.left, area.left), inRight = Math.min(p.right, area.right);
      if (inRight - inLeft >= w) {
        if (kind === 'granted') { ctx.fillStyle = isLight(modeColor(b.m)) ? '#1f2328' : '#ffffff'; ctx.textAlign = 'left'; ctx.fillText(text, inLeft + 5, p.y); }
        else labelBox(ctx, text, inLeft + 5, p.y, '#1f2328', 'rgba(255,255,255,.9)', 'left');
        usedTo = inLeft + w;
      } else if (p.right + 3 + w <= Math.min(next, area.right)) {
        labelBox(ctx, text, p.right + 3, p.y, kind === 'granted' ? darker(modeColor(b.m)) : '#1f2328', 'rgba(255,255,255,.92)', 'left');
        usedTo = after = p.right + 3 + w;
      } else if (p.left - 3 - w >= Math.max(usedTo, area.left)) {
        labelBox(ctx, text, p.left - 3, p.y, kind === 'granted' ? darker(modeColor(b.m)) : '#1f2328', 'rgba(255,255,255,.92)', 'right');
      }
      if (kind === 'granted' && b.e === 'expire') {
        var tag = '\u2190 lease expired', tw = ctx.measureText(tag).width;
        if (after + tw + 4 <= Math.min(next, area.right)) { ctx.fillStyle = '#8a2f00'; ctx.textAlign = 'left'; ctx.fillText(tag, after + 2, p.y); usedTo = after + tw + 4; }
      }
      usedTo = Math.max(usedTo, p.right);
    }
  }
  function overlapLabels(ch) {
    var x = ch.scales.x;
    return T.overlaps.map(function (o) {
      return { x: x.getPixelForValue(o.a), anchor: 'start', bg: MARK.overlap,
        text: 'belief overlap on ' + o.res + ': ' + fmtMs(o.b - o.a) + ' (' + o.nodes.join(', ') + ')' };
    });
  }
  function heightFor(rowCount) {
    var slots = 2 + (T.queued.length ? 1 : 0) + (T.pauses.length ? 1 : 0);
    return Math.max(170, rowCount * (slots * 17 + 16) + 64 + Math.min(3, D.violations.length + T.overlaps.length) * 21);
  }
  function build() {
    if (chart) chart.destroy();
    frame.style.height = heightFor(labels().length) + 'px';
    var axis = timeAxis('true time');
    axis.min = view.min; axis.max = view.max;
    chart = new C(canvas, {
      type: 'bar',
      data: { labels: labels(), datasets: datasets() },
      options: {
        indexAxis: 'y', responsive: true, maintainAspectRatio: false, animation: false,
        layout: { padding: { top: topPadding(D.violations.length + T.overlaps.length), right: 8 } },
        scales: { x: axis, y: { type: 'category', ticks: { font: { weight: 600, size: 12 } }, grid: { offset: true } } },
        plugins: {
          legend: { display: false }, decimation: { enabled: false }, markers: { extra: overlapLabels },
          tooltip: { callbacks: {
            title: function (items) { return items.length ? items[0].label : ''; },
            label: function (item) {
              var b = item.raw.bar, set = chart.data.datasets[item.datasetIndex];
              if (set.kind === 'paused') return who(b) + b.label + ': ' + fmtMs(b.a) + ' \u2192 ' + fmtMs(b.b);
              return who(b) + set.label + ' ' + b.m + tokenText(b) + ': ' + fmtMs(b.a) + ' \u2192 ' + fmtMs(b.b) + ' (' + b.e + ')';
            } } }
        },
        onClick: function (evt, elements, ch) { if (!dragged) onChartClick(evt, elements, ch); }
      },
      plugins: [minWidth, overlays, markers]
    });
    showView();
  }
  var zoomLabel = $('#tl-zoom-label');
  function showView() {
    zoomLabel.textContent = 'showing ' + fmtMs(view.min) + ' \u2013 ' + fmtMs(view.max) + (view.min <= 0 && view.max >= END ? ' (the whole run)' : ' of ' + fmtMs(END));
  }
  function setView(min, max) {
    var span = Math.min(END, Math.max(0.01, max - min));
    if (min < 0) min = 0;
    if (min + span > END) min = END - span;
    view.min = min; view.max = min + span;
    if (!chart) return;
    chart.options.scales.x.min = view.min; chart.options.scales.x.max = view.max;
    chart.update('none');
    showView();
  }
  function zoomAt(factor, centre) {
    setView(centre - (centre - view.min) * factor, centre + (view.max - centre) * factor);
  }
  $('#tl-in').addEventListener('click', function () { zoomAt(0.5, (view.min + view.max) / 2); });
  $('#tl-out').addEventListener('click', function () { zoomAt(2, (view.min + view.max) / 2); });
  $('#tl-all').addEventListener('click', function () { setView(0, END); });
  $('#tl-fit').addEventListener('click', function () { setView(0, T.activityEndMs); });
  $('#tl-left').addEventListener('click', function () { var w = view.max - view.min; setView(view.min - w / 2, view.max - w / 2); });
  $('#tl-right').addEventListener('click', function () { var w = view.max - view.min; setView(view.min + w / 2, view.max + w / 2); });
  groupBox.checked = grouped;
  groupBox.addEventListener('change', function () { grouped = groupBox.checked; build(); });
  canvas.addEventListener('wheel', function (ev) {
    if (!ev.ctrlKey || !chart) return;
    ev.preventDefault();
    zoomAt(ev.deltaY < 0 ? 0.8 : 1.25, chart.scales.x.getValueForPixel(ev.offsetX));
  }, { passive: false });
  var dragFrom = null, dragged = false;
  canvas.addEventListener('mousedown', function (ev) { dragFrom = { x: ev.clientX, min: view.min, max: view.max }; dragged = false; });
  window.addEventListener('mouseup', function () { dragFrom = null; });
  canvas.addEventListener('mousemove', function (ev) {
    if (!dragFrom || !chart || (ev.buttons & 1) === 0) return;
    var dx = ev.clientX - dragFrom.x;
    if (Math.abs(dx) < 3 && !dragged) return;
    dragged = true;
    var msPerPx = (dragFrom.max - dragFrom.min) / Math.max(1, chart.chartArea.right - chart.chartArea.left);
    setView(dragFrom.min - dx * msPerPx, dragFrom.max - dx * msPerPx);
  });
  build();
}

// ------------------------------------------------------------------------------------------
// Storage: accepted and rejected writes with their tokens, and, per resource, the highest token
// accepted so far on it (tokens of different resources are unrelated: a write on b below a's
// line is no fencing failure, so each resource has its own line, colour and label).
var RESOURCE_PALETTE = ['#0072B2', '#CC79A7', '#E69F00', '#56B4E9', '#3b434b', '#b8860b', '#8c959f'];
safely('storage', function () {
  var canvas = canvasById('chart-storage');
  if (!canvas) return;
  var P = D.storage.points, acc = [], rej = [], bad = [], resources = [], highs = {}, best = {};
  for (var i = 0; i < P.length; i++) {
    var p = P[i], pt = { x: p.x, y: p.y, s: p.s, p: p };
    if (resources.indexOf(p.r) < 0) { resources.push(p.r); highs[p.r] = []; best[p.r] = -Infinity; }
    if (p.bad) bad.push(pt); else if (p.ok) acc.push(pt); else rej.push(pt);
    if (p.ok && p.tk !== null && p.tk > best[p.r]) { best[p.r] = p.tk; highs[p.r].push({ x: p.x, y: p.tk, s: p.s }); }
  }
  var several = resources.length > 1;
  function resourceColor(r) { return RESOURCE_PALETTE[resources.indexOf(r) % RESOURCE_PALETTE.length]; }
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
          var e = meta.data[k], q = list[k].p, text = q.c + (several ? ' on ' + q.r : '') + (q.tk !== null ? ' #' + q.tk : '') + (q.ok ? '' : ' rejected');
          var w = ctx.measureText(text).width, right = e.x + 12 + w < area.right;
          labelBox(ctx, text, right ? e.x + 11 : e.x - 11, e.y, several ? resourceColor(q.r) : '#1f2328', 'rgba(255,255,255,.85)', right ? 'left' : 'right');
        }
      }
      ctx.restore();
    }
  };
  /** @type {object[]} */
  var sets = [
    { label: 'write that violated an invariant', data: bad, showLine: false, pointStyle: 'triangle', pointRadius: 9, pointHoverRadius: 11,
      backgroundColor: MARK.violation, borderColor: '#5a1e00', borderWidth: 1.5 },
    { label: 'rejected (stale token)', data: rej, showLine: false, pointStyle: 'crossRot', pointRadius: 7, pointHoverRadius: 9,
      borderColor: MARK.rejected, backgroundColor: MARK.rejected, borderWidth: 2.5 },
    { label: 'accepted', data: acc, showLine: false, pointStyle: 'circle', pointRadius: 5, pointHoverRadius: 7,
      backgroundColor: MARK.accepted, borderColor: several ? acc.map(function (q) { return resourceColor(q.p.r); }) : '#00583f', borderWidth: several ? 2.5 : 1 }
  ];
  resources.forEach(function (r) {
    var line = highs[r];
    if (!line.length) return;
    line.push({ x: END, y: best[r], s: line[line.length - 1].s });
    sets.push({ label: 'highest token accepted' + (several ? ' on ' + r : ' so far'), data: line, stepped: 'before', pointRadius: 0, pointStyle: 'line',
      borderWidth: several ? 2 : 1.5, borderColor: several ? resourceColor(r) : '#8c959f', borderDash: [4, 3], backgroundColor: several ? resourceColor(r) : '#8c959f',
      highWater: r });
  });
  new C(canvas, {
    type: 'line',
    data: { datasets: sets },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false, parsing: false,
      layout: { padding: { top: topPadding(D.violations.length), right: 8 } },
      scales: { x: timeAxis('true time'), y: { type: 'linear', grace: '15%', min: D.storage.hasTokens ? 0 : undefined, title: { display: true, text: D.storage.hasTokens ? 'fencing token' : 'writes (no fencing tokens)' },
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

