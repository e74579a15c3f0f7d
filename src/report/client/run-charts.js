// @ts-check
/**
 * The run page's chart.js charts: the lock timeline (what the service granted beside what each
 * client believed), storage writes by fencing token, and each node's clock error. Uses the data,
 * helpers and chart.js defaults of run.js; see run.js for how the files are joined.
 */

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

