"""benchmarks/bench_migration.py's counting of module runs (a skipped task ran none; an action plugin that runs
the module's logic in its own process started none) and its side-by-side comparison with --baseline."""
from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_migration", REPO / "benchmarks" / "bench_migration.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EVENTS = [
    {"kind": "task", "action": "lync.persistent_chat.ledger", "name": "read", "time": 1.0},
    {"kind": "result", "action": "lync.persistent_chat.ledger", "name": "read", "status": "ok", "time": 1.1},
    {"kind": "result", "action": "lync.persistent_chat.pool_info", "name": "pool", "status": "failed", "time": 2.0},
    {"kind": "result", "action": "lync.persistent_chat.service", "name": "stop", "status": "skipped", "time": 3.0},
    {"kind": "result", "action": "ansible.builtin.set_fact", "name": "fact", "status": "ok", "time": 4.0},
    {"kind": "result", "action": "lync.persistent_chat.ledger_stage", "name": "role", "status": "ok", "time": 5.0},
]


def test_module_runs_count_what_ran_and_what_ran_in_process(monkeypatch):
    monkeypatch.setenv("PCHAT_MODULES_IN_PROCESS", "0")
    assert _bench().module_runs(EVENTS) == (4, 2, 1)  # the ledger (InProcessActionModule)
    # By default (the runs inherit this environment) pool_info (PchatActionModule) runs in process too.
    monkeypatch.delenv("PCHAT_MODULES_IN_PROCESS")
    assert _bench().module_runs(EVENTS) == (4, 2, 2)
    exported = EVENTS + [{"kind": "result", "action": "lync.persistent_chat.data_export", "name": "export",
                          "status": "ok", "time": 6.0}]
    assert _bench().module_runs(exported) == (5, 3, 2)  # data_export keeps its process (IN_PROCESS = False)


def _older_checkout(root, pchat_action_text):
    """A checkout whose ledger runs in its action plugin's process and whose pool_info is a PchatActionModule,
    with ``pchat_action_text`` as its plugin_utils/pchat_action.py."""
    for folder, name, text in (("modules", "ledger", "def main(): pass\n"), ("modules", "pool_info", "def main(): pass\n"),
                               ("action", "ledger", "class ActionModule(InProcessActionModule):\n"),
                               ("action", "pool_info", "class ActionModule(PchatActionModule):\n"),
                               ("plugin_utils", "pchat_action", pchat_action_text)):
        (root / "plugins" / folder).mkdir(parents=True, exist_ok=True)
        (root / "plugins" / folder / (name + ".py")).write_text(text)
    return root


def test_a_checkout_before_in_process_winrm_modules_counts_only_the_ledger(tmp_path):
    _older_checkout(tmp_path, "class PchatActionModule(ActionBase):\n")
    assert _bench().module_runs(EVENTS, tmp_path) == (4, 2, 1)


def test_a_checkout_with_the_setting_off_by_default_counts_pool_info_only_when_asked(tmp_path, monkeypatch):
    _older_checkout(tmp_path, 'IN_PROCESS_ENV = "PCHAT_MODULES_IN_PROCESS"\n')
    monkeypatch.delenv("PCHAT_MODULES_IN_PROCESS", raising=False)
    assert _bench().module_runs(EVENTS, tmp_path) == (4, 2, 1)
    monkeypatch.setenv("PCHAT_MODULES_IN_PROCESS", "1")
    assert _bench().module_runs(EVENTS, tmp_path) == (4, 2, 2)


def test_a_checkout_whose_action_plugins_start_the_module_counts_none_in_process(tmp_path):
    for folder, text in (("modules", "def main(): pass\n"), ("action", "class ActionModule(ControllerActionModule):\n")):
        (tmp_path / "plugins" / folder).mkdir(parents=True)
        for name in ("ledger", "pool_info"):
            (tmp_path / "plugins" / folder / (name + ".py")).write_text(text)
    assert _bench().module_runs(EVENTS, tmp_path) == (4, 2, 0)


def _result(label, overhead, wall, load):
    ledger = (41, 2.5) if label == "new" else (41, 24.6)
    return dict(label=label, passed=True, wall=wall, work=10.0, overhead=overhead, modules=81,
                in_process=50 if label == "new" else 0, load_mean=load, load_max=load,
                by_action={"ledger": ledger, "data_export": (4, 4.0)})


def test_the_comparison_prints_the_best_of_each_and_every_round(capsys, monkeypatch):
    monkeypatch.setenv("PCHAT_MODULES_IN_PROCESS", "1")
    results = [_result("new", 40.0, 50.0, 2.0), _result("old", 70.0, 80.0, 2.1),
               _result("old", 60.0, 70.0, 5.0), _result("new", 45.0, 55.0, 5.2)]
    _bench().print_comparison(results, ["new", "old"])
    out = capsys.readouterr().out
    assert "(best of each): wall 1.40x, overhead 1.50x (overhead 20.0 s less)" in out
    assert "round 1: overhead 40.0 s against 70.0 s (1.75x)" in out
    assert "round 2: overhead 45.0 s against 60.0 s (1.33x)" in out and "load mean 5.20 / 5.00" in out
    # The modules this checkout runs in process (pool_info among them, data_export not), in both runs.
    names = ", ".join(_bench().in_process_names())
    assert "pool_info" in names and "data_export" not in names
    assert names + ": 41 tasks, 2.5 s (0.06 s each); every other task 4.0 s" in out
    assert names + ": 41 tasks, 24.6 s (0.60 s each)" in out


def test_seconds_by_action_runs_each_task_until_the_next_event():
    events = [{"kind": "play", "time": 0.0}, {"kind": "task", "action": "lync.persistent_chat.ledger", "time": 1.0},
              {"kind": "result", "action": "lync.persistent_chat.ledger", "status": "ok", "time": 1.2},
              {"kind": "task", "action": "ansible.builtin.set_fact", "time": 1.5},
              {"kind": "task", "action": "lync.persistent_chat.ledger", "time": 2.0}, {"kind": "end", "time": 3.0}]
    assert _bench().seconds_by_action(events) == {"ledger": (2, 1.5), "set_fact": (1, 0.5)}
