# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration report's HTML page, a Jinja2 template rendered with autoescape (module_utils.report_html):
every value is escaped where the template writes it, so no value can become markup.

It is text in a Python module, not a file beside it, because module_utils travel as Python modules: the
template then goes wherever report_html goes (the repository, an installed collection, an AnsiballZ
payload) and is found the same way.

The fonts: Segoe UI and Arial for Latin text, then, for names in Korean, Japanese or Chinese, the CJK fonts of
Linux (Noto Sans CJK, Debian's fonts-noto-cjk), Windows and macOS, Korean first, so that such names are
drawn, not shown as boxes, wherever one of them is installed.

The environment trims the newline after a block tag and the indentation before it (trim_blocks,
lstrip_blocks); a backslash at the end of a line joins it to the next, as in any Python string.

Variables: ``report`` (report_html.build_report's document), ``title``, ``chart`` (report_html.chart's
geometry, or None), ``tables`` (report_html.page_tables': the long tables, each with its inline rows and, when
it is too long to show whole, its every row as embedded JSON), ``left_text`` (what was left behind, counted),
and ``script`` with ``script_source`` (LAZY_TABLES_SCRIPT and its CSP hash, None when no table needs it).
``None`` is written as an empty string (the environment's ``finalize``).

The page opens with summaries; a long table lists every row only when the reader opens it: the one inline
script, LAZY_TABLES_SCRIPT, builds those rows from the table's JSON data block (a <script
type="application/json">, which no browser runs), as text nodes (never markup), a page of rows at a time. The
Content-Security-Policy allows that script by its SHA-256 and nothing else; a browser without script still
shows the summaries and the notable rows, and says that report.json lists everything.
"""

from __future__ import annotations

# Fills a long table when its <details> first opens, then a page more per click of its button; rows come from
# the table's JSON data block and every value is written as text (textContent), so no value becomes markup.
LAZY_TABLES_SCRIPT = """
(function () {
  "use strict";
  var PAGE = 1000;
  function cell(value, kind) {
    var td = document.createElement("td");
    if (kind === "number") { td.className = "n"; }
    else if (kind === "error") { td.className = "error"; }
    else if (kind === "status" && value !== null) { td.className = String(value); }
    td.textContent = value === null || value === undefined ? "" : String(value);
    return td;
  }
  function fill(details) {
    var data = JSON.parse(document.getElementById(details.getAttribute("data-rows")).textContent);
    var body = details.querySelector("tbody"), more = details.querySelector("button.more"), shown = 0;
    function page() {
      var rows = document.createDocumentFragment(), end = Math.min(shown + PAGE, data.rows.length);
      for (; shown < end; shown++) {
        var tr = document.createElement("tr"), row = data.rows[shown];
        for (var index = 0; index < row.length; index++) { tr.appendChild(cell(row[index], data.columns[index].kind)); }
        rows.appendChild(tr);
      }
      body.appendChild(rows);
      var left = data.rows.length - shown;
      more.hidden = left === 0;
      more.textContent = "Show " + Math.min(PAGE, left) + " more of the " + left + " not shown";
    }
    more.addEventListener("click", page);
    page();
  }
  var tables = document.querySelectorAll("details.lazy");
  for (var index = 0; index < tables.length; index++) {
    tables[index].addEventListener("toggle", function (event) {
      var details = event.target;
      if (details.open && !details.hasAttribute("data-filled")) { details.setAttribute("data-filled", ""); fill(details); }
    });
  }
})();
"""

PAGE = """\
{#- A table: the header, then one row per item, its cells written by the caller. -#}
{% macro table(header, items) -%}
<table><tr>{% for title in header %}<th>{{ title }}</th>{% endfor %}</tr>
{% for item in items %}
<tr>{{ caller(item) }}</tr>
{% endfor %}
</table>
{%- endmacro %}
{#- A cell; numbers are right-aligned (class n). -#}
{% macro td(value, css=none, numeric=false) -%}
<td{% if css or numeric %} class="{{ [css, 'n' if numeric] | select | join(' ') }}"{% endif %}>{{ value }}</td>
{%- endmacro %}
{#- A cell of a long table, by its column's kind (report_html._COLUMNS). -#}
{% macro kind_td(value, kind) -%}
{{ td(value, 'error' if kind == 'error' else value if kind == 'status' else none, kind == 'number') }}
{%- endmacro %}
{#- Rows of a long table (lists of cells). -#}
{% macro rows_table(t, rows) -%}
{% call(row) table(t.columns | map(attribute='title'), rows) -%}
  {% for value in row %}{{ kind_td(value, t.columns[loop.index0].kind) }}{% endfor %}
{%- endcall %}
{%- endmacro %}
{#- A long table: whole when short; else its notable rows, then every row when the reader opens it. -#}
{% macro long_table(t) -%}
{% if t.data is none %}
{{ rows_table(t, t.rows) }}
{% else %}
<p id="{{ t.id }}-note">{{ t.note }}</p>
{% if t.rows %}
{{ rows_table(t, t.rows) }}
{% endif %}
<details class="lazy" id="{{ t.id }}-all" data-rows="{{ t.id }}-data"><summary>All {{ t.total }} {{ t.noun }}</summary>
<table><thead><tr>{% for column in t.columns %}<th>{{ column.title }}</th>{% endfor %}</tr></thead><tbody></tbody></table>
<p><button type="button" class="more" hidden></button></p>
<noscript><p>This browser runs no script: report.json, beside this page, lists every row.</p></noscript>
</details>
<script type="application/json" id="{{ t.id }}-data">{{ t.data }}</script>
{% endif %}
{%- endmacro %}
{#- A finding's first ten objects, each with its 2013 name when it has another. -#}
{% macro finding_objects(finding) -%}
{% set objects = finding.objects or [] %}
{% for item in objects[:10] %}{{ '; ' if not loop.first }}{{ item.object }}
{%- if item.name and item.name != item.object %} \u2192 {{ item.name }}{% endif %}{% endfor %}
{{- '; \u2026' if objects | length > 10 or finding.objects_truncated }}
{%- endmacro %}
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">\
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:\
{% if script_source %}; script-src {{ script_source }}{% endif %}">\
<title>{{ title }}</title><style>
body,svg text{font-family:"Segoe UI",Arial,"Noto Sans CJK KR","Malgun Gothic","Apple SD Gothic Neo","Noto Sans CJK JP",\
"Yu Gothic","Hiragino Sans","Noto Sans CJK SC","Microsoft YaHei","PingFang SC","Noto Sans CJK TC","Microsoft JhengHei",\
sans-serif}
body{font-size:14px;margin:24px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:8px 0;max-width:100%}
td,th{border:1px solid #bbb;padding:3px 8px;text-align:left;vertical-align:top}td:last-child{overflow-wrap:anywhere}
th{background:#eee}td.n{text-align:right}.ok,.passed{color:#176117}.failed,.error,.missing,.differs{color:#a00000}
.warning,.left-behind{color:#8a5a00}.info{color:#345}.badge{font-weight:bold;padding:2px 8px;border:2px solid}
summary{cursor:pointer}
svg text{font-size:12px}
</style></head><body>
<h1>{{ title }}</h1>
{% set left = report.left_behind %}
<p>Result: <span id="status" class="badge {{ report.status }}{{ ' left-behind' if left }}">{{ report.status | upper }}</span>\
{% if left %} <span id="left-behind-result" class="left-behind">with data left behind: {{ left_text }}</span>{% endif %}\
 &mdash; generated {{ report.generated }}</p>
<h2 id="stages">Stages</h2>
{% if report.stages %}
{% call(stage) table(["Stage", "Status", "Attempts", "Started", "Finished", "Seconds"], report.stages) -%}
  {{- td(stage.name) }}{{ td(stage.status, (stage.status or '') | lower) }}{{ td(stage.attempts, numeric=true) }}
  {{- td(stage.started) }}{{ td(stage.finished) }}
  {{- td('' if stage.duration is none else '%.1f' | format(stage.duration), numeric=true) -}}
{%- endcall %}

{% for stage in report.stages if stage.steps or (stage.attempts or 0) > 1 %}
<details class="stage" id="stage-{{ stage.name }}"{{ ' open' if (stage.attempts or 0) > 1 }}>\
<summary>{{ stage.name }}: {{ stage.attempts or 0 }} attempt(s), {{ (stage.steps or []) | length }} step(s)</summary>
{% if (stage.attempts or 0) > 1 %}
{% call(attempt) table(["Attempt", "Outcome", "Started", "Finished", "Failed at step", "Error"], stage.attempt_history or []) -%}
  {{- td(attempt.number, numeric=true) }}{{ td(attempt.status, attempt.status) }}{{ td(attempt.started) }}
  {{- td(attempt.finished) }}{{ td(attempt.failed_step) }}{{ td(attempt.error) -}}
{%- endcall %}

{% endif %}
{% if stage.steps %}
{% call(step) table(["Step", "Status", "Attempts", "Started", "Finished", "Error"], stage.steps) -%}
  {{- td(step.name) }}{{ td(step.status, (step.status or '') | lower) }}{{ td(step.attempts, numeric=true) }}
  {{- td(step.started) }}{{ td(step.finished) }}{{ td(step.error) -}}
{%- endcall %}

{% endif %}
</details>
{% endfor %}
{% else %}
<p>No stage was recorded.</p>
{% endif %}
{% if report.checks %}
<h2 id="checks">Checks</h2>
{% call(check) table(["Check", "Result", "Detail"], report.checks) -%}
  {{- td(check.name) }}{{ td(check.status, 'passed' if check.status == 'passed' else 'failed') }}{{ td(check.detail) -}}
{%- endcall %}

{% endif %}
{% if left %}
<h2 id="left-behind">Left behind in the legacy database</h2>
<p id="left-behind-summary" class="left-behind">{{ left_text }} stayed in the legacy database: \
Import left them out for the readiness errors below\
{{ ', accepted at cutover (%s)' | format(report.accepted_at_cutover | join(', ')) if report.accepted_at_cutover }}.\
{{ ' Their messages were not counted (a parity result recorded before it counted them).' if not left.messages_counted }}</p>
{{ long_table(tables['left-behind']) }}
{% endif %}
<h2 id="readiness">Readiness</h2>
{% set readiness = report.readiness %}
{% if readiness %}
{% set summary = readiness.summary or {} %}
<p>{{ '%d error(s), %d warning(s), %d info' | format(summary.errors or 0, summary.warnings or 0, summary.info or 0) }}; \
blocking: {{ (summary.blocking or []) | join(', ') or 'none' }}; \
acknowledged: {{ (summary.acknowledged or []) | join(', ') or 'none' }}</p>
{% call(finding) table(["Id", "Severity", "Count", "Finding", "Objects"], readiness.findings or []) -%}
  {{- td(finding.id) }}{{ td(finding.severity, finding.severity) }}{{ td(finding.count, numeric=true) }}
  {{- td(finding.title) }}{{ td(finding_objects(finding)) -}}
{%- endcall %}

{% else %}
<p>Not run.</p>
{% endif %}
<h2 id="parity">Parity</h2>
{% set parity = report.parity %}
{% if parity %}
{% set counts = parity.counts or {} %}
<p>Parity <span id="parity-status" class="{{ 'passed' if parity.passed else 'failed' }}">\
{{- 'passed' if parity.passed else 'FAILED' }}</span>: \
{{ '%d difference(s); %d rooms compared; messages %d in the legacy database, %d in 2013' | format(
     parity.differences_total or 0, counts.rooms_compared or 0, counts.messages_legacy or 0,
     counts.messages_target or 0) }} (compared by {{ parity.messages_mode }}).</p>
<h3>Messages per category, before and after</h3>
<div id="chart">
{%- if chart %}
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Messages per category, before and after" \
width="{{ chart.width }}" height="{{ chart.height }}" viewBox="0 0 {{ chart.width }} {{ chart.height }}">
<rect x="{{ chart.label_width }}" y="4" width="12" height="10" fill="#4a78b5"/>\
<text x="{{ chart.label_width + 16 }}" y="13">before (legacy)</text>
<rect x="{{ chart.label_width + 140 }}" y="4" width="12" height="10" fill="#e08a2c"/>\
<text x="{{ chart.label_width + 156 }}" y="13">after (2013)</text>
{% for bar in chart.bars %}
<g class="category" data-category="{{ bar.name }}" data-before="{{ bar.before }}" data-after="{{ bar.after }}">
<title>{{ bar.name }}: {{ bar.before }} before, {{ bar.after }} after</title>
<text x="{{ chart.label_width - 6 }}" y="{{ bar.y + 14 }}" text-anchor="end">{{ bar.label }}</text>
<rect class="before" x="{{ chart.label_width }}" y="{{ bar.y + 2 }}" width="{{ bar.before_width }}" height="10" fill="#4a78b5"/>
<rect class="after" x="{{ chart.label_width }}" y="{{ bar.y + 13 }}" width="{{ bar.after_width }}" height="10" fill="#e08a2c"/>
<text x="{{ chart.label_width + chart.bar_width + 6 }}" y="{{ bar.y + 14 }}">{{ bar.before }} / {{ bar.after }}</text>
</g>
{% endfor %}
</svg>
{%- if chart.categories > chart.bars | length -%}
<p>The {{ chart.bars | length }} categories with the most messages are charted; all {{ chart.categories }} are in \
the table below.</p>
{%- endif %}
{%- else -%}
<p>No category to chart.</p>
{%- endif -%}
</div>
{% if parity.differences %}
<h3>Differences</h3>
{{ long_table(tables.differences) }}
{% endif %}
{% if parity.explained %}
<h3>Documented transformations (not differences)</h3>
{% call(item) table(["Transformation", "Items"], parity.explained | dictsort(case_sensitive=true)) -%}
  {{- td(item[0]) }}{{ td(item[1], numeric=true) -}}
{%- endcall %}

{% endif %}
{% if parity.assumed and parity.assumed.expectations %}
<h3>Expectations resting on assumptions</h3>
<p id="parity-assumed">{{ '%d expectation(s), %d of them on rooms, rest on transformations Microsoft does not document: \
the lab makes the same assumptions, so on real servers a difference there may mean the assumption is wrong.' | format(
     parity.assumed.expectations, parity.assumed.rooms) }}</p>
{% call(item) table(["Assumed transformation", "Items"], parity.assumed.by_transformation | dictsort(case_sensitive=true)) -%}
  {{- td(item[0]) }}{{ td(item[1], numeric=true) -}}
{%- endcall %}

{% endif %}
<h3>Categories</h3>
{{ long_table(tables.categories) }}
{% if tables.rooms is defined %}
<h3>Rooms</h3>
{% set t = tables.rooms %}
{% if t.data is none %}
<details><summary>{{ t.total }} rooms</summary>
{{ rows_table(t, t.rows) }}
</details>
{% else %}
{{ long_table(t) }}
{% endif %}
{% endif %}
{% else %}
<p>Not run.</p>
{% endif %}
{% if script %}
<script>{{ script }}</script>
{% endif %}
</body></html>
"""
