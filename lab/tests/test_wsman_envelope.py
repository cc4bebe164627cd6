"""Envelope parsing details that the client-level tests reach only partly."""
from __future__ import annotations

import pytest

from pchat_lab.wsman import faults
from pchat_lab.wsman.envelope import parse_duration, parse_request


@pytest.mark.parametrize("text,seconds", [("PT20S", 20), ("PT0.5S", 0.5), ("PT60.000S", 60), ("PT1M30S", 90),
                                          ("P0DT0H0M20S", 20), ("PT2H", 7200)])
def test_operation_timeout_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["20", "PT", "P", "PTxS", "-PT5S"])
def test_bad_durations_are_schema_faults(text):
    with pytest.raises(faults.WSManFault) as info:
        parse_duration(text)
    assert info.value.code == faults.SCHEMA_VALIDATION_ERROR


def test_request_fields():
    request = parse_request(b"""<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"
        xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd">
      <env:Header><a:Action>urn:x</a:Action><a:MessageID>uuid:1</a:MessageID><w:OperationTimeout>PT0.5S</w:OperationTimeout>
        <w:MaxEnvelopeSize>51200</w:MaxEnvelopeSize><w:SelectorSet><w:Selector Name="ShellId">abc</w:Selector></w:SelectorSet>
        <w:OptionSet><w:Option Name="winrs_codepage">65001</w:Option></w:OptionSet></env:Header><env:Body/></env:Envelope>""")
    assert (request.action, request.message_id, request.shell_id) == ("urn:x", "uuid:1", "abc")
    assert (request.operation_timeout, request.max_envelope_size) == (0.5, 51200)
    assert request.options == {"WINRS_CODEPAGE": "65001"}


def test_max_envelope_size_below_the_minimum_is_refused():
    with pytest.raises(faults.WSManFault) as info:
        parse_request(b"""<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"
            xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd">
          <env:Header><a:Action>urn:x</a:Action><a:MessageID>uuid:1</a:MessageID>
            <w:MaxEnvelopeSize>100</w:MaxEnvelopeSize></env:Header><env:Body/></env:Envelope>""")
    assert info.value.code == faults.ENCODING_LIMIT
