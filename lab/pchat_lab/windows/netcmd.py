"""net.exe: ``net user [name] [/domain]`` and ``net localgroup [name]`` from the topology's accounts
and each host's local groups.

The lab's accounts are domain accounts valid on every host; ``net user <name>`` shows them without
``/domain`` too (a real member server would look its local SAM up first). Built-in Administrator
and Guest are the host's local accounts."""
from __future__ import annotations

from . import console

NET_SYNTAX = ("The syntax of this command is:\r\n\r\nNET\r\n"
              "    [ ACCOUNTS | COMPUTER | CONFIG | CONTINUE | FILE | GROUP | HELP |\r\n"
              "      HELPMSG | LOCALGROUP | PAUSE | SESSION | SHARE | START |\r\n"
              "      STATISTICS | STOP | TIME | USE | USER | VIEW ]\r\n")
NET_VERBS = ("accounts", "computer", "config", "continue", "file", "group", "help", "helpmsg", "localgroup",
             "pause", "session", "share", "start", "statistics", "stop", "time", "use", "user", "view")
BUILTIN_LOCAL = {
    "administrator": {"user": "Administrator", "full_name": "", "groups": [],
                      "comment": "Built-in account for administering the computer/domain",
                      "local": ["Administrators"], "active": True},
    "guest": {"user": "Guest", "full_name": "", "groups": [],
              "comment": "Built-in account for guest access to the computer/domain",
              "local": ["Guests"], "active": False},
}
COMPLETED = "The command completed successfully.\r\n\r\n"


def run(session, args: list, sink) -> int:
    if not args or args[0].lower() not in NET_VERBS:
        console.err(sink, NET_SYNTAX)
        return 1
    verb = args[0].lower()
    if verb == "user":
        return user(session, args[1:], sink)
    if verb == "localgroup":
        return localgroup(session, args[1:], sink)
    console.err(sink, "pchat-lab: net %s is not simulated by the lab.\r\n" % verb)
    return 1


def _pad(label: str, value: str) -> str:
    return ("%-29s%s" % (label, value)).rstrip() + "\r\n"


def _groups_block(label: str, groups: list, none_text: str) -> str:
    if not groups:
        return _pad(label, none_text)
    cells = ["*%-21s" % g for g in groups]
    lines = []
    for index in range(0, len(cells), 2):
        lines.append(_pad(label if index == 0 else "", "".join(cells[index:index + 2])))
    return "".join(lines)


def user(session, args: list, sink) -> int:
    domain = any(a.lower() == "/domain" for a in args)
    names = [a for a in args if not a.startswith("/")]
    switches = [a for a in args if a.startswith("/") and a.lower() != "/domain"]
    host = session.host
    if switches or len(names) > 1:
        console.err(sink, "pchat-lab: net user with options or changes is not simulated by the lab.\r\n")
        return 1
    prefix = ("The request will be processed at a domain controller for domain %s.\r\n\r\n" % host.domain
              if domain else "")
    accounts = list(session.lab.topology.get("accounts") or [])
    if not names:
        listed = [a["user"] for a in accounts] + ([] if domain else ["Administrator", "Guest"])
        source = "\\\\%s" % (("DC01." + host.domain) if domain else host.name.upper())
        cells = ["%-25s" % n for n in sorted(listed, key=str.lower)]
        rows = ["".join(cells[i:i + 3]).rstrip() for i in range(0, len(cells), 3)]
        console.out(sink, prefix + "\r\nUser accounts for %s\r\n\r\n%s\r\n%s\r\n%s" % (
            source, "-" * 79, "\r\n".join(rows), COMPLETED))
        return 0
    name = names[0]
    account = session.lab.account(name)
    local = BUILTIN_LOCAL.get(name.lower()) if not domain else None
    if account is None and local is None:
        console.out(sink, prefix)
        console.err(sink, "The user name could not be found.\r\n\r\nMore help is available by typing NET "
                          "HELPMSG 2221.\r\n\r\n")
        return 2
    if account is not None:
        local_groups = [] if domain else host.local_groups_of(account)
        global_groups = [g for g in account.get("groups", []) if domain or g not in host.local_groups]
        full_name, comment, active = account.get("full_name", ""), account.get("comment", ""), True
        shown = account["user"]
    else:
        local_groups, global_groups = local["local"], []
        full_name, comment, active, shown = local["full_name"], local["comment"], local["active"], local["user"]
    text = [prefix,
            _pad("User name", shown), _pad("Full Name", full_name), _pad("Comment", comment),
            _pad("User's comment", ""), _pad("Country/region code", "000 (System Default)"),
            _pad("Account active", "Yes" if active else "No"), _pad("Account expires", "Never"), "\r\n",
            _pad("Password last set", "1/15/2015 10:20:00 AM"), _pad("Password expires", "Never"),
            _pad("Password changeable", "1/16/2015 10:20:00 AM"), _pad("Password required", "Yes"),
            _pad("User may change password", "Yes"), "\r\n",
            _pad("Workstations allowed", "All"), _pad("Logon script", ""), _pad("User profile", ""),
            _pad("Home directory", ""), _pad("Last logon", "Never"), "\r\n",
            _pad("Logon hours allowed", "All"), "\r\n",
            _groups_block("Local Group Memberships", local_groups, ""),
            _groups_block("Global Group memberships", global_groups, "*None"),
            COMPLETED]
    console.out(sink, "".join(text))
    return 0


def localgroup(session, args: list, sink) -> int:
    host = session.host
    names = [a for a in args if not a.startswith("/")]
    if [a for a in args if a.startswith("/")] or len(names) > 1:
        console.err(sink, "pchat-lab: net localgroup with options or changes is not simulated by the lab.\r\n")
        return 1
    if not names:
        groups = sorted(host.local_groups, key=str.lower)
        console.out(sink, "\r\nAliases for \\\\%s\r\n\r\n%s\r\n%s%s" % (
            host.name.upper(), "-" * 79, "".join("*%s\r\n" % g for g in groups), COMPLETED))
        return 0
    match = next((g for g in host.local_groups if g.lower() == names[0].lower()), None)
    if match is None:
        console.err(sink, "The specified local group does not exist.\r\n\r\nMore help is available by "
                          "typing NET HELPMSG 3781.\r\n\r\n")
        return 2
    console.out(sink, "%s\r\n%s\r\n\r\n%s\r\n%s\r\n%s%s" % (
        _pad("Alias name", match).rstrip("\r\n"), _pad("Comment", "").rstrip("\r\n"), "Members",
        "-" * 79, "".join(m + "\r\n" for m in host.local_groups[match]), COMPLETED))
    return 0
