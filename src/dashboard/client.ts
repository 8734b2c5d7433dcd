/**
 * The status page's browser script, served inline (the page is one self-contained response). It reads the JSON
 * routes next to the page — GET status and GET windows under the same /api/pipeline/ path — with the function key
 * the page itself was opened with (`?code=`), and redraws every `data-refresh` seconds.
 *
 * Every field is optional: an older app, a loop that has not run yet or a partial answer renders what is there and
 * leaves the rest as "—". Text from the API is only ever set as textContent, never parsed as HTML.
 *
 * What the charts plot, per window start (content types added together), from GET /api/pipeline/windows:
 * - records seen and rows ingested: the sum over every run of the window (a rewound window's re-read records count
 *   again; its rows do not, since ingestion drops rows already in the table);
 * - lag: minutes between the window's end and the end of its last successful live run (`lagMinutes` of the run when
 *   the API gives it), the largest over content types;
 * - throttles, server errors and failed runs summed over runs;
 * - parked blobs (newly parked, `counts.parked`) and alerts pending (`counts.pendingAlerts`, else the alerts the
 *   window held back for a verdict, `counts.waitingAlerts`).
 * A figure no run of the window reported is a gap, not a zero.
 *
 * It is plain ES2017 in a string (no template literals, so it can sit in one here) because the project compiles
 * without DOM types; the browser test exercises it in Chromium.
 */
export const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var code = params.get('code') || '';
  var tenantParam = params.get('tenant');
  var refreshSeconds = Number(document.body.getAttribute('data-refresh')) || 30;
  var state = { charts: {}, figures: {}, status: null, windows: null, refreshes: 0, error: null };
  window.__dashboard = state;

  function isNum(v) { return typeof v === 'number' && isFinite(v); }
  function fmtNum(v) { return isNum(v) ? v.toLocaleString('en-US') : '\u2014'; }
  function fmtText(v) { return v === undefined || v === null || v === '' ? '\u2014' : String(v); }
  function arr(v) { return Array.isArray(v) ? v : []; }
  function obj(v) { return v && typeof v === 'object' && !Array.isArray(v) ? v : {}; }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (attrs[k] === undefined || attrs[k] === null) return;
      if (k === 'text') e.textContent = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    arr(children).forEach(function (c) { if (c) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }

  function api(name, extra) {
    var q = new URLSearchParams(extra || {});
    if (code) q.set('code', code);
    if (tenantParam) q.set('tenant', tenantParam);
    var qs = q.toString();
    return fetch(name + (qs ? '?' + qs : ''), { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (res) {
        return res.text().then(function (text) {
          var body = null;
          try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
          if (!res.ok) {
            var msg = res.status === 401
              ? 'The function key is missing or wrong: open this page with ?code=<function key>.'
              : name + ' answered ' + res.status + (body && body.error ? ': ' + (body.error.message || body.error) : '');
            throw new Error(msg);
          }
          return body;
        });
      });
  }

  function checkpointOf(t) {
    var loop = obj(t.loop);
    if (typeof loop.checkpoint === 'string') return loop.checkpoint;
    if (typeof t.checkpoint === 'string') return t.checkpoint;
    return obj(t.checkpoint).nextStart;
  }
  function totalsOf(t) { return obj(obj(t.loop).totals || obj(t.checkpoint).totals); }
  function lagOf(t) {
    var loop = obj(t.loop);
    return isNum(loop.lagMinutes) ? loop.lagMinutes : t.lagMinutes;
  }
  function dataLossOf(t) {
    if (Array.isArray(t.dataLoss)) return t.dataLoss;
    if (Array.isArray(obj(t.loop).dataLoss)) return t.loop.dataLoss;
    return arr(obj(t.checkpoint).dataLoss);
  }

  /** Per window start: the figures the charts plot (see the comment at the top of client.ts). */
  function aggregate(windows) {
    var byStart = {};
    arr(windows).forEach(function (w) {
      var start = Date.parse(w && w.windowStart);
      if (!isFinite(start)) return;
      var end = Date.parse(w.windowEnd);
      var p = byStart[start] || (byStart[start] = { t: start / 1000, recordsSeen: null, ingested: null, lag: null,
        throttled: null, serverErrors: null, failedRuns: 0, parked: null, pending: null });
      arr(w.runs).forEach(function (r) {
        r = obj(r);
        var c = obj(r.counts);
        function add(key, v) { if (isNum(v)) p[key] = (p[key] || 0) + v; }
        add('recordsSeen', c.recordsSeen);
        add('ingested', c.ingested);
        add('throttled', c.throttled);
        add('serverErrors', c.serverErrors);
        add('parked', c.parked);
        add('pending', isNum(c.pendingAlerts) ? c.pendingAlerts : c.waitingAlerts);
        if (r.status === 'failed') p.failedRuns += 1;
        if ((r.kind === 'live' || r.kind === undefined) && r.status === 'done') {
          var lag = isNum(r.lagMinutes) ? r.lagMinutes
            : isFinite(end) && isFinite(Date.parse(r.at)) ? Math.max(0, Math.round((Date.parse(r.at) - end) / 60000)) : null;
          if (isNum(lag)) p.lag = p.lag === null ? lag : Math.max(p.lag, lag);
        }
      });
    });
    return Object.keys(byStart).map(Number).sort(function (a, b) { return a - b; }).map(function (k) { return byStart[k]; });
  }

  var CHARTS = [
    { id: 'volume', title: 'Records seen and rows ingested per window',
      series: [['recordsSeen', 'records seen', '#0969da'], ['ingested', 'rows ingested', '#1a7f37']] },
    { id: 'lag', title: 'Lag at the end of each window (minutes)', series: [['lag', 'lag (min)', '#8250df']] },
    { id: 'faults', title: 'Throttles and failures per window',
      series: [['throttled', 'throttled', '#bf8700'], ['serverErrors', 'server errors', '#cf222e'],
        ['failedRuns', 'failed runs', '#6e7781']] },
    { id: 'backlog', title: 'Parked blobs and alerts pending per window',
      series: [['parked', 'parked blobs', '#bc4c00'], ['pending', 'alerts pending', '#1b7c83']] },
  ];

  function chartData(spec, points) {
    var data = [points.map(function (p) { return p.t; })];
    spec.series.forEach(function (s) { data.push(points.map(function (p) { return p[s[0]]; })); });
    return data;
  }

  function pad2(n) { return n < 10 ? '0' + n : String(n); }
  /** 24-hour UTC tick labels, with the date under the first tick of each day. */
  function timeLabels(u, splits) {
    var lastDay = null;
    return splits.map(function (s) {
      var d = new Date(s * 1000);
      var day = d.getUTCFullYear() + '-' + pad2(d.getUTCMonth() + 1) + '-' + pad2(d.getUTCDate());
      var label = pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes());
      if (day !== lastDay) label += '\n' + day;
      lastDay = day;
      return label;
    });
  }

  function drawChart(box, key, spec, points) {
    var data = chartData(spec, points);
    state.figures[key] = data;
    var holder = box.querySelector('.plot');
    var empty = box.querySelector('.empty');
    var has = points.length > 0;
    empty.hidden = has;
    holder.hidden = !has;
    var existing = state.charts[key];
    if (!has) return;
    if (existing) { existing.setData(data); return; }
    var width = Math.max(300, holder.clientWidth || box.clientWidth - 12 || 600);
    var opts = {
      width: width, height: 200,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); },
      scales: { x: { time: true } },
      series: [{ label: 'window start (UTC)' }].concat(spec.series.map(function (s) {
        return { label: s[1], stroke: s[2], width: 2, points: { show: true, size: 5 }, spanGaps: false };
      })),
      axes: [{ values: timeLabels }, { size: 56 }],
    };
    state.charts[key] = new uPlot(opts, data, holder);
  }

  // Per-stage latency of a window run, p95 seconds (docs/operations.md, "Per-stage latency").
  var STAGES = [
    ['creationToContentCreated', 'created\u2192blob'], ['contentCreatedToListed', 'listed'],
    ['listedToFetched', 'fetched'], ['fetchedToHanded', 'handed'], ['handedToQueryable', 'queryable'],
  ];
  function fmtSeconds(v) { return isNum(v) ? (v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US')) : '\u2014'; }
  function latencyText(latency) {
    latency = obj(latency);
    if (!Object.keys(latency).length) return '\u2014';
    return STAGES.map(function (s, i) {
      return (i ? '\u2192' : '') + s[1] + ' ' + fmtSeconds(obj(latency[s[0]]).p95);
    }).join(' ');
  }
  function lastLatency(t) {
    var runs = arr(t.recentWindows).map(function (w) { return obj(obj(w).lastRun).latency; })
      .filter(function (l) { return Object.keys(obj(l)).length > 0; });
    return runs[runs.length - 1];
  }

  function tiles(t) {
    var loop = obj(t.loop);
    var totals = totalsOf(t);
    var parked = obj(t.parked);
    var faults = obj(t.faults);
    var cw = obj(loop.currentWindow);
    var items = [
      ['runtimeStatus', 'Runtime status', fmtText(t.runtimeStatus)],
      ['state', 'Loop state', fmtText(loop.state)],
      ['checkpoint', 'Checkpoint (next window start)', fmtText(checkpointOf(t))],
      ['lagMinutes', 'Lag (minutes)', fmtNum(lagOf(t))],
      ['currentWindow', 'Current window', cw.start ? cw.start + ' \u2192 ' + fmtText(cw.end) + ' (attempt ' + fmtText(cw.attempt) + ')' : '\u2014'],
      ['nextWakeAt', 'Next wake', fmtText(loop.nextWakeAt)],
      ['windowsDone', 'Windows done', fmtNum(isNum(loop.windowsDone) ? loop.windowsDone : obj(t.checkpoint).windowsDone)],
      ['recordsSeen', 'Records seen (total)', fmtNum(totals.recordsSeen)],
      ['ingested', 'Rows ingested (total)', fmtNum(totals.ingested)],
      ['pendingAlerts', 'Alerts pending', fmtNum(loop.pendingAlerts)],
      ['parked', 'Parked blobs', fmtNum(parked.count) + (isNum(parked.hoursToNextExpiry) ? ' (next expiry in ' + parked.hoursToNextExpiry.toFixed(1) + ' h)' : '')],
      ['requests', 'O365 requests', fmtNum(faults.requests)],
      ['throttled', 'Throttled', fmtNum(faults.throttled)],
      ['serverErrors', 'Server errors', fmtNum(faults.serverErrors)],
      ['latency', 'Last window, p95 seconds per stage', latencyText(lastLatency(t))],
      ['queuedQueryable', 'Queued batches, handed \u2192 queryable p95 (s)', fmtSeconds(obj(obj(t.ingestions).handedToQueryable).p95)],
    ];
    return el('dl', { class: 'tiles' }, items.map(function (i) {
      return el('div', null, [el('dt', { text: i[1] }), el('dd', { 'data-field': i[0], text: i[2] })]);
    }));
  }

  function table(name, headers, rows) {
    if (!rows.length) return el('p', { class: 'none', 'data-table': name, text: 'None.' });
    return el('table', { 'data-table': name }, [
      el('thead', null, [el('tr', null, headers.map(function (h) { return el('th', { text: h }); }))]),
      el('tbody', null, rows.map(function (cells) {
        return el('tr', null, cells.map(function (c) {
          if (c && c.nodeType) return el('td', null, [c]);
          if (c && typeof c === 'object') return el('td', { class: c.cls, text: c.text });
          return el('td', { class: isNum(c) ? 'num' : null, text: isNum(c) ? fmtNum(c) : fmtText(c) });
        }));
      })),
    ]);
  }

  function statusCell(s) { return { cls: 's-' + String(s), text: fmtText(s) }; }

  function rewindRows(t) {
    return arr(t.rewinds).map(function (r) {
      r = obj(r);
      var done = isNum(r.windowsDone) ? r.windowsDone : null;
      var total = isNum(r.windowsTotal) ? r.windowsTotal : null;
      var bar = el('span', null, [
        total ? el('progress', { max: String(total), value: String(done || 0) }) : null,
        ' ' + fmtText(done) + ' / ' + fmtText(total),
      ]);
      return [r.instanceId, statusCell(r.runtimeStatus), r.from, r.to, r.state, bar, { cls: 'err', text: fmtText(r.lastError) }];
    });
  }

  function errorRows(t) {
    var rows = [];
    arr(obj(t.loop).recentFailures).forEach(function (f) {
      f = obj(f); rows.push([f.at, 'window ' + fmtText(f.window) + ' attempt ' + fmtText(f.attempt), { cls: 'err', text: fmtText(f.error) }]);
    });
    arr(t.rewinds).forEach(function (r) {
      r = obj(r); if (r.lastError) rows.push([null, 'rewind ' + fmtText(r.instanceId), { cls: 'err', text: r.lastError }]);
    });
    arr(obj(t.parked).blobs).forEach(function (b) {
      b = obj(b); if (b.lastError) rows.push([null, 'parked ' + fmtText(b.contentId), { cls: 'err', text: b.lastError }]);
    });
    arr(t.recentWindows).forEach(function (w) {
      var last = obj(obj(w).lastRun);
      if (last.error) rows.push([last.at, fmtText(w.contentType) + ' ' + fmtText(w.windowStart), { cls: 'err', text: last.error }]);
    });
    return rows.slice(-20);
  }

  function renderTenant(t, index, windows, multi) {
    var key = t.tenantId || String(index);
    var section = document.getElementById('tenant-' + key);
    if (!section) {
      section = el('section', { class: 'tenant', id: 'tenant-' + key, 'data-tenant': key }, [
        el('h2'), el('div', { class: 'tiles-slot' }), el('div', { class: 'charts' }, CHARTS.map(function (c) {
          return el('div', { class: 'chart', 'data-chart': c.id }, [
            el('h3', { text: c.title }), el('div', { class: 'plot' }),
            el('div', { class: 'empty', text: 'No windows in the range yet.' }),
          ]);
        })), el('div', { class: 'details' }),
      ]);
      document.getElementById('tenants').appendChild(section);
    }
    section.querySelector('h2').textContent = multi || t.tenantName || t.tenantId
      ? 'Tenant ' + fmtText(t.tenantName || t.tenantId) + (t.tenantName && t.tenantId ? ' (' + t.tenantId + ')' : '')
      : 'Pipeline';
    var tilesSlot = section.querySelector('.tiles-slot');
    tilesSlot.replaceChildren(tiles(t));

    var mine = arr(windows).filter(function (w) { return !multi || (w && w.tenantId === t.tenantId); });
    var points = aggregate(mine);
    CHARTS.forEach(function (c) {
      drawChart(section.querySelector('[data-chart="' + c.id + '"]'), key + ':' + c.id, c, points);
    });

    var parked = obj(t.parked);
    var details = section.querySelector('.details');
    details.replaceChildren(
      el('h3', { text: 'Recent windows' }),
      table('recentWindows', ['content type', 'window start', 'window end', 'status', 'blobs', 'runs', 'last run', 'p95 s per stage'],
        arr(t.recentWindows).map(function (w) {
          w = obj(w); var last = obj(w.lastRun);
          return [w.contentType, w.windowStart, w.windowEnd, statusCell(w.status), w.blobs, w.runs,
            last.status ? fmtText(last.kind) + ' ' + last.status + ' at ' + fmtText(last.at) : '\u2014',
            latencyText(last.latency)];
        })),
      el('h3', { text: 'Rewinds' }),
      table('rewinds', ['instance', 'runtime status', 'from', 'to', 'state', 'progress (windows)', 'last error'], rewindRows(t)),
      el('h3', { text: 'Parked blobs' }),
      table('parked', ['content type', 'content id', 'created', 'expires', 'attempts', 'last error'],
        arr(parked.blobs).slice(0, 50).map(function (b) {
          b = obj(b);
          return [b.contentType, b.contentId, b.contentCreated, b.contentExpiration, b.attempts, { cls: 'err', text: fmtText(b.lastError) }];
        })),
      el('h3', { text: 'Data loss' }),
      table('dataLoss', ['from', 'to', 'content id', 'reason'], dataLossOf(t).map(function (d) {
        d = obj(d); return [d.from, d.to, d.contentId, d.reason];
      })),
      el('h3', { text: 'Last errors' }),
      table('errors', ['at', 'where', 'error'], errorRows(t))
    );
  }

  function render(status, windowsBody) {
    var tenants = Array.isArray(status.tenants) && status.tenants.length ? status.tenants : [status];
    var multi = tenants.length > 1;
    var windows = arr(obj(windowsBody).windows);
    tenants.forEach(function (t, i) { renderTenant(obj(t), i, windows, multi); });
    document.getElementById('updated').textContent =
      'updated ' + new Date().toISOString() + (status.now ? ' (pipeline time ' + status.now + ')' : '') +
      ' \u00b7 refresh every ' + refreshSeconds + ' s' +
      (windowsBody && windowsBody.from ? ' \u00b7 windows ' + windowsBody.from + ' \u2192 ' + windowsBody.to : '');
  }

  function showError(message) {
    var banner = document.getElementById('banner');
    banner.textContent = message || '';
    banner.hidden = !message;
  }

  function refresh() {
    return api('status').then(function (status) {
      status = obj(status);
      var windowsQuery = {};
      // The route's default range is the 24 hours before its own now; anchor it on the status's now when given.
      if (typeof status.now === 'string' && isFinite(Date.parse(status.now))) windowsQuery.to = status.now;
      return api('windows', windowsQuery).catch(function (e) { state.error = e.message; return null; })
        .then(function (windowsBody) {
          state.status = status;
          state.windows = windowsBody;
          render(status, windowsBody);
          showError(windowsBody ? null : 'Windows could not be read: ' + state.error);
        });
    }).catch(function (e) {
      state.error = e.message;
      showError(e.message);
    }).then(function () {
      state.refreshes += 1;
      document.body.setAttribute('data-refreshes', String(state.refreshes));
      setTimeout(refresh, refreshSeconds * 1000);
    });
  }

  window.addEventListener('resize', function () {
    Object.keys(state.charts).forEach(function (k) {
      var u = state.charts[k];
      var w = u.root.parentNode.clientWidth;
      if (w > 0) u.setSize({ width: w, height: 200 });
    });
  });
  refresh();
})();
`;
