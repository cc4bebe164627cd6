"""WS-Management faults as real WinRM sends them: HTTP 500, a SOAP 1.2 Fault with s:Code/s:Subcode,
s:Reason and s:Detail/f:WSManFault[@Code]/f:Message.

Codes and texts are the ones from Windows' wsmerror.h (ERROR_WSMAN_*), checked against replies
captured from real servers quoted in client test suites (pywinrm, pypsrp, WinRb)."""
from __future__ import annotations

import uuid
from xml.sax.saxutils import escape

# wsmerror.h codes (decimal, as WSManFault/@Code carries them).
OPERATION_TIMEDOUT = 2150858793          # 0x80338029 ERROR_WSMAN_OPERATION_TIMEDOUT
UNEXPECTED_SELECTORS = 2150858843        # 0x8033805B ERROR_WSMAN_UNEXPECTED_SELECTORS (shell/command not found)
QUOTA_MAX_SHELLS = 2150859173            # 0x803381A5 ERROR_WSMAN_QUOTA_MAX_SHELLS (MaxShellsPerUser)
ACTION_NOT_SUPPORTED = 2150858771        # 0x80338013 ERROR_WSMAN_ACTION_NOT_SUPPORTED
SCHEMA_VALIDATION_ERROR = 2150858817     # 0x80338041 ERROR_WSMAN_SCHEMA_VALIDATION_ERROR
ENCODING_LIMIT = 2150858805              # 0x80338035 ERROR_WSMAN_ENCODING_LIMIT
RESOURCE_NOT_FOUND = 2150858752          # 0x80338000 ERROR_WSMAN_RESOURCE_NOT_FOUND
ACCESS_DENIED = 5                         # ERROR_ACCESS_DENIED, as WinRM reports it for a refused shell

_FAULT = (
    '<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
    'xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" '
    'xmlns:e="http://schemas.xmlsoap.org/ws/2004/08/eventing" '
    'xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" '
    'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" '
    'xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd">'
    '<s:Header><a:Action>http://schemas.dmtf.org/wbem/wsman/1/wsman/fault</a:Action>'
    '<a:MessageID>uuid:%s</a:MessageID>'
    '<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>%s</s:Header>'
    '<s:Body><s:Fault><s:Code><s:Value>%s</s:Value><s:Subcode><s:Value>%s</s:Value></s:Subcode></s:Code>'
    '<s:Reason><s:Text xml:lang="en-US">%s</s:Text></s:Reason>'
    '<s:Detail>%s<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" '
    'Code="%d" Machine="%s"><f:Message>%s</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>'
)


class WSManFault(Exception):
    """A fault to answer instead of a reply. ``name`` is what the request log records."""

    def __init__(self, name: str, code: int, subcode: str, reason: str, message: str,
                 soap_code: str = "s:Sender", fault_detail: str = "") -> None:
        super().__init__(message)
        self.name = name
        self.code = code
        self.subcode = subcode
        self.reason = reason
        self.message = message
        self.soap_code = soap_code
        self.fault_detail = fault_detail   # a wsman:FaultDetail URI, when the spec defines one

    def to_xml(self, machine: str, relates_to: str = "") -> bytes:
        relates = "<a:RelatesTo>%s</a:RelatesTo>" % escape(relates_to) if relates_to else ""
        detail = "<w:FaultDetail>%s</w:FaultDetail>" % escape(self.fault_detail) if self.fault_detail else ""
        return (_FAULT % (str(uuid.uuid4()).upper(), relates, self.soap_code, self.subcode, escape(self.reason),
                          detail, self.code, escape(machine), escape(self.message))).encode("utf-8")


def timed_out() -> WSManFault:
    text = "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  "
    return WSManFault("TimedOut", OPERATION_TIMEDOUT, "w:TimedOut", text, text, soap_code="s:Receiver")


_INVALID_SELECTORS_REASON = ("The WS-Management service cannot process the request because the request contained "
                             "invalid selectors for the resource. ")


def shell_not_found(shell_id: str) -> WSManFault:
    return WSManFault(
        "InvalidSelectors", UNEXPECTED_SELECTORS, "w:InvalidSelectors", _INVALID_SELECTORS_REASON,
        "The request for the Windows Remote Shell with ShellId %s failed because the shell was not found on the "
        "server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the "
        "server. Provide the correct ShellId or create a new shell and try again. " % shell_id)


def command_not_found() -> WSManFault:
    return WSManFault(
        "InvalidSelectors", UNEXPECTED_SELECTORS, "w:InvalidSelectors", _INVALID_SELECTORS_REASON,
        "The Windows Remote Shell received a request to perform an operation on a command identifier that does "
        "not exist. Either the command has completed execution or the client specified an invalid command "
        "identifier. ")


def quota_max_shells(limit: int) -> WSManFault:
    text = ("The WS-Management service cannot process the request. This user is allowed a maximum number of %d "
            "concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user. "
            % limit)
    return WSManFault("QuotaLimit", QUOTA_MAX_SHELLS, "w:QuotaLimit", text, text)


def action_not_supported(action: str) -> WSManFault:
    text = "The WS-Management service does not support the action specified in the request. "
    return WSManFault("ActionNotSupported", ACTION_NOT_SUPPORTED, "a:ActionNotSupported", text,
                      text + "Action: %s" % action)


def resource_not_found(resource_uri: str) -> WSManFault:
    text = ("The WS-Management service cannot process the request. The service cannot find the resource "
            "identified by the resource URI and selectors. ")
    return WSManFault("DestinationUnreachable", RESOURCE_NOT_FOUND, "a:DestinationUnreachable", text,
                      text + "ResourceURI: %s" % resource_uri,
                      fault_detail="http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InvalidResourceURI")


def schema_validation(detail: str) -> WSManFault:
    text = "The SOAP XML in the message does not match the corresponding XML schema definition. Change the XML and retry. "
    return WSManFault("SchemaValidationError", SCHEMA_VALIDATION_ERROR, "w:SchemaValidationError", text,
                      text + detail)


def encoding_limit(limit: int, detail: str = "") -> WSManFault:
    text = ("The WS-Management service cannot process the request because the encoding of the request exceeds an "
            "internal encoding limit. Reconfigure the client to send messages which fit the encoding limits of the "
            "service. ")
    return WSManFault("EncodingLimit", ENCODING_LIMIT, "w:EncodingLimit", text,
                      text + (detail or "The envelope is larger than MaxEnvelopeSize (%d bytes)." % limit),
                      fault_detail="http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/MaxEnvelopeSize")



def access_denied() -> WSManFault:
    """An authenticated user whose groups the shell's security descriptor does not grant."""
    text = "Access is denied. "
    return WSManFault("AccessDenied", ACCESS_DENIED, "w:AccessDenied", text, text)
