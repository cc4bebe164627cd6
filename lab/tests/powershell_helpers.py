"""Running scripts through the PowerShell engine directly, with a tiny fake host and lab, and reading
back the CLIXML powershell.exe writes to stderr. Test cmdlets live in the module "EngineTest"."""
from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import pytest
from dataclasses import dataclass, field

from pchat_lab.faults import FaultInjector
from pchat_lab.powershell.api import REGISTRY, PSError, PSListModifier, PSObject, Param, cmdlet
from pchat_lab.powershell.clixml import unescape
from pchat_lab.powershell.engine import run_script

NS = "{http://schemas.microsoft.com/powershell/2004/04}"
TEST_MODULE = "EngineTest"


class FakeHost:
    def __init__(self, modules=(TEST_MODULE,)):
        self.name = "FE01"
        self.fqdn = "fe01.contoso.local"
        self.env = {"COMPUTERNAME": "FE01", "Path": "C:\\Windows\\system32", "USERNAME": "lyncadmin"}
        self.modules = list(modules)


class FakeLab:
    def __init__(self):
        self.faults = FaultInjector()


class RecordingSink:
    def __init__(self, codepage=65001):
        self.codepage = codepage
        self.out = bytearray()
        self.err = bytearray()
        self.chunks = []          # (monotonic time, bytes) of every stdout write

    def stdout(self, data: bytes) -> None:
        self.out += data
        self.chunks.append((time.monotonic(), bytes(data)))

    def stderr(self, data: bytes) -> None:
        self.err += data


@dataclass
class Result:
    code: int
    out: str
    err_raw: str
    sink: RecordingSink
    errors: list = field(default_factory=list)      # rendered error text, one string per record
    streams: list = field(default_factory=list)     # (stream, text) of <S> records
    progress: list = field(default_factory=list)    # <Obj S="progress"> elements

    @property
    def error_text(self) -> str:
        return "".join(self.errors)


def parse_clixml(raw: str) -> tuple:
    if not raw:
        return [], []
    assert raw.startswith("#< CLIXML\r\n"), raw[:40]
    root = ET.fromstring(raw[len("#< CLIXML\r\n"):])
    assert root.tag == NS + "Objs" and root.get("Version") == "1.1.0.1"
    streams, progress = [], []
    for child in root:
        if child.tag == NS + "S":
            streams.append((child.get("S"), unescape(child.text or "")))
        elif child.tag == NS + "Obj" and child.get("S") == "progress":
            progress.append(child)
        else:
            raise AssertionError("unexpected CLIXML element %s" % child.tag)
    return streams, progress


def ps(script: str, codepage: int = 65001, host=None, lab=None) -> Result:
    sink = RecordingSink(codepage)
    code = run_script(lab or FakeLab(), host or FakeHost(), script, sink)
    encoding = "utf-8" if codepage == 65001 else "cp%d" % codepage
    out = sink.out.decode(encoding)
    err = sink.err.decode(encoding)
    streams, progress = parse_clixml(err)
    errors, current = [], []
    for stream, text in streams:
        if stream == "Error":
            current.append(text)
            if text == " \r\n":           # a record ends with a line holding one space
                errors.append("".join(current))
                current = []
    if current:
        errors.append("".join(current))
    return Result(code, out, err, sink, errors, streams, progress)


def lines(text: str) -> list:
    assert text == "" or text.endswith("\r\n"), repr(text)
    return text.split("\r\n")[:-1] if text else []


# --- test cmdlets -------------------------------------------------------------------------------

@cmdlet("Get-EngineTestItem", module=TEST_MODULE, default_set="ByName", params=[
    Param("Name", "string", mandatory=True, position=0, sets=("ByName",)),
    Param("Identity", "string", mandatory=True, sets=("ByIdentity",), from_pipeline=True),
    Param("Privacy", "enum", values=("Open", "Closed", "Secret"),
          enum_type="Microsoft.Rtc.Management.Chat.Cmdlets.ChatRoomPrivacy"),
    Param("Mode", "string", values=("Fast", "Slow")),
    Param("Count", "int", value_range=(1, 10)),
    Param("Enabled", "bool"),
    Param("Force", "switch"),
    Param("Filter", "string"),
    Param("Members", "pslistmodifier"),
    Param("When", "datetime"),
])
def get_engine_test_item(ctx, args, pipeline):
    record = PSObject({"Set": args.parameter_set})
    for key, value in args.items():
        if isinstance(value, PSListModifier):
            value = PSObject({"Add": value.add, "Remove": value.remove, "Replace": value.replace})
        record[key] = value
    yield record


@cmdlet("Remove-EngineTestItem", module=TEST_MODULE, should_process=True, params=[
    Param("Identity", "string", mandatory=True, position=0)])
def remove_engine_test_item(ctx, args, pipeline):
    if ctx.should_process(args["Identity"], "Remove-EngineTestItem"):
        yield "removed " + args["Identity"]


@cmdlet("Invoke-EngineTestStreams", module=TEST_MODULE, params=[Param("Fail", "switch")])
def invoke_engine_test_streams(ctx, args, pipeline):
    ctx.write_warning("careful <now> & then")
    ctx.write_verbose("details")
    ctx.write_progress("Copying", "3 of 4", 75)
    if args.get("Fail"):
        ctx.write_error(PSError("Cannot find item 'x'.", "ItemNotFound,EngineTest.InvokeEngineTestStreams",
                                "ObjectNotFound", target="x",
                                exception_type="System.Management.Automation.ItemNotFoundException"))
    yield "done"


@cmdlet("Get-EngineTestFailure", module=TEST_MODULE, params=[Param("Name", "string", position=0)])
def get_engine_test_failure(ctx, args, pipeline):
    raise PSError("The item '%s' is broken." % args.get("Name", "?"), "Broken,EngineTest.GetEngineTestFailure",
                  "InvalidOperation", target=args.get("Name"),
                  exception_type="System.InvalidOperationException")


@cmdlet("Invoke-EngineTestBug", module=TEST_MODULE)
def invoke_engine_test_bug(ctx, args, pipeline):
    raise ValueError("a Python bug")


# The test cmdlets must not stay in the shared registry (lab/COVERAGE.md lists every registered one):
# take them out now and put them back only while an engine test runs.
TEST_CMDLETS = {key: REGISTRY.by_name.pop(key) for key in list(REGISTRY.by_name)
                if REGISTRY.by_name[key].module == TEST_MODULE}


@pytest.fixture(autouse=True)
def engine_test_cmdlets():
    REGISTRY.by_name.update(TEST_CMDLETS)
    try:
        yield
    finally:
        for key in TEST_CMDLETS:
            REGISTRY.by_name.pop(key, None)
