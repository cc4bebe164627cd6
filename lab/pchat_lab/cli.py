"""``pchat-lab``: start, stop and inspect the simulated lab.

    pchat-lab up [--topology lync2010] [--state-dir DIR] [--dataset standard] [--second-hop enforce|allow]
                 [--kerberos auto|on|off] [--foreground]
    pchat-lab env       the shell exports a Kerberos client needs (KRB5_CONFIG, KRB5CCNAME)
    pchat-lab down | status | reset | log [--since N] | odbc
    pchat-lab fault add KIND [--host H] [--nth N] [--count N] [--seconds S] [--cmdlet C] [--message M]
    pchat-lab fault list | clear

``up`` starts a background process (pidfile and lab.json in the state folder, output in
<state-dir>/lab.log) and returns once its control endpoint answers. Every other command talks to
that control endpoint."""
from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

DEFAULT_STATE_DIR = "./.lab-state"
PIDFILE = "lab.pid"
INFOFILE = "lab.json"
LOGFILE = "lab.log"
START_TIMEOUT = 60.0
EXIT_NOT_RUNNING = 3
EXIT_PORT_TAKEN = 4


# --- talking to a running lab ---------------------------------------------------------------------

def _info(state_dir: Path) -> dict:
    try:
        return json.loads((state_dir / INFOFILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _pid(state_dir: Path) -> int:
    try:
        return int((state_dir / PIDFILE).read_text().strip())
    except (OSError, ValueError):
        return 0


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _call(url: str, method: str = "GET", payload=None, timeout: float = 30.0):
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def _control_url(state_dir: Path) -> str:
    info = _info(state_dir)
    return info.get("control_url", "")


def _running(state_dir: Path) -> bool:
    url = _control_url(state_dir)
    if not url or not _alive(_pid(state_dir)):
        return False
    try:
        _call(url + "/status", timeout=5)
        return True
    except (OSError, urllib.error.URLError, ValueError):
        return False


def _require_running(state_dir: Path) -> str:
    if not _running(state_dir):
        print("pchat-lab is not running (state folder %s)" % state_dir, file=sys.stderr)
        raise SystemExit(EXIT_NOT_RUNNING)
    return _control_url(state_dir)


def _print_endpoints(endpoints: dict, control_url: str, info: Optional[dict] = None) -> None:
    for name, urls in endpoints.items():
        print("%-6s http  %s" % (name, urls["http"]))
        print("%-6s https %s" % ("", urls["https"]))
    print("control      %s" % control_url)
    kerberos = (info or {}).get("kerberos")
    if kerberos and kerberos.get("realm"):
        print("kerberos     realm %s, KDC %s (client exports: pchat-lab env)" % (kerberos["realm"], kerberos["kdc"]))
    elif kerberos:
        print("kerberos     disabled: %s" % kerberos.get("disabled", ""))


# --- ports: is one taken, and by whom --------------------------------------------------------------

def _port_taken(port: int) -> bool:
    """True when a listener of the lab could not bind ``port`` (bound the way the lab binds it)."""
    from .server import BIND_ADDRESS
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((BIND_ADDRESS, port))
        except OSError:
            return True
    return False


def _listening_pids(port: int) -> list:
    """Processes with a socket listening on ``port`` (Linux /proc; those this user may see)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add("socket:[%s]" % fields[9])
    pids = []
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd) in inodes for fd in fd_dir.iterdir()):
                pids.append(int(fd_dir.parent.name))
        except OSError:
            continue
    return pids


def _lab_state_dir(pid: int) -> str:
    """The state folder of a pchat-lab process (``python -m pchat_lab.cli`` or the ``pchat-lab`` script),
    '' when ``pid`` is not one."""
    try:
        argv = Path("/proc/%d/cmdline" % pid).read_bytes().decode(errors="replace").split("\0")
        cwd = os.readlink("/proc/%d/cwd" % pid)
    except OSError:
        return ""
    if "pchat_lab.cli" not in argv and not any(Path(arg).name == "pchat-lab" for arg in argv):
        return ""
    state_dir = argv[argv.index("--state-dir") + 1] if "--state-dir" in argv[:-1] else DEFAULT_STATE_DIR
    return os.path.normpath(os.path.join(cwd, state_dir))


def _parent_pid(pid: int) -> int:
    """The parent of ``pid`` (Linux /proc), 0 when unknown."""
    try:
        for line in Path("/proc/%d/status" % pid).read_text().splitlines():
            if line.startswith("PPid:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _port_holder(port: int, control_port: int) -> str:
    """Who holds ``port``: a pchat-lab (pid and state folder) or another program."""
    for pid in _listening_pids(port):
        # A lab's own KDC (krb5kdc) is its child: name the lab that started it.
        for owner in (pid, _parent_pid(pid)):
            state_dir = _lab_state_dir(owner) if owner else ""
            if state_dir:
                return "another pchat-lab (pid %d, state dir %s)" % (owner, state_dir)
        try:
            name = Path("/proc/%d/comm" % pid).read_text().strip()
        except OSError:
            name = "?"
        return "another program (pid %d, %s)" % (pid, name)
    try:  # not visible in /proc (another user): a lab on the same offset answers on its control port
        status = _call("http://127.0.0.1:%d/status" % control_port, timeout=3)
        return "another pchat-lab (pid %s, state dir %s)" % (status["pid"], status["state_dir"])
    except (OSError, urllib.error.URLError, ValueError, KeyError, TypeError):
        return "another program"


def _check_ports(topology_name: str) -> int:
    """0 when every port this lab would open is free; else one line on stderr and EXIT_PORT_TAKEN."""
    from .lab import listening_ports, load_topology, port_offset
    topology = load_topology(topology_name)
    for port, what in sorted(listening_ports(topology).items()):
        if _port_taken(port):
            print("pchat-lab: port %d (%s) is taken by %s; stop that one or start this lab on other ports with "
                  "PCHAT_LAB_PORT_OFFSET (now %d)" % (port, what, _port_holder(port, int(topology["control_port"])),
                                                        port_offset()), file=sys.stderr)
            return EXIT_PORT_TAKEN
    return 0


# --- commands -------------------------------------------------------------------------------------

def cmd_up(args) -> int:
    state_dir = Path(args.state_dir).resolve()
    if args.foreground:
        return _serve(args.topology, state_dir, args.dataset, args.seed, args.second_hop, args.kerberos)
    if _running(state_dir):
        info = _info(state_dir)
        print("pchat-lab is already running (pid %d)" % _pid(state_dir))
        _print_endpoints(info.get("endpoints", {}), info.get("control_url", ""), info)
        return 0
    try:
        taken = _check_ports(args.topology)
    except (OSError, ValueError) as error:  # no such topology, or a port that is not a number
        print("pchat-lab: %s" % error, file=sys.stderr)
        return 1
    if taken:
        return taken
    state_dir.mkdir(parents=True, exist_ok=True)
    for stale in (PIDFILE, INFOFILE):
        (state_dir / stale).unlink(missing_ok=True)
    log_path = state_dir / LOGFILE
    with open(log_path, "ab") as log_handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "pchat_lab.cli", "up", "--foreground", "--topology", args.topology,
             "--state-dir", str(state_dir), "--dataset", args.dataset, "--seed", str(args.seed)]
            + (["--second-hop", args.second_hop] if args.second_hop else []) + ["--kerberos", args.kerberos],
            stdin=subprocess.DEVNULL, stdout=log_handle, stderr=subprocess.STDOUT, start_new_session=True,
            cwd=str(state_dir))
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            print("pchat-lab failed to start (exit %s); last lines of %s:" % (process.returncode, log_path),
                  file=sys.stderr)
            print("\n".join(log_path.read_text(errors="replace").splitlines()[-20:]), file=sys.stderr)
            return 1
        if _running(state_dir):
            info = _info(state_dir)
            print("pchat-lab started (pid %d, log %s)" % (process.pid, log_path))
            _print_endpoints(info.get("endpoints", {}), info.get("control_url", ""), info)
            return 0
        time.sleep(0.2)
    print("pchat-lab did not answer within %ds; see %s" % (START_TIMEOUT, log_path), file=sys.stderr)
    process.terminate()
    return 1


def _serve(topology_name: str, state_dir: Path, dataset: str, seed: int = 0, second_hop: str = "",
           kerberos_mode: str = "auto") -> int:
    """The lab process itself: build the lab, listen, write pidfile + lab.json, wait for SIGTERM."""
    from .auth import second_hop as hop
    from .lab import Lab, load_topology
    from .server import LabServer

    logging.basicConfig(level=os.environ.get("PCHAT_LAB_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    state_dir.mkdir(parents=True, exist_ok=True)
    topology = load_topology(topology_name)
    if second_hop:
        topology["second_hop"] = second_hop
    lab = Lab(topology, state_dir, dataset, seed)
    logging.getLogger("pchat_lab").info("second hop: %s", hop.mode(lab))
    kerberos_info = _start_realm(lab, kerberos_mode)
    if kerberos_info is None:
        return 1
    server = LabServer(lab)
    try:
        server.start()
    except OSError:
        if lab.realm is not None:
            lab.realm.stop()
        raise
    info = {"pid": os.getpid(), "topology": lab.topology.get("name", topology_name), "dataset": dataset,
            "control_url": server.control.url, "endpoints": server.endpoints(),
            "hosts": [{"name": h["name"], "fqdn": h["fqdn"]} for h in lab.topology["hosts"]],
            "certificate": str(server.cert_path), "second_hop": hop.mode(lab), "kerberos": kerberos_info}
    (state_dir / PIDFILE).write_text(str(os.getpid()))
    (state_dir / INFOFILE).write_text(json.dumps(info, indent=1))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    logging.getLogger("pchat_lab").info("pchat-lab serving; control %s", server.control.url)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        server.stop()
        if lab.realm is not None:
            lab.realm.stop()
        for name in (PIDFILE, INFOFILE):
            path = state_dir / name
            if path.exists() and _pid_matches(path, name):
                path.unlink()
    return 0


def _start_realm(lab, mode: str) -> Optional[dict]:
    """Start the Kerberos realm (MIT KDC) unless ``mode`` is off. Without the KDC packages: ``auto`` goes
    on without Kerberos and says so in one line, ``on`` refuses to start (None)."""
    from .auth import kerberos
    logger = logging.getLogger("pchat_lab")
    if mode == "off":
        return {"disabled": "pchat-lab up --kerberos off"}
    lacking = kerberos.missing()
    if lacking:
        reason = "this machine lacks %s (./scripts/setup.sh installs them)" % ", ".join(lacking)
        if mode == "on":
            logger.error("Kerberos was asked for (--kerberos on) but %s", reason)
            return None
        logger.warning("Kerberos disabled: %s", reason)
        return {"disabled": reason}
    realm = kerberos.Realm(lab.topology, lab.state_dir)
    try:
        realm.start()
    except (OSError, RuntimeError) as exc:
        if mode == "on":
            logger.error("Kerberos was asked for (--kerberos on) but the KDC did not start: %s", exc)
            return None
        logger.warning("Kerberos disabled: the KDC did not start: %s", exc)
        return {"disabled": "the KDC did not start: %s" % exc}
    lab.realm = realm
    return realm.describe()


def _pid_matches(path: Path, name: str) -> bool:
    """Only remove our own files (a newer lab may have replaced them)."""
    try:
        text = path.read_text()
        pid = int(text) if name == PIDFILE else int(json.loads(text).get("pid", 0))
    except (OSError, ValueError):
        return True
    return pid == os.getpid()


def cmd_down(args) -> int:
    state_dir = Path(args.state_dir).resolve()
    pid = _pid(state_dir)
    if not _alive(pid):
        print("pchat-lab is not running")
        for stale in (PIDFILE, INFOFILE):
            (state_dir / stale).unlink(missing_ok=True)
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
        try:
            os.waitpid(pid, os.WNOHANG)  # reap when it is our child (tests); harmless otherwise
        except ChildProcessError:
            pass
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    for stale in (PIDFILE, INFOFILE):
        (state_dir / stale).unlink(missing_ok=True)
    print("pchat-lab stopped (pid %d)" % pid)
    return 0


def cmd_status(args) -> int:
    state_dir = Path(args.state_dir).resolve()
    if not _running(state_dir):
        print("pchat-lab is not running")
        return EXIT_NOT_RUNNING
    status = _call(_control_url(state_dir) + "/status")
    print("pchat-lab is running (pid %s, topology %s, %s shells open)" % (
        status["pid"], status["topology"], status["shells_open"]))
    _print_endpoints(status["endpoints"], _control_url(state_dir))
    return 0


def cmd_env(args) -> int:
    """Shell exports for a Kerberos client of this lab (eval "$(pchat-lab env)")."""
    state_dir = Path(args.state_dir).resolve()
    _require_running(state_dir)
    info = _info(state_dir)
    kerberos = info.get("kerberos") or {}
    if not kerberos.get("realm"):
        print("# Kerberos is not running in this lab: %s" % kerberos.get("disabled", "unknown reason"))
        return 1
    for name in ("KRB5_CONFIG", "KRB5CCNAME"):
        print("export %s=%s" % (name, shlex.quote(kerberos[name])))
    print("# realm %s, KDC %s. A ticket: kinit lyncadmin@%s (or let Ansible's kinit do it)."
          % (kerberos["realm"], kerberos["kdc"], kerberos["realm"]))
    print("# Each host's SPN is HTTP/<fqdn>: connect to its 127.0.0.1 endpoint with "
          "kerberos_hostname_override (ansible_winrm_kerberos_hostname_override) set to the fqdn:")
    fqdns = {h.get("name"): h.get("fqdn") for h in info.get("hosts", [])}
    for name, urls in info.get("endpoints", {}).items():
        print("#   %-6s %-22s %s" % (name, fqdns.get(name, ""), urls["http"]))
    return 0


def cmd_reset(args) -> int:
    url = _require_running(Path(args.state_dir).resolve())
    _call(url + "/reset", "POST", {}, timeout=120)
    print("pchat-lab reset to its initial state")
    return 0


def cmd_seed(args) -> int:
    url = _require_running(Path(args.state_dir).resolve())
    result = _call(url + "/seed", "POST", {"profile": args.profile, "seed": args.seed}, timeout=600)
    print("pchat-lab seeded with the %s dataset (seed %d)" % (result["profile"], result["seed"]))
    return 0


def cmd_log(args) -> int:
    url = _require_running(Path(args.state_dir).resolve())
    for index, entry in enumerate(_call(url + "/log?since=%d" % args.since), start=args.since):
        what = entry.get("command") or ""
        print("%d %s %-6s %-18s %-14s %s %s" % (
            index, time.strftime("%H:%M:%S", time.localtime(entry["time"])), entry["host"],
            entry["user"] or "-", entry["action"], entry["status"], what[:120]))
    return 0


def cmd_odbc(args) -> int:
    url = _require_running(Path(args.state_dir).resolve())
    found = _call(url + "/odbc")
    if not found:
        print("no backend of this lab offers ODBC connection strings", file=sys.stderr)
        return 1
    for backend, strings in found.items():
        items = strings.items() if isinstance(strings, dict) else enumerate(strings)
        for name, value in items:
            print("%s\t%s" % (name, value))
    return 0


def cmd_fault(args) -> int:
    url = _require_running(Path(args.state_dir).resolve())
    if args.action == "list":
        print(json.dumps(_call(url + "/faults"), indent=1))
    elif args.action == "clear":
        _call(url + "/faults", "DELETE")
        print("faults cleared")
    else:
        spec = {"kind": args.kind, "host": args.host}
        for key in ("nth", "count", "seconds", "cmdlet", "message"):
            value = getattr(args, key)
            if value is not None:
                spec[key] = value
        print(json.dumps(_call(url + "/faults", "POST", spec), indent=1))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pchat-lab", description=__doc__.split("\n\n")[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--state-dir", default=DEFAULT_STATE_DIR, help="lab state folder (default %(default)s)")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", parents=[common], help="start the lab in the background (idempotent)")
    up.add_argument("--topology", default="lync2010", help="ready-made topology name or YAML path")
    up.add_argument("--dataset", default="standard", choices=["small", "standard", "hostile", "large"])
    up.add_argument("--seed", type=int, default=0, help="the same dataset and seed give the same data")
    up.add_argument("--second-hop", choices=["enforce", "allow"], default=None,
                    help="refuse, as a domain does, what a session without delegated credentials (NTLM, Basic, "
                         "Kerberos without delegation) does on another host (enforce), or let it through (allow); "
                         "default: the topology's second_hop key, else enforce")
    up.add_argument("--kerberos", choices=["auto", "on", "off"], default="auto",
                    help="start the lab's MIT KDC (realm of the topology's domain): auto = when this machine has "
                         "krb5-kdc and gssapi, else go on without Kerberos; on = refuse to start without it")
    up.add_argument("--foreground", action="store_true", help="serve in this process until SIGTERM/Ctrl-C")
    up.set_defaults(func=cmd_up)
    sub.add_parser("down", parents=[common], help="stop the lab (idempotent)").set_defaults(func=cmd_down)
    sub.add_parser("status", parents=[common], help="exit 0 when running, 3 when not").set_defaults(func=cmd_status)
    sub.add_parser("env", parents=[common], help="shell exports for a Kerberos client of the lab").set_defaults(
        func=cmd_env)
    sub.add_parser("reset", parents=[common], help="back to the initial state").set_defaults(func=cmd_reset)
    seed = sub.add_parser("seed", parents=[common], help="rebuild the lab with a dataset profile (deterministic)")
    seed.add_argument("--profile", required=True, choices=["small", "standard", "hostile", "large"])
    seed.add_argument("--seed", type=int, default=0, help="the same profile and seed give the same data")
    seed.set_defaults(func=cmd_seed)
    log_cmd = sub.add_parser("log", parents=[common], help="the WinRM request log")
    log_cmd.add_argument("--since", type=int, default=0)
    log_cmd.set_defaults(func=cmd_log)
    sub.add_parser("odbc", parents=[common], help="ODBC connection strings of the SQL instances").set_defaults(
        func=cmd_odbc)
    fault = sub.add_parser("fault", parents=[common], help="inject faults")
    fault.add_argument("action", choices=["add", "list", "clear"])
    fault.add_argument("kind", nargs="?", choices=["cmdlet", "drop", "delay", "operation_timeout", "slow"])
    fault.add_argument("--host", default="*")
    fault.add_argument("--nth", type=int)
    fault.add_argument("--count", type=int)
    fault.add_argument("--seconds", type=float)
    fault.add_argument("--cmdlet")
    fault.add_argument("--message")
    fault.set_defaults(func=cmd_fault)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "action", None) == "add" and not args.kind:
        build_parser().error("fault add needs a KIND")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
