/**
 * What the report pages' browser scripts find on `window` besides the DOM: chart.js (inlined as
 * its UMD build, which sets `window.Chart`), and the flags the browser tests read. Only
 * tsconfig.client.json reads this file; the build does not copy it.
 */

/** The slice of chart.js's API the scripts use; charts are configured with plain objects. */
interface ChartGlobal {
  new (canvas: HTMLCanvasElement, config: object): object;
  defaults: {
    animation: boolean;
    font: { family: string; size: number };
    color: string;
    borderColor: string;
  };
}

interface Window {
  Chart: ChartGlobal;
  /** Set once every chart and table is drawn. */
  __reportReady: boolean;
  /** What failed while drawing, one entry per failed section. */
  __reportErrors: string[];
  /** Scrolls the trace table to the row of one event (for links and tests). */
  lockstepJump: (seq: number) => void;
}
