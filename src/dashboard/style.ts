/** The status page's own stylesheet (the chart library brings its own). Plain CSS, no external fonts or images. */
export const PAGE_STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; --ok: #1a7f37;
  --warn: #9a6700; --bad: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: #fff; }
header.top { display: flex; flex-wrap: wrap; gap: 4px 24px; align-items: baseline; padding: 12px 20px;
  border-bottom: 1px solid var(--line); background: var(--bg); }
header.top h1 { font-size: 18px; margin: 0; }
header.top .meta { color: var(--muted); }
#banner { margin: 12px 20px 0; padding: 8px 12px; border: 1px solid var(--bad); color: var(--bad); border-radius: 6px; }
#banner[hidden] { display: none; }
main { padding: 0 20px 24px; }
section.tenant { margin-top: 16px; }
section.tenant > h2 { font-size: 16px; margin: 8px 0; }
h3 { font-size: 14px; margin: 16px 0 6px; }
dl.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px; margin: 0; }
dl.tiles > div { border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; background: var(--bg); }
dl.tiles dt { color: var(--muted); font-size: 12px; }
dl.tiles dd { margin: 0; font-size: 16px; font-weight: 600; overflow-wrap: anywhere; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; margin-top: 12px; }
.chart { border: 1px solid var(--line); border-radius: 6px; padding: 6px; min-height: 120px; }
.chart h3 { margin: 0 0 4px; }
.chart .empty { color: var(--muted); padding: 24px 0; text-align: center; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.err { color: var(--bad); overflow-wrap: anywhere; }
.none { color: var(--muted); }
.s-done, .s-Completed, .s-Running, .s-waiting { color: var(--ok); }
.s-failed, .s-Failed, .s-Terminated, .s-retrying { color: var(--bad); }
.s-processing, .s-Pending { color: var(--warn); }
progress { width: 120px; vertical-align: middle; }
`;
