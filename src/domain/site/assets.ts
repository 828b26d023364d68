/**
 * The site's only stylesheet and script, written beside the pages: nothing loads from
 * elsewhere, and system fonts mean there is no font file to ship.
 */

export const SITE_CSS = `:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2328; background: #fff; }
header { border-bottom: 1px solid #d0d7de; background: #f6f8fa; }
nav { max-width: 1200px; margin: 0 auto; padding: 10px 20px; display: flex; gap: 18px; align-items: baseline; }
nav a { color: #1f2328; text-decoration: none; }
nav a[aria-current="page"] { font-weight: 600; border-bottom: 2px solid #2458a6; }
main { max-width: 1200px; margin: 0 auto; padding: 8px 20px 40px; }
footer { max-width: 1200px; margin: 0 auto; padding: 12px 20px 30px; color: #59636e; font-size: 13px; border-top: 1px solid #d0d7de; }
h1 { font-size: 26px; margin: 18px 0 6px; word-break: break-word; }
h2 { font-size: 19px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #d0d7de; }
a { color: #2458a6; }
.lead { font-size: 16px; color: #3d444d; margin: 0 0 10px; }
.note { color: #59636e; }
td a, td code { white-space: nowrap; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 14px; }
th, td { border: 1px solid #d0d7de; padding: 5px 10px; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; font-weight: 600; }
td .num, td.num { font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fafbfc; }
[hidden] { display: none !important; }
.tag { display: inline-block; padding: 0 8px; border-radius: 10px; background: #eef2f8; color: #2458a6; font-size: 13px; text-decoration: none; }
.alias { display: inline-block; padding: 0 6px; border-radius: 4px; background: #fdf0e6; color: #9a3412; font-weight: 600; font-size: 13px; }
#alias-table td:first-child .alias { font-size: 15px; }
.filters { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; margin: 8px 0 4px; }
.filters input, .filters select { font: inherit; padding: 3px 6px; margin-left: 4px; }
.filters input { width: 22em; }
figure { margin: 0; overflow-x: auto; }
.chart { max-width: 100%; height: auto; border: 1px solid #d0d7de; }
details { margin: 6px 0; }
summary { cursor: pointer; }
.card-fields th { background: #f6f8fa; }
.card-body { max-width: 860px; }
.card-body pre { background: #f6f8fa; padding: 10px; overflow-x: auto; }
.card-body img { max-width: 100%; }
`

/** Search and tag filter for the models list; without it the full list is simply shown. */
export const SITE_JS = `'use strict';
(function () {
  var table = document.getElementById('models');
  var form = document.getElementById('filters');
  if (!table || !form) return;
  var query = document.getElementById('q');
  var tag = document.getElementById('tag');
  var count = document.getElementById('count');
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var params = new URLSearchParams(window.location.search);
  if (params.get('q')) query.value = params.get('q');
  if (params.get('tag')) tag.value = params.get('tag');
  function apply() {
    var text = query.value.trim().toLowerCase();
    var wanted = tag.value;
    var shown = 0;
    rows.forEach(function (row) {
      var tags = ' ' + row.getAttribute('data-tags') + ' ';
      var match = (!text || row.getAttribute('data-search').indexOf(text) >= 0) && (!wanted || tags.indexOf(' ' + wanted + ' ') >= 0);
      row.hidden = !match;
      if (match) shown++;
    });
    count.textContent = shown + ' of ' + rows.length + ' models';
  }
  form.addEventListener('submit', function (event) { event.preventDefault(); });
  query.addEventListener('input', apply);
  tag.addEventListener('change', apply);
  form.hidden = false;
  apply();
})();
`

/** The tab icon: a small drawing, so browsers do not ask the server for /favicon.ico. */
export const SITE_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#2458a6"/><path d="M4 11V5l4 3 4-3v6" fill="none" stroke="#fff" stroke-width="1.6"/></svg>
`
