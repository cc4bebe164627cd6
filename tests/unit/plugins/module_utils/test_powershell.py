"""PowerShell literals and commands: every value must come back unchanged when PowerShell reads it, and
nothing may break out of its literal."""
from __future__ import annotations

import datetime
import enum

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import (
    SINGLE_QUOTES,
    PSCommand,
    PSEnumValue,
    PSListModifier,
    PSLiteralError,
    PSVariable,
    credential_statements,
    ps_literal,
    quote_string,
)


class Unterminated(Exception):
    pass


def read_single_quoted(source: str, start: int = 0) -> tuple[str, int]:
    """PowerShell's tokenizer for a single-quoted string (Tokenizer.ScanStringLiteral): it opens and
    closes on any of the five single-quote characters, and two quote characters in a row stand for
    the second one. Returns (value, index just past the closing quote)."""
    if source[start] not in SINGLE_QUOTES:
        raise ValueError("not a single-quoted string at %d" % start)
    index, value = start + 1, []
    while True:
        if index >= len(source):
            raise Unterminated(source)
        char = source[index]
        if char in SINGLE_QUOTES:
            if index + 1 < len(source) and source[index + 1] in SINGLE_QUOTES:
                value.append(source[index + 1])
                index += 2
                continue
            return "".join(value), index + 1
        value.append(char)
        index += 1


# Every character PowerShell can receive: no NUL (ends the input), no lone surrogates (not UTF-16).
ps_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
quote_heavy = st.text(alphabet=st.sampled_from(list(SINGLE_QUOTES) + ["a", " ", "$", "`", '"', ";", "\n", "}"]))


@settings(max_examples=500)
@given(st.one_of(ps_text, quote_heavy))
@example("it's")
@example("\u2018quoted\u2019")
@example("'")
@example("\u201b\u201a")
@example("'; Remove-Item C:\\ -Recurse; '")
@example("$(Stop-Computer)")
def test_every_string_reads_back_exactly_and_ends_where_it_should(text):
    literal = quote_string(text)
    value, end = read_single_quoted(literal)
    assert value == text
    # The literal is consumed to its last character: nothing after the closing quote, so nothing
    # of the value can run on as code.
    assert end == len(literal)


@given(st.one_of(ps_text, quote_heavy), ps_text)
def test_a_literal_followed_by_code_never_swallows_it(text, tail):
    literal = quote_string(text)
    source = literal + ";" + tail
    value, end = read_single_quoted(source)
    assert value == text
    assert source[end] == ";"


@pytest.mark.parametrize("quote", list(SINGLE_QUOTES))
def test_each_unicode_single_quote_is_doubled(quote):
    assert quote_string("a%sb" % quote) == "'a%s%sb'" % (quote, quote)


def test_nul_and_lone_surrogates_are_refused():
    with pytest.raises(PSLiteralError):
        quote_string("a\x00b")
    with pytest.raises(PSLiteralError):
        quote_string("\ud800")


class Privacy(enum.Enum):
    OPEN = "Open"


@pytest.mark.parametrize("value, expected", [
    (None, "$null"),
    (True, "$true"),
    (False, "$false"),
    (0, "0"),
    (42, "42"),
    (-5, "(-5)"),
    (2 ** 63 - 1, "9223372036854775807"),
    (1.5, "[double]'1.5'"),
    (float("nan"), "[double]::NaN"),
    (float("-inf"), "[double]::NegativeInfinity"),
    ("", "''"),
    ([], "@()"),
    (["a", 1, None], "@('a', 1, $null)"),
    ({"Name": "x", "Count": 2}, "[ordered]@{'Name' = 'x'; 'Count' = 2}"),
    (datetime.datetime(2024, 1, 2, 3, 4, 5, 6), "[datetime]'2024-01-02T03:04:05.000006'"),
    (datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
     "[datetime]'2024-01-02T01:04:05.000000Z'"),
    (datetime.date(2024, 1, 2), "[datetime]'2024-01-02'"),
    (datetime.timedelta(minutes=15), "[timespan]'0.00:15:00.0000000'"),
    (datetime.timedelta(days=-1, seconds=86399), "[timespan]'-0.00:00:01.0000000'"),
    (Privacy.OPEN, "'Open'"),
    (PSEnumValue("FailedOver"), "'FailedOver'"),
    (PSVariable("room"), "$room"),
    (PSListModifier(add=["sip:a@x"], remove=[]), "@{Add = @('sip:a@x'); Remove = @()}"),
])
def test_literal_forms(value, expected):
    assert ps_literal(value) == expected


@pytest.mark.parametrize("value", [2 ** 63, -(2 ** 63) - 1, object(), {1: "a"}, b"bytes", {"a": object()}])
def test_values_without_a_safe_literal_are_refused(value):
    with pytest.raises(PSLiteralError):
        ps_literal(value)


@pytest.mark.parametrize("name", ["1Bad", "a-b", "a b", "", "x;y", "Name$", "\u0130d"])
def test_enum_and_variable_names_must_be_identifiers(name):
    with pytest.raises(PSLiteralError):
        PSEnumValue(name)
    with pytest.raises(PSLiteralError):
        PSVariable(name)


@given(st.dictionaries(ps_text, ps_text, max_size=5))
def test_nested_values_keep_every_string_intact(mapping):
    rendered = ps_literal(mapping)
    assert rendered.startswith("[ordered]@{") and rendered.endswith("}")
    # Walk the rendering with the reference reader: key, ' = ', value, '; ' ...
    index = len("[ordered]@{")
    for key, value in mapping.items():
        read_key, index = read_single_quoted(rendered, index)
        assert read_key == key
        assert rendered[index:index + 3] == " = "
        read_value, index = read_single_quoted(rendered, index + 3)
        assert read_value == value
        if rendered[index] == ";":
            index += 2
    assert rendered[index:] == "}"


def test_command_with_named_and_switch_parameters():
    command = (PSCommand("Get-CsPersistentChatRoom")
               .param("PersistentChatPoolFqdn", "pc.contoso.com")
               .param("ResultSize", 100)
               .switch("AsObject")
               .switch("Force", False))
    assert command.render() == ("Get-CsPersistentChatRoom -PersistentChatPoolFqdn 'pc.contoso.com' "
                                "-ResultSize 100 -AsObject -Force:$false")


def test_optional_parameters_are_left_out_when_none():
    assert PSCommand("Get-CsPersistentChatAddin").optional("PersistentChatPoolFqdn", None).render() == \
        "Get-CsPersistentChatAddin"
    assert PSCommand("Set-CsPersistentChatRoom").param("Addin", None).render() == "Set-CsPersistentChatRoom -Addin $null"


@pytest.mark.parametrize("name", ["Force;", "-Force", "Force Name", "1st", "Na\u00efve", "", "A-B"])
def test_parameter_names_that_are_not_identifiers_are_refused(name):
    with pytest.raises(PSLiteralError):
        PSCommand("Get-Thing").param(name, "x")
    with pytest.raises(PSLiteralError):
        PSCommand("Get-Thing").switch(name)


@pytest.mark.parametrize("name", ["Get-Thing;rm", "Get Thing", "&Get-Thing", "Get-Thing-Else", ""])
def test_command_names_are_checked(name):
    with pytest.raises(PSLiteralError):
        PSCommand(name)


def test_a_parameter_cannot_be_given_twice():
    with pytest.raises(PSLiteralError):
        PSCommand("Get-Thing").param("Name", "a").param("name", "b")


@given(ps_text)
def test_a_hostile_value_stays_one_argument(text):
    rendered = PSCommand("New-CsPersistentChatCategory").param("Name", text).switch("EnableInvitations").render()
    prefix = "New-CsPersistentChatCategory -Name "
    assert rendered.startswith(prefix)
    value, end = read_single_quoted(rendered, len(prefix))
    assert value == text
    assert rendered[end:] == " -EnableInvitations"


def test_credential_statements_are_the_documented_pair():
    assert credential_statements("c1", "p1", "CONTOSO\\pctest1", "it's-Secret") == [
        "$p1=ConvertTo-SecureString -String 'it''s-Secret' -AsPlainText -Force",
        "$c1=New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList 'CONTOSO\\pctest1',$p1",
    ]


@pytest.mark.parametrize("args", [("c 1", "p1", "u", "pw"), ("c1", "$p1", "u", "pw"), ("c1", "p1", "", "pw"),
                                  ("c1", "p1", "u", ""), ("c1", "p1", "u", None), ("c1", "p1", None, "pw")])
def test_credential_statements_refuse_bad_names_and_empty_values(args):
    with pytest.raises(PSLiteralError):
        credential_statements(*args)


@given(ps_text.filter(bool), ps_text.filter(bool))
def test_a_hostile_user_or_password_stays_one_literal(username, password):
    convert, credential = credential_statements("c1", "p1", username, password)
    prefix = "$p1=ConvertTo-SecureString -String "
    value, end = read_single_quoted(convert, len(prefix))
    assert value == password and convert[end:] == " -AsPlainText -Force"
    prefix = "$c1=New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList "
    value, end = read_single_quoted(credential, len(prefix))
    assert value == username and credential[end:] == ",$p1"
