// Plots where a curve says more than a column of numbers: a device's readings over time, a
// focusing sweep, the line scans' FWHM over the session. uPlot draws to canvas; the chart is
// created once per kind of data and fed new arrays with setData on each store flush.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from './html.js';
import { clock, num } from './format.js';

const COLOURS = { line: '#1f5fbf', fill: 'rgba(31,95,191,0.08)', best: '#c2410c', grid: '#e6e8eb' };
const AXIS = {
  stroke: '#4b5563',
  grid: { stroke: COLOURS.grid, width: 1 },
  ticks: { stroke: COLOURS.grid },
};

/**
 * A uPlot chart. `optsKey` names the chart's shape (its series, its scales): when it changes the
 * chart is rebuilt; otherwise only its data is replaced. `draw` paints extras (a marker line).
 */
function Chart({ optsKey, makeOpts, data, draw, height = 170 }) {
  const box = useRef(null);
  const chart = useRef(null);
  const drawRef = useRef(draw);
  drawRef.current = draw;

  useEffect(() => {
    const opts = makeOpts();
    opts.width = box.current.clientWidth || 400;
    opts.height = height;
    opts.hooks = { ...opts.hooks, draw: [(u) => drawRef.current?.(u)] };
    const u = new uPlot(opts, data, box.current);
    chart.current = u;
    const ro = new ResizeObserver(() => {
      const width = box.current?.clientWidth;
      if (width && width !== u.width) u.setSize({ width, height });
    });
    ro.observe(box.current);
    return () => {
      ro.disconnect();
      u.destroy();
      chart.current = null;
    };
  }, [optsKey, height]);

  useEffect(() => {
    chart.current?.setData(data);
  }, [data]);

  return html`<div class="chart" ref=${box}></div>`;
}

const valueAxis = (label) => ({ ...AXIS, label, size: 60, values: (u, ticks) => ticks.map(num) });

function lineSeries(label) {
  return {
    label,
    stroke: COLOURS.line,
    width: 1.5,
    fill: COLOURS.fill,
    points: { size: 4 },
    value: (u, v) => (v == null ? '—' : num(v)),
  };
}

function ReadingsPlot({ store }) {
  const list = [...store.series.values()];
  const [chosen, setChosen] = useState(null);
  const newest = list.reduce((best, s) => (!best || s.updated > best.updated ? s : best), null);
  const current = (chosen && store.series.get(chosen)) || newest;
  // The default is the most recent series when the panel first has one; it then stays put, so
  // the plot does not jump between devices while someone is looking at it.
  useEffect(() => {
    if (!chosen && newest) setChosen(newest.key);
  }, [chosen, newest?.key]);

  const data = useMemo(
    () => (current ? [current.xs.slice(), current.ys.slice()] : [[], []]),
    [current, current?.rev],
  );
  const options = [...list].sort((a, b) => a.label.localeCompare(b.label));
  return html`<div class="plot-box">
    <div class="plot-head">
      <b>Readings</b>
      ${
        list.length
          ? html`<select
                data-testid="series-select"
                value=${current?.key}
                onChange=${(e) => setChosen(e.currentTarget.value)}
              >
                ${options.map((s) => html`<option key=${s.key} value=${s.key}>${s.label}${s.units ? ` (${s.units})` : ''} — ${s.worker}</option>`)}
              </select>
              ${current ? html`<span class="muted">${current.ys.length} points, last ${num(current.ys[current.ys.length - 1])}${current.units ? ` ${current.units}` : ''}</span>` : null}`
          : html`<span class="muted">no numeric readings yet</span>`
      }
    </div>
    ${
      current
        ? html`<${Chart}
            optsKey=${`readings ${current.key} ${current.units}`}
            data=${data}
            makeOpts=${() => ({
              scales: { x: { time: true } },
              series: [
                {},
                lineSeries(current.units ? `${current.label} (${current.units})` : current.label),
              ],
              axes: [AXIS, valueAxis(current.units ?? '')],
              legend: { show: true },
            })}
          />`
        : null
    }
  </div>`;
}

function AutofocusPlot({ store }) {
  const runs = store.autofocusRuns;
  const [chosen, setChosen] = useState(null);
  // Unlike readings, a new focusing run is what a person wants to see: follow the latest unless
  // one was picked.
  const run = (chosen && runs.find((r) => r.key === chosen)) || runs[runs.length - 1];
  const data = useMemo(
    () => (run ? [run.steps.map((s) => s.value), run.steps.map((s) => s.score)] : [[], []]),
    [run?.key],
  );
  const draw = (u) => {
    if (!run || run.best_value == null) return;
    const x = Math.round(u.valToPos(run.best_value, 'x', true));
    const { top, height } = u.bbox;
    const c = u.ctx;
    c.save();
    c.strokeStyle = COLOURS.best;
    c.setLineDash([5, 4]);
    c.lineWidth = 1.5;
    c.beginPath();
    c.moveTo(x, top);
    c.lineTo(x, top + height);
    c.stroke();
    c.restore();
  };
  return html`<div class="plot-box">
    <div class="plot-head">
      <b>Focusing</b>
      ${
        runs.length
          ? html`<select value=${run?.key} onChange=${(e) => setChosen(e.currentTarget.value)}>
                ${[...runs].reverse().map((r) => html`<option key=${r.key} value=${r.key}>${clock(r.time)} · ${r.parameter} by ${r.metric}${r.device ? ` · ${r.device}` : ''}</option>`)}
              </select>
              ${run ? html`<span class="muted" title=${run.message}>best ${run.parameter} ${num(run.best_value)} (${run.metric} ${num(run.best_score)}), dashed</span>` : null}`
          : html`<span class="muted">no autofocus run yet</span>`
      }
    </div>
    ${
      run
        ? html`<${Chart}
            optsKey=${`focus ${run.parameter} ${run.metric}`}
            data=${data}
            draw=${draw}
            makeOpts=${() => ({
              scales: { x: { time: false } },
              series: [
                { label: run.parameter, value: (u, v) => (v == null ? '—' : num(v)) },
                { ...lineSeries(run.metric), fill: undefined, points: { size: 6 } },
              ],
              axes: [
                { ...AXIS, label: run.parameter, values: (u, t) => t.map(num) },
                valueAxis(run.metric),
              ],
            })}
          />`
        : null
    }
  </div>`;
}

function FwhmPlot({ store }) {
  const f = store.fwhm;
  const data = useMemo(() => [f.xs.slice(), f.ys.slice()], [f.rev, f]);
  return html`<div class="plot-box">
    <div class="plot-head">
      <b>Line-scan FWHM</b>
      ${f.xs.length ? html`<span class="muted">${f.xs.length} scans, last ${num(f.ys[f.ys.length - 1])}</span>` : html`<span class="muted">no fitted line scan yet</span>`}
    </div>
    ${
      f.xs.length
        ? html`<${Chart}
            optsKey="fwhm"
            data=${data}
            makeOpts=${() => ({
              scales: { x: { time: true } },
              series: [{}, { ...lineSeries('FWHM'), points: { size: 5 } }],
              axes: [AXIS, valueAxis('FWHM')],
            })}
          />`
        : null
    }
  </div>`;
}

export function Plots({ store }) {
  return html`<section class="panel plots">
    <h2>Plots</h2>
    <${ReadingsPlot} store=${store} />
    <${AutofocusPlot} store=${store} />
    <${FwhmPlot} store=${store} />
  </section>`;
}
