"""SOAP 1.2 / WS-Management envelopes: reading a request, writing a reply.

Requests are parsed with xml.etree; replies are written from string templates (faster, and the exact
prefixes real WinRM uses: ``s``, ``a``, ``w``, ``rsp``, ``x``, ``f``). Only what the shell resource needs
is read; anything malformed raises :class:`~pchat_lab.wsman.faults.WSManFault`."""
from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Optional
from xml.sax.saxutils import escape, quoteattr

from . import faults

NS_SOAP = "http://www.w3.org/2003/05/soap-envelope"
NS_ADDRESSING = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
NS_WSMAN = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
NS_MS_WSMAN = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
NS_SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
NS_TRANSFER = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
NS_FAULT = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"

ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
CMD_RESOURCE_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"

ACTION_CREATE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
ACTION_DELETE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
ACTION_COMMAND = NS_SHELL + "/Command"
ACTION_SEND = NS_SHELL + "/Send"
ACTION_RECEIVE = NS_SHELL + "/Receive"
ACTION_SIGNAL = NS_SHELL + "/Signal"
ACTION_FAULT = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"

STATE_RUNNING = NS_SHELL + "/CommandState/Running"
STATE_DONE = NS_SHELL + "/CommandState/Done"
SIGNAL_TERMINATE = NS_SHELL + "/signal/terminate"
SIGNAL_CTRL_C = NS_SHELL + "/signal/ctrl_c"

_DURATION = re.compile(r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def _q(ns: str, tag: str) -> str:
    return "{%s}%s" % (ns, tag)


@dataclass
class Request:
    """What the service needs from one request envelope."""
    action: str
    message_id: str
    resource_uri: str
    body: ET.Element
    selectors: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    operation_timeout: Optional[float] = None   # seconds; None when the header is absent
    max_envelope_size: Optional[int] = None

    @property
    def shell_id(self) -> Optional[str]:
        return self.selectors.get("ShellId")


def parse_duration(text: str) -> float:
    """``PT20S``, ``PT0.5S``, ``PT20.000S``, ``PT1M30S``, ``P0DT0H0M20S`` -> seconds."""
    match = _DURATION.match(text.strip())
    if not match or not any(match.groups()):
        raise faults.schema_validation("The OperationTimeout value %r is not a valid xs:duration." % text)
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


def parse_request(data: bytes) -> Request:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise faults.schema_validation("The request is not well-formed XML (%s)." % exc)
    if root.tag != _q(NS_SOAP, "Envelope"):
        raise faults.schema_validation("The root element is not a SOAP 1.2 Envelope.")
    header = root.find(_q(NS_SOAP, "Header"))
    body = root.find(_q(NS_SOAP, "Body"))
    if header is None or body is None:
        raise faults.schema_validation("The envelope has no SOAP Header or Body.")

    def text(ns: str, tag: str) -> Optional[str]:
        node = header.find(_q(ns, tag))
        return node.text.strip() if node is not None and node.text else None

    action = text(NS_ADDRESSING, "Action")
    message_id = text(NS_ADDRESSING, "MessageID")
    if not action or not message_id:
        raise faults.schema_validation("The header must carry wsa:Action and wsa:MessageID.")
    resource_uri = text(NS_WSMAN, "ResourceURI") or ""

    selectors = {}
    for node in header.findall("%s/%s" % (_q(NS_WSMAN, "SelectorSet"), _q(NS_WSMAN, "Selector"))):
        selectors[node.get("Name", "")] = (node.text or "").strip()
    options = {}
    for node in header.findall("%s/%s" % (_q(NS_WSMAN, "OptionSet"), _q(NS_WSMAN, "Option"))):
        options[node.get("Name", "").upper()] = (node.text or "").strip()

    timeout_text = text(NS_WSMAN, "OperationTimeout")
    operation_timeout = parse_duration(timeout_text) if timeout_text else None
    max_env_text = text(NS_WSMAN, "MaxEnvelopeSize")
    max_envelope_size = None
    if max_env_text:
        try:
            max_envelope_size = int(max_env_text)
        except ValueError:
            raise faults.schema_validation("The MaxEnvelopeSize value %r is not an integer." % max_env_text)
        if max_envelope_size < 8192:
            raise faults.encoding_limit(max_envelope_size,
                                        "The MaxEnvelopeSize in the request is smaller than the minimum (8192).")
    return Request(action=action, message_id=message_id, resource_uri=resource_uri, body=body,
                   selectors=selectors, options=options, operation_timeout=operation_timeout,
                   max_envelope_size=max_envelope_size)


# --- replies ------------------------------------------------------------------------------------

_ENVELOPE = (
    '<s:Envelope xml:lang="en-US" xmlns:s="%s" xmlns:a="%s" xmlns:x="%s" xmlns:w="%s" xmlns:rsp="%s" '
    'xmlns:p="%s">'
    '<s:Header><a:Action>%%s</a:Action><a:MessageID>%%s</a:MessageID><a:To>%s</a:To>'
    '<a:RelatesTo>%%s</a:RelatesTo></s:Header><s:Body>%%s</s:Body></s:Envelope>'
) % (NS_SOAP, NS_ADDRESSING, NS_TRANSFER, NS_WSMAN, NS_SHELL, NS_MS_WSMAN, ANONYMOUS)


def envelope(action: str, relates_to: str, body_xml: str) -> bytes:
    """A reply envelope; ``relates_to`` is the request's MessageID (clients check it on Signal/Delete)."""
    return (_ENVELOPE % (escape(action), "uuid:%s" % str(uuid.uuid4()).upper(), escape(relates_to),
                         body_xml)).encode("utf-8")


def create_response_body(endpoint: str, shell_id: str, owner: str, client_ip: str, idle_timeout: str,
                         input_streams: str, output_streams: str) -> str:
    return (
        "<x:ResourceCreated><a:Address>%s</a:Address><a:ReferenceParameters>"
        "<w:ResourceURI>%s</w:ResourceURI><w:SelectorSet><w:Selector Name=\"ShellId\">%s</w:Selector>"
        "</w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>"
        "<rsp:Shell><rsp:ShellId>%s</rsp:ShellId><rsp:ResourceUri>%s</rsp:ResourceUri>"
        "<rsp:Owner>%s</rsp:Owner><rsp:ClientIP>%s</rsp:ClientIP><rsp:IdleTimeOut>%s</rsp:IdleTimeOut>"
        "<rsp:InputStreams>%s</rsp:InputStreams><rsp:OutputStreams>%s</rsp:OutputStreams>"
        "<rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity>"
        "</rsp:Shell>"
    ) % (escape(endpoint), CMD_RESOURCE_URI, escape(shell_id), escape(shell_id), CMD_RESOURCE_URI,
         escape(owner), escape(client_ip), escape(idle_timeout), escape(input_streams), escape(output_streams))


def command_response_body(command_id: str) -> str:
    return "<rsp:CommandResponse><rsp:CommandId>%s</rsp:CommandId></rsp:CommandResponse>" % escape(command_id)


def receive_response_body(command_id: str, chunks: list, end_streams: list, exit_code: Optional[int]) -> str:
    """``chunks``: [(stream name, base64 text)]; ``end_streams``: names closed in this reply;
    ``exit_code`` None while the command still runs."""
    cid = quoteattr(command_id)
    parts = ["<rsp:ReceiveResponse>"]
    for name, b64 in chunks:
        parts.append('<rsp:Stream Name=%s CommandId=%s>%s</rsp:Stream>' % (quoteattr(name), cid, b64))
    for name in end_streams:
        parts.append('<rsp:Stream Name=%s CommandId=%s End="true"></rsp:Stream>' % (quoteattr(name), cid))
    if exit_code is None:
        parts.append('<rsp:CommandState CommandId=%s State="%s"/>' % (cid, STATE_RUNNING))
    else:
        parts.append('<rsp:CommandState CommandId=%s State="%s"><rsp:ExitCode>%d</rsp:ExitCode>'
                     '</rsp:CommandState>' % (cid, STATE_DONE, exit_code))
    parts.append("</rsp:ReceiveResponse>")
    return "".join(parts)


def child(parent: ET.Element, ns: str, tag: str) -> Optional[ET.Element]:
    return parent.find(_q(ns, tag))


def children(parent: ET.Element, ns: str, tag: str) -> list:
    return parent.findall(_q(ns, tag))
