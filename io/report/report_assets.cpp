// The inline style sheet and script of report.html. They name no external resource (no CDN, no
// web font): the page must work from a copied folder with no network.
#include "io/report/report_internal.hpp"

namespace tianyan::report_detail {

const char* const kReportCss = R"CSS(
body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 2em; color: #222; background: #fff; }
h1 { margin: 0; font-size: 1.5em; }
h2 { margin-top: 1.5em; border-bottom: 1px solid #ccc; }
.sub { color: #666; margin: 0.2em 0 1em; }
.figs { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; }
figure img { max-width: 480px; max-height: 360px; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; color: #666; }
#filters { margin: 0.5em 0; display: flex; flex-wrap: wrap; gap: 0.8em; align-items: center; }
#filters input { width: 7em; }
#cand-count { color: #666; }
table.cands { border-collapse: collapse; }
table.cands th, table.cands td { padding: 2px 8px; border-bottom: 1px solid #eee; }
table.cands td { text-align: right; font-variant-numeric: tabular-nums; }
table.cands td.text { text-align: left; }
table.cands td.files { white-space: nowrap; }
table.cands thead th { position: sticky; top: 0; background: #f4f4f4; }
table.cands th button { font: inherit; font-weight: bold; border: 0; background: none;
  cursor: pointer; padding: 0; }
th[aria-sort="ascending"] button::after { content: " \25B2"; }
th[aria-sort="descending"] button::after { content: " \25BC"; }
table.cands tbody tr:hover { background: #f6f9ff; }
img.thumb { height: 48px; display: block; }
table.kv { border-collapse: collapse; margin: 0.2em 0; }
table.kv th { text-align: left; vertical-align: top; padding: 2px 10px 2px 0; color: #444; }
table.kv td { padding: 2px 0; }
pre { background: #f7f7f7; padding: 0.5em; overflow: auto; max-height: 30em; margin: 0.2em 0; }
ul.list, ol.list { margin: 0.2em 0; padding-left: 1.5em; }
)CSS";

// Builds the candidate table from #cand-data with DOM calls only (textContent, setAttribute),
// so no string from the data is ever parsed as HTML. State (sort column, order, filters) starts
// from the URL parameters and is written back to the URL where the browser allows it.
const char* const kReportJs = R"JS(
(() => {
  'use strict';
  const rows = JSON.parse(document.getElementById('cand-data').textContent).rows;
  const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  // The value each column sorts by; null (absent, e.g. not folded) sorts last either way.
  const KEYS = new Map([
    ['rank', (r) => num(r.rank)],
    ['period', (r) => num(r.period_ms)],
    ['freq', (r) => num(r.freq_hz)],
    ['dm', (r) => num(r.dm)],
    ['accel', (r) => num(r.accel_ms2)],
    ['sigma', (r) => num(r.sigma)],
    ['snr', (r) => num(r.snr)],
    ['nharm', (r) => num(r.nharm)],
    ['dm_hits', (r) => num(r.dm_hits)],
    ['fold_snr', (r) => (r.folded ? num(r.fold_snr) : null)],
    ['redchi2', (r) => (r.folded ? num(r.redchi2) : null)],
    ['beam', (r) => String(r.beam).padStart(3, '0') + ' ' + r.scan],
  ]);
  // Columns where bigger is better start descending; the others ascending.
  const DESC_FIRST = new Set(['sigma', 'snr', 'nharm', 'dm_hits', 'fold_snr', 'redchi2']);
  const defaultOrder = (key) => (DESC_FIRST.has(key) ? 'desc' : 'asc');
  const FILTERS = ['min_sigma', 'dm_min', 'dm_max', 'p_min', 'p_max'];
  const state = { sort: 'rank', order: 'asc' };

  const params = new URLSearchParams(window.location.search);
  if (KEYS.has(params.get('sort'))) state.sort = params.get('sort');
  const order = params.get('order');
  state.order = order === 'asc' || order === 'desc' ? order : defaultOrder(state.sort);
  for (const id of FILTERS) {
    const v = params.get(id);
    if (v !== null && v.trim() !== '' && Number.isFinite(Number(v))) {
      document.getElementById(id).value = v;
    }
  }

  const filterValue = (id) => {
    const text = document.getElementById(id).value;
    const v = text.trim() === '' ? NaN : Number(text);
    return Number.isFinite(v) ? v : null;
  };
  const atLeast = (v, lo) => lo === null || (v !== null && v >= lo);
  const atMost = (v, hi) => hi === null || (v !== null && v <= hi);
  const passes = (r, f) =>
    atLeast(num(r.sigma), f.min_sigma) && atLeast(num(r.dm), f.dm_min) &&
    atMost(num(r.dm), f.dm_max) && atLeast(num(r.period_ms), f.p_min) &&
    atMost(num(r.period_ms), f.p_max);

  const compare = (a, b) => {
    const get = KEYS.get(state.sort);
    const va = get(a), vb = get(b);
    if (va === null || vb === null) {
      if (va !== vb) return va === null ? 1 : -1;
    } else if (va !== vb) {
      const c = typeof va === 'string' ? va.localeCompare(vb) : va - vb;
      if (c !== 0) return state.order === 'asc' ? c : -c;
    }
    return a.rank - b.rank;  // ties keep the search's ranking
  };

  const fmt = (v, digits) => (num(v) === null ? '\u2013' : v.toFixed(digits));
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  };
  const link = (href, label, title) => {
    const a = el('a', label);
    a.setAttribute('href', href);
    if (title) a.setAttribute('title', title);
    return a;
  };

  const makeRow = (r) => {
    const tr = el('tr');
    tr.dataset.rank = String(r.rank);
    const rank = el('td');
    rank.append(r.plot ? link(r.plot, String(r.rank), 'open the plot') : String(r.rank));
    const foldSnr = el('td', r.folded ? fmt(r.fold_snr, 1) : '\u2013');
    if (r.folded) {
      foldSnr.title =
          'folded at P = ' + fmt(r.fold_period_ms, 6) + ' ms, DM = ' + fmt(r.fold_dm, 2);
    }
    const beam = el('td', (r.beam > 0 ? 'M' + String(r.beam).padStart(2, '0') + ' ' : '') + r.scan,
                    'text');
    if (r.file) beam.title = r.file;
    const thumb = el('td');
    if (r.thumb) {
      const img = el('img', undefined, 'thumb');
      img.setAttribute('src', r.thumb);
      img.setAttribute('alt', 'candidate ' + r.rank);
      img.setAttribute('loading', 'lazy');
      const a = link(r.plot || r.thumb, undefined, 'open the plot');
      a.append(img);
      thumb.append(a);
    }
    const files = el('td', undefined, 'text files');
    if (r.plot) files.append(link(r.plot, 'plot', r.plot_name), ' ');
    if (r.archive) files.append(link(r.archive, 'archive', r.archive_name), ' ');
    if (r.summary) files.append(link(r.summary, 'summary', r.summary_name));
    tr.append(rank, el('td', fmt(r.period_ms, 6)), el('td', fmt(r.freq_hz, 6)),
              el('td', fmt(r.dm, 2)), el('td', fmt(r.accel_ms2, 2)), el('td', fmt(r.sigma, 2)),
              el('td', fmt(r.snr, 2)), el('td', String(r.nharm)), el('td', String(r.dm_hits)),
              foldSnr, el('td', r.folded ? fmt(r.redchi2, 2) : '\u2013'), beam, thumb, files);
    return tr;
  };

  const writeUrl = () => {
    const p = new URLSearchParams();
    if (state.sort !== 'rank' || state.order !== 'asc') {
      p.set('sort', state.sort);
      p.set('order', state.order);
    }
    for (const id of FILTERS) {
      if (filterValue(id) !== null) p.set(id, document.getElementById(id).value.trim());
    }
    const query = p.toString();
    try {
      history.replaceState(null, '', query ? '?' + query : window.location.pathname);
    } catch (e) {
      // Some browsers refuse to change the URL of a file:// page; the state is only lost on reload.
    }
  };

  const render = () => {
    const f = {};
    for (const id of FILTERS) f[id] = filterValue(id);
    const shown = rows.filter((r) => passes(r, f)).sort(compare);
    document.getElementById('cand-body').replaceChildren(...shown.map(makeRow));
    for (const th of document.querySelectorAll('#cand-table th[data-key]')) {
      if (th.dataset.key === state.sort) {
        th.setAttribute('aria-sort', state.order === 'asc' ? 'ascending' : 'descending');
      } else {
        th.removeAttribute('aria-sort');
      }
    }
    document.getElementById('cand-count').textContent =
        shown.length + ' of ' + rows.length + ' candidates shown';
  };

  for (const th of document.querySelectorAll('#cand-table th[data-key]')) {
    th.querySelector('button').addEventListener('click', () => {
      const key = th.dataset.key;
      if (state.sort === key) {
        state.order = state.order === 'asc' ? 'desc' : 'asc';
      } else {
        state.sort = key;
        state.order = defaultOrder(key);
      }
      render();
      writeUrl();
    });
  }
  for (const id of FILTERS) {
    document.getElementById(id).addEventListener('input', () => { render(); writeUrl(); });
  }
  document.getElementById('filter-reset').addEventListener('click', () => {
    for (const id of FILTERS) document.getElementById(id).value = '';
    render();
    writeUrl();
  });
  render();
})();
)JS";

}  // namespace tianyan::report_detail
