"""ConvertTo-Json / ConvertFrom-Json as Windows PowerShell 5.1 writes and reads them."""
from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from powershell_helpers import lines, ps, engine_test_cmdlets  # noqa: F401  (autouse fixture)


def json_out(script: str) -> str:
    result = ps(script)
    assert result.code == 0 and not result.errors, result.error_text
    return result.out[:-2] if result.out.endswith("\r\n") else result.out


def test_depth_beyond_the_limit_becomes_tostring():
    assert json_out("@{a=@{b=@{c=@{d=1}}}} | ConvertTo-Json") == "\r\n".join([
        "{",
        '    "a":  {',
        '              "b":  {',
        '                        "c":  "System.Collections.Hashtable"',
        "                    }",
        "          }",
        "}"])
    assert json_out("@{a=@{b=1}} | ConvertTo-Json -Depth 1 -Compress") == '{"a":{"b":1}}'
    assert json_out("@{a=@{b=@(1,2)}} | ConvertTo-Json -Depth 1 -Compress") == '{"a":{"b":"System.Object[]"}}'
    assert json_out("[pscustomobject]@{a=[pscustomobject]@{b=[pscustomobject]@{c=[pscustomobject]@{d=1}}}} | "
                    "ConvertTo-Json -Compress") == '{"a":{"b":{"c":"@{d=1}"}}}'


def test_arrays_from_the_pipeline_are_wrapped_single_objects_are_not():
    assert json_out("1 | ConvertTo-Json") == "1"
    assert json_out("1, 2 | ConvertTo-Json -Compress") == "[1,2]"
    assert json_out("ConvertTo-Json -InputObject @(1) -Compress") == "[1]"
    assert json_out("@(1) | ConvertTo-Json -Compress") == "1"
    assert json_out("ConvertTo-Json -InputObject @() -Compress") == "[]"
    assert ps("@() | ConvertTo-Json").out == ""
    assert json_out("[pscustomobject]@{a=1}, [pscustomobject]@{a=2} | ConvertTo-Json") == "\r\n".join([
        "[", "    {", '        "a":  1', "    },", "    {", '        "a":  2', "    }", "]"])


def test_values_as_5_1_writes_them():
    assert json_out("ConvertTo-Json -Compress -InputObject ([ordered]@{s=\"<a href='x'>&</a>\"; n=$null; "
                    "t=$true; d=1.5; big=9000000000; date=[datetime]'2020-01-01T00:00:00Z'})") == (
        '{"s":"\\u003ca href=\\u0027x\\u0027\\u003e\\u0026\\u003c/a\\u003e","n":null,"t":true,"d":1.5,'
        '"big":9000000000,"date":"\\/Date(1577836800000)\\/"}')
    assert json_out('"tab`there `"q`" back\\slash" | ConvertTo-Json') == '"tab\\there \\"q\\" back\\\\slash"'
    assert json_out("(Get-EngineTestItem -Name x -Privacy Closed).Privacy | ConvertTo-Json") == "1"


def test_convertfrom_json():
    out = lines(ps("$o = '{\"name\":\"pool\",\"n\":[1,2,3],\"in\":{\"x\":true}}' | ConvertFrom-Json; "
                   "$o.name; $o.n.Count; $o.in.x; $o.GetType().FullName").out)
    assert out == ["pool", "3", "True", "System.Management.Automation.PSCustomObject"]
    # 5.1 writes a JSON array as ONE object to the pipeline.
    assert lines(ps("('[1,2,3]' | ConvertFrom-Json | Measure-Object).Count").out) == ["1"]
    result = ps("'{bad' | ConvertFrom-Json")
    assert result.code == 1 and "ConvertFromJsonCommand" in result.errors[0]


QUOTES = "'\u2018\u2019\u201a\u201b"     # PowerShell treats the typographic single quotes as quotes too

text_strategy = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=QUOTES + "\x00"),
                        max_size=40)


@settings(max_examples=60, deadline=None)
@given(text=text_strategy)
def test_unicode_single_quoted_literals_round_trip_through_json_and_utf8(text):
    literal = "'" + text + "'"
    result = ps("$s = " + literal + "\nConvertTo-Json -Compress -InputObject @{v=$s}", codepage=65001)
    assert result.code == 0, result.error_text
    assert json.loads(result.sink.out.decode("utf-8"))["v"] == text
    result = ps("$x = " + literal + "; $x", codepage=65001)
    assert result.sink.out.decode("utf-8") == text + "\r\n"


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30))
def test_doubled_quote_characters_escape_every_single_quote(text):
    # The collection doubles all five characters PowerShell reads as a single quote (quote_string()).
    literal = "'" + "".join(ch + ch if ch in QUOTES else ch for ch in text) + "'"
    result = ps("ConvertTo-Json -Compress -InputObject " + literal)
    assert result.code == 0, result.error_text
    assert json.loads(result.sink.out.decode("utf-8")) == text


def test_an_undoubled_typographic_quote_ends_the_string():
    result = ps("'first'\n$a = 'it\u2019s'")
    assert result.code == 1 and result.out == ""
    assert result.errors[0].splitlines()[3] == "Unexpected token 's'' in expression or statement."
    assert lines(ps("'it\u2019\u2019s'; \"say \u201c\u201dhi\u201d\u201d\"").out) == ["it\u2019s", "say \u201dhi\u201d"]
