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
geometry, or None). ``None`` is written as an empty string (the environment's ``finalize``).
"""

from __future__ import annotations

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
{#- A finding's first ten objects, each with its 2013 name when it has another. -#}
{% macro finding_objects(finding) -%}
{% set objects = finding.objects or [] %}
{% for item in objects[:10] %}{{ '; ' if not loop.first }}{{ item.object }}
{%- if item.name and item.name != item.object %} \u2192 {{ item.name }}{% endif %}{% endfor %}
{{- '; \u2026' if objects | length > 10 or finding.objects_truncated }}
{%- endmacro %}
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">\
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">\
<title>{{ title }}</title><style>
body,svg text{font-family:"Segoe UI",Arial,"Noto Sans CJK KR","Malgun Gothic","Apple SD Gothic Neo","Noto Sans CJK JP",\
"Yu Gothic","Hiragino Sans","Noto Sans CJK SC","Microsoft YaHei","PingFang SC","Noto Sans CJK TC","Microsoft JhengHei",\
sans-serif}
body{font-size:14px;margin:24px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:8px 0;max-width:100%}
td,th{border:1px solid #bbb;padding:3px 8px;text-align:left;vertical-align:top}td:last-child{overflow-wrap:anywhere}
th{background:#eee}td.n{text-align:right}.ok,.passed{color:#176117}.failed,.error,.missing,.differs{color:#a00000}
.warning{color:#8a5a00}.info{color:#345}.badge{font-weight:bold;padding:2px 8px;border:2px solid}
svg text{font-size:12px}
</style></head><body>
<h1>{{ title }}</h1>
<p>Result: <span id="status" class="badge {{ report.status }}">{{ report.status | upper }}</span> &mdash; \
generated {{ report.generated }}</p>
<h2 id="stages">Stages</h2>
{% if report.stages %}
{% call(stage) table(["Stage", "Status", "Started", "Finished", "Seconds"], report.stages) -%}
  {{- td(stage.name) }}{{ td(stage.status, (stage.status or '') | lower) }}{{ td(stage.started) }}
  {{- td(stage.finished) }}{{ td('' if stage.duration is none else '%.1f' | format(stage.duration), numeric=true) -}}
{%- endcall %}

{% else %}
<p>No stage was recorded.</p>
{% endif %}
{% if report.checks %}
<h2 id="checks">Checks</h2>
{% call(check) table(["Check", "Result", "Detail"], report.checks) -%}
  {{- td(check.name) }}{{ td(check.status, 'passed' if check.status == 'passed' else 'failed') }}{{ td(check.detail) -}}
{%- endcall %}

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
{% call(difference) table(["Kind", "Object", "Detail"], parity.differences) -%}
  {{- td(difference.kind, 'error') }}{{ td('%s %s' | format(difference.object_type, difference.object)) }}
  {{- td(difference.detail) -}}
{%- endcall %}

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
{% if parity.not_migrated %}
<h3>Legacy items not migrated</h3>
{% call(item) table(["Reason", "Object"], parity.not_migrated) -%}
  {{- td(item.kind, 'error') }}{{ td(item.object) -}}
{%- endcall %}

{% endif %}
<h3>Categories</h3>
{% call(category) table(["Category", "Legacy path", "Status", "Rooms", "Rooms OK", "Messages before",
                         "Messages after"], parity.categories or []) -%}
  {{- td(category.name) }}{{ td(category.legacy) }}{{ td(category.status, category.status) }}
  {{- td(category.rooms, numeric=true) }}{{ td(category.rooms_ok, numeric=true) }}
  {{- td(category.messages_legacy, numeric=true) }}{{ td(category.messages_target, numeric=true) -}}
{%- endcall %}

{% if parity.rooms is defined and parity.rooms is not none %}
<h3>Rooms</h3><details><summary>{{ parity.rooms | length }} rooms</summary>
{% call(room) table(["Room", "Category", "Status", "Messages before", "Messages after"], parity.rooms) -%}
  {{- td(room.name) }}{{ td(room.category) }}{{ td(room.status, room.status) }}
  {{- td(room.messages_legacy, numeric=true) }}{{ td(room.messages_target, numeric=true) -}}
{%- endcall %}

</details>
{% endif %}
{% else %}
<p>Not run.</p>
{% endif %}
</body></html>
"""
