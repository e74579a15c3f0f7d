/**
 * The reports' visual language: one stylesheet and one colour palette shared by the run report
 * and the suite page. The palette is Okabe–Ito (distinguishable under the common colour-vision
 * deficiencies); meaning never rests on colour alone (believed locks are hatched, verdicts
 * carry a symbol, violations a label).
 */

/** Colour per lock mode (dlm-semantics §1), used by bars, legends and the deadlock graph. */
export const MODE_COLORS: Readonly<Record<string, string>> = {
  NL: '#999999',
  CR: '#56B4E9',
  CW: '#009E73',
  PR: '#F0E442',
  PW: '#E69F00',
  EX: '#0072B2',
};

/** Colours of the report's other marks. */
export const MARK_COLORS = {
  violation: '#D55E00',
  overlap: '#CC79A7',
  accepted: '#009E73',
  rejected: '#222222',
  pause: '#8a8f98',
  crash: '#7a1f1f',
  partition: '#CC79A7',
  message: '#4a5568',
  storageMessage: '#009E73',
  routineMessage: '#b8bec7',
} as const;

/** The shared stylesheet. Print rules hide controls and keep sections whole. */
export const REPORT_CSS = `
:root {
  --fg: #1f2328; --muted: #59636e; --faint: #8c959f; --line: #d8dee4; --bg: #ffffff; --panel: #f6f8fa;
  --accent: #0072B2; --bad: #D55E00; --good: #00795a; --warn: #9a6700;
  --mono: "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--fg); background: var(--bg);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
.wrap { max-width: 1240px; margin: 0 auto; padding: 0 24px; }
header.top { border-bottom: 1px solid var(--line); background: var(--panel); }
header.top .wrap { padding-top: 18px; padding-bottom: 16px; }
.brand { font-size: 12px; letter-spacing: .08em; text-transform: uppercase; color: var(--muted); font-weight: 600; }
h1 { font-size: 24px; line-height: 1.25; margin: 4px 0 10px; font-weight: 650; overflow-wrap: anywhere; }
h2 { font-size: 18px; margin: 0 0 4px; font-weight: 650; }
h3 { font-size: 15px; margin: 14px 0 6px; font-weight: 650; }
p { margin: 6px 0; }
code, pre, .mono { font-family: var(--mono); font-size: 12.5px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.meta { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.chip { display: inline-flex; align-items: baseline; gap: 6px; padding: 2px 10px; border: 1px solid var(--line);
  border-radius: 999px; background: #fff; font-size: 13px; white-space: nowrap; }
.chip .k { color: var(--muted); font-size: 12px; }
.chip.bad { border-color: var(--bad); color: var(--bad); font-weight: 600; }
.chip.good { border-color: var(--good); color: var(--good); font-weight: 600; }
.chip.warn { border-color: var(--warn); color: var(--warn); font-weight: 600; }
.replay { margin-top: 10px; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.replay .label { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); font-weight: 600; }
.replay code { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; user-select: all;
  overflow-wrap: anywhere; }
nav.toc { position: sticky; top: 0; z-index: 5; background: rgba(255,255,255,.96); border-bottom: 1px solid var(--line); }
nav.toc .wrap { display: flex; gap: 18px; padding-top: 8px; padding-bottom: 8px; font-size: 13px; flex-wrap: wrap; }
section.card { margin: 22px 0; padding: 18px 20px; border: 1px solid var(--line); border-radius: 10px; background: #fff; }
.hint { color: var(--muted); font-size: 13px; margin: 2px 0 10px; }
.empty { color: var(--muted); font-style: italic; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 14px; }
.stat { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; background: var(--panel); }
.stat .k { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; font-weight: 600; }
.stat ul { margin: 6px 0 0; padding-left: 18px; }
.stat li { margin: 2px 0; }
.stat .big { font-size: 20px; font-weight: 650; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin-top: 6px; }
.kv dt { color: var(--muted); } .kv dd { margin: 0; overflow-wrap: anywhere; }
.lesson { max-width: 900px; }
.lesson pre { background: var(--panel); padding: 10px; border-radius: 6px; overflow-x: auto; }
.lesson code { background: var(--panel); padding: 0 4px; border-radius: 4px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 12.5px; color: var(--fg); margin: 8px 0 10px; align-items: center; }
.legend .item { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
.sw { display: inline-block; width: 22px; height: 12px; border-radius: 2px; border: 1px solid rgba(0,0,0,.35); }
.sw.line { height: 0; border: 0; border-top: 2px dashed var(--bad); border-radius: 0; }
.sw.dot { width: 11px; height: 11px; border-radius: 50%; }
.sw.sep { width: 1px; height: 14px; background: var(--line); border: 0; margin: 0 2px; }
.chart { position: relative; width: 100%; }
.note { font-size: 12.5px; color: var(--warn); margin-top: 6px; }
.controls { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; margin: 6px 0 10px; font-size: 13px; }
.controls label { display: inline-flex; gap: 6px; align-items: center; color: var(--muted); }
button, select, input[type=search], input[type=number] { font: inherit; font-size: 13px; padding: 3px 8px;
  border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--fg); }
button { cursor: pointer; } button:hover { background: var(--panel); } button:disabled { color: var(--faint); cursor: default; }
.st-frame { border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
.st-canvas { display: block; width: 100%; cursor: crosshair; }
.st-scroll { overflow-x: auto; overflow-y: hidden; height: 14px; border-top: 1px solid var(--line); background: var(--panel); }
.st-scroll > div { height: 1px; }
.tip { position: fixed; z-index: 20; pointer-events: none; background: #1f2328; color: #fff; font-size: 12px;
  padding: 4px 8px; border-radius: 5px; max-width: 360px; display: none; }
.dl { display: grid; grid-template-columns: minmax(300px, 440px) 1fr; gap: 18px; align-items: start; margin-top: 10px;
  padding-top: 12px; border-top: 1px solid var(--line); }
.dl:first-of-type { border-top: 0; }
.dl svg { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 8px; background: #fff; }
.dl ol { margin: 6px 0; padding-left: 20px; } .dl li { margin: 6px 0; }
.evt { font-size: 12.5px; color: var(--muted); display: block; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); background: var(--panel);
  position: sticky; top: 37px; z-index: 1; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.trace td { font-size: 13px; }
table.trace td.t { font-family: var(--mono); font-size: 12px; white-space: nowrap; text-align: right; }
table.trace td.node { font-weight: 600; white-space: nowrap; }
table.trace tr.routine td { color: var(--muted); }
table.trace tr.violation td { background: #fdebe3; }
table.trace tr.hit td { background: #fff3bf; }
.tag { display: inline-block; font-size: 11.5px; padding: 0 6px; border-radius: 4px; background: #eef1f4; color: #333;
  font-family: var(--mono); white-space: nowrap; }
.tag.k-lock { background: #e3f0fa; } .tag.k-storage { background: #e0f3ec; } .tag.k-fault { background: #ece6f3; }
.tag.k-bad { background: #fbe1d4; color: #8a2f00; font-weight: 600; } .tag.k-kernel { background: #f0f1f3; color: #666; }
.pager { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 8px 0; font-size: 13px; }
.pager .count { color: var(--muted); }
footer { color: var(--muted); font-size: 12px; padding: 16px 0 40px; }
.verdict-met { color: var(--good); font-weight: 650; white-space: nowrap; }
.verdict-unmet { color: var(--bad); font-weight: 650; white-space: nowrap; }
table.suite td { font-size: 13.5px; }
table.suite td .title { color: var(--muted); font-size: 12.5px; display: block; overflow-wrap: anywhere; }
.finds { margin: 0; padding-left: 16px; } .finds li { margin: 1px 0; }
.finds code { font-size: 11.5px; color: var(--muted); overflow-wrap: anywhere; }
details summary { cursor: pointer; color: var(--accent); font-size: 12.5px; }
@media (max-width: 800px) { .dl { grid-template-columns: 1fr; } }
@media print {
  nav.toc, .controls, .pager, .st-scroll { display: none !important; }
  section.card { break-inside: avoid; border-color: #bbb; }
  th { position: static; }
  body { font-size: 12px; }
}
`;
