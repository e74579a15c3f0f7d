// @ts-check
/**
 * The run page's space-time diagram: one lane per node, message arrows, fault intervals and
 * marks, drawn on a plain canvas and virtually scrolled so long runs stay cheap. Last of the run
 * page's files: it ends by setting `window.__reportReady`. See run.js for how the files are
 * joined.
 */

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
    // Compressed gaps; a gap whose label would overlap the one drawn before it goes unlabelled.
    var gapLabelRight = -Infinity;
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
      var gapLabel = '+' + fmtMs(ax.t0[p + 1] - ax.t1[p]), gapLabelHalf = ctx.measureText(gapLabel).width / 2 + 3, gapCentre = SX((ga + gb) / 2);
      if (gapCentre - gapLabelHalf < gapLabelRight + 4) continue;
      labelBox(ctx, gapLabel, gapCentre, 22, '#59636e', '#eef1f4', 'center');
      gapLabelRight = gapCentre + gapLabelHalf;
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
