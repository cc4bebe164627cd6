"""systeminfo.exe's default (LIST) output for a simulated host. The labels and their column are
Windows'; the values come from the topology, with fixed, plausible ones for hardware the lab does not
model (processor, BIOS, network cards)."""
from __future__ import annotations

import datetime as _dt

INSTALL_DATE = _dt.datetime(2015, 1, 15, 10, 12, 31)


def _when(moment: _dt.datetime) -> str:
    return "%d/%d/%d, %s" % (moment.month, moment.day, moment.year,
                             moment.strftime("%I:%M:%S %p").lstrip("0"))


def os_version_text(host) -> str:
    """'6.3.9600 N/A Build 9600' or '6.1.7601 Service Pack 1 Build 7601', as systeminfo shows it."""
    pack = "Service Pack %d" % host.service_pack if host.service_pack else "N/A"
    return "%s %s Build %s" % (host.os_version, pack, host.os_build)


def render(host) -> str:
    memory = host.memory_mb
    rows = [
        ("Host Name", host.name.upper()),
        ("OS Name", host.os_caption),
        ("OS Version", os_version_text(host)),
        ("OS Manufacturer", "Microsoft Corporation"),
        ("OS Configuration", "Member Server"),
        ("OS Build Type", "Multiprocessor Free"),
        ("Registered Owner", "Windows User"),
        ("Registered Organization", ""),
        ("Product ID", "00252-70000-00000-AA535"),
        ("Original Install Date", _when(INSTALL_DATE)),
        ("System Boot Time", _when(host.boot_time)),
        ("System Manufacturer", "Microsoft Corporation"),
        ("System Model", "Virtual Machine"),
        ("System Type", "x64-based PC"),
        ("Processor(s)", "1 Processor(s) Installed."),
        ("", "[01]: Intel64 Family 6 Model 63 Stepping 2 GenuineIntel ~2394 Mhz"),
        ("BIOS Version", "Microsoft Corporation Hyper-V UEFI Release v1.0, 11/26/2012"),
        ("Windows Directory", "C:\\Windows"),
        ("System Directory", "C:\\Windows\\system32"),
        ("Boot Device", "\\Device\\HarddiskVolume1"),
        ("System Locale", "en-us;English (United States)"),
        ("Input Locale", "en-us;English (United States)"),
        ("Time Zone", "(UTC) Coordinated Universal Time"),
        ("Total Physical Memory", "{:,} MB".format(memory)),
        ("Available Physical Memory", "{:,} MB".format(memory * 3 // 4)),
        ("Virtual Memory: Max Size", "{:,} MB".format(memory + 2048)),
        ("Virtual Memory: Available", "{:,} MB".format(memory * 3 // 4 + 1024)),
        ("Virtual Memory: In Use", "{:,} MB".format(memory // 4 + 1024)),
        ("Page File Location(s)", "C:\\pagefile.sys"),
        ("Domain", host.domain),
        ("Logon Server", "N/A"),
        ("Hotfix(s)", "N/A"),
        ("Network Card(s)", "1 NIC(s) Installed."),
        ("", "[01]: Microsoft Hyper-V Network Adapter"),
        ("", "      Connection Name: Ethernet"),
        ("", "      DHCP Enabled:    No"),
        ("", "      IP address(es)"),
        ("", "      [01]: 127.0.0.1"),
        ("Hyper-V Requirements", "A hypervisor has been detected. Features required for Hyper-V will not be "
                                 "displayed."),
    ]
    lines = [""]
    for label, value in rows:
        head = (label + ":") if label else ""
        lines.append(("%-27s%s" % (head, value)).rstrip() if value or label else "")
    return "\r\n".join(lines) + "\r\n"
