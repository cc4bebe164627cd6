#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: filestore_sync
short_description: Copy the legacy Group Chat file repository into the Persistent Chat file store with robocopy
version_added: 0.1.0
description:
  - Copies O(source) (the legacy file repository) into O(destination) (the Persistent Chat file store) with
    C(robocopy /E /COPY:DAT /R:n /W:n /NP), which is restartable; an interrupted copy is finished by running
    the module again, and files already copied are skipped.
  - Reads first, in one round trip, what robocopy would copy (C(robocopy /L)) and the files on both sides; when
    nothing needs copying the module changes nothing and reports C(changed=false).
  - Interprets robocopy's exit code as the bit mask it is (1 copied, 2 extras, 4 mismatches, 8 failures,
    16 fatal) and fails from 8 up.
  - Verifies afterwards that every source file is in the destination with the same size and, with
    O(verify=hash), the same SHA256 (C(Get-FileHash)); counts and bytes are returned in RV(verification).
  - Files only in the destination are left alone and counted as extras.
  - The copy runs as one long command; RV(durations) tells how long each part took.
options:
  source:
    description: The legacy file repository folder, for example C(\\\\gc01.contoso.local\\GroupChatFiles).
    type: str
    required: true
  destination:
    description: The Persistent Chat file store folder, for example C(\\\\fs01.contoso.local\\LyncShare\\1-PersistentChatService-1).
    type: str
    required: true
  retries:
    description: Retries on failed copies (C(/R)).
    type: int
    default: 3
  wait:
    description: Seconds between retries (C(/W)).
    type: int
    default: 5
  restartable:
    description:
      - Copy in robocopy's restartable mode (C(/Z)), so a file interrupted half way is resumed rather than copied
        again. Slower; worth it for large files over unreliable links.
    type: bool
    default: false
  verify:
    description: V(hash) compares size and SHA256 of every file, V(size) sizes only.
    type: str
    choices: [hash, size]
    default: hash
extends_documentation_fragment:
  - lync.persistent_chat.attributes
  - lync.persistent_chat.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Runs C(robocopy /L) and lists what would be copied in RV(would_copy).
  diff_mode:
    support: full
    details: Before and after list the files that differ between source and destination.
notes:
  - While a long command runs, the task shows progress at C(-vv) (C(started), C(still running after Ns) once per WinRM
    operation timeout, C(finished after Ns)).
  - The task's host runs robocopy; its account needs read access to O(source) and write access to O(destination).
author:
  - Lync Persistent Chat contributors (@lync-persistent-chat)
"""

EXAMPLES = r"""
- name: Copy the Group Chat files into the Persistent Chat file store (run on the file server)
  lync.persistent_chat.filestore_sync:
    source: \\gc01.contoso.local\GroupChatFiles
    destination: \\fs01.contoso.local\LyncShare\1-PersistentChatService-1
  register: files

- name: What would be copied
  lync.persistent_chat.filestore_sync:
    source: \\gc01.contoso.local\GroupChatFiles
    destination: \\fs01.contoso.local\LyncShare\1-PersistentChatService-1
  check_mode: true
"""

RETURN = r"""
would_copy:
  description: Files (relative to O(source)) robocopy found new or different before this run, with size and robocopy's label.
  returned: always
  type: list
  elements: dict
  sample: [{"path": "07ff2b22\\2011\\report.pdf", "size": 138, "label": "New File"}]
robocopy:
  description: The copy's exit code, its meaning, and robocopy's summary rows.
  returned: when a copy ran
  type: dict
  sample: {"exit_code": 1, "meaning": ["files copied"], "summary": {"files": {"total": 20, "copied": 20, "skipped": 0,
           "mismatch": 0, "failed": 0, "extras": 0}}}
verification:
  description: The comparison of source and destination after the run.
  returned: always
  type: dict
  contains:
    files:
      description: Number of files in the source.
      type: int
    bytes:
      description: Bytes in the source.
      type: int
    method:
      description: V(hash) or V(size).
      type: str
    missing:
      description: Source files not in the destination.
      type: list
      elements: str
    different:
      description: Source files whose size or hash differ in the destination.
      type: list
      elements: str
    extra_in_destination:
      description: Number of files only in the destination.
      type: int
durations:
  description: Seconds each part took (C(read), C(robocopy) and C(inventory) on the server, C(change) round trip).
  returned: always
  type: dict
"""

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.long_step import (
    Clock,
    Progress,
    durations_from,
    run_long,
    timed_lines,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_views import as_list
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import check_identifier, ps_literal
from ansible_collections.lync.persistent_chat.plugins.module_utils.robocopy import (
    command_line,
    explain_exit_code,
    parse_output,
    to_copy,
)


def inventory_lines(key, path, with_hash):
    """$r[key] = @{Root; Files=@(@{Path; Size; Hash})} of a folder tree, or $null when it does not exist."""
    check_identifier(key, "result key")
    literal = ps_literal(path)
    digest = "(Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash" if with_hash else "$null"
    return ["$r['%s']=$null" % key,
            "if(Test-Path -LiteralPath %s -PathType Container){$r['%s']=[ordered]@{Root=(Get-Item -LiteralPath %s)"
            ".FullName;Files=@(Get-ChildItem -LiteralPath %s -Recurse -File|ForEach-Object{[ordered]@{"
            "Path=$_.FullName;Size=$_.Length;Hash=%s}})}}" % (literal, key, literal, literal, digest)]


def read_script(params):
    with_hash = params["verify"] == "hash"
    lines = ["$r=[ordered]@{}"]
    lines += inventory_lines("src", params["source"], with_hash)
    lines += inventory_lines("dst", params["destination"], with_hash)
    lines.append("if($r['src'] -ne $null){%s;$r['rc']=$LASTEXITCODE;$r['out']=$o}" % command_line(
        params["source"], params["destination"], params["retries"], params["wait"], True))
    lines.append("$r")
    return "\n".join(lines)


def copy_script(params):
    with_hash = params["verify"] == "hash"
    lines = ["$r=[ordered]@{}", "$d=[ordered]@{}"]
    robocopy = command_line(params["source"], params["destination"], params["retries"], params["wait"], False,
                            params["restartable"])
    lines += timed_lines("robocopy", [robocopy, "$r['rc']=$LASTEXITCODE", "$r['out']=$o"])
    lines += timed_lines("inventory", inventory_lines("src", params["source"], with_hash)
                         + inventory_lines("dst", params["destination"], with_hash))
    lines += ["$r['durations']=$d", "$r"]
    return "\n".join(lines)


def relative_files(tree):
    """{lower-case relative path: (relative path, size, hash)} of an inventory."""
    if not tree:
        return {}
    root = (tree.get("Root") or "").rstrip("\\")
    files = {}
    for item in as_list(tree.get("Files")):
        path = item.get("Path") or ""
        relative = path[len(root):].lstrip("\\") if path.lower().startswith(root.lower()) else path
        files[relative.lower()] = (relative, item.get("Size"), (item.get("Hash") or "").upper() or None)
    return files


def verify(source_tree, destination_tree, method):
    source, destination = relative_files(source_tree), relative_files(destination_tree)
    missing, different = [], []
    for key, (relative, size, digest) in sorted(source.items()):
        other = destination.get(key)
        if other is None:
            missing.append(relative)
        elif other[1] != size or (method == "hash" and other[2] != digest):
            different.append(relative)
    return {"files": len(source), "bytes": sum(int(size or 0) for _rel, size, _hash in source.values()),
            "method": method, "missing": missing, "different": different,
            "extra_in_destination": len(set(destination) - set(source))}


def main():
    module = PchatModule(
        argument_spec=dict(
            source=dict(type="str", required=True),
            destination=dict(type="str", required=True),
            retries=dict(type="int", default=3),
            wait=dict(type="int", default=5),
            restartable=dict(type="bool", default=False),
            verify=dict(type="str", choices=["hash", "size"], default="hash"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    progress = Progress()
    if params["retries"] < 0 or params["wait"] < 0:
        module.fail_json(msg="retries and wait must be 0 or more")
    clock = Clock(module.results)
    results = module.results

    with module.step("list what robocopy would copy"):
        with clock.measure("read"):
            # Listing and hashing both trees can take as long as the copy: shown as progress too.
            raw = run_long(module, progress, "robocopy /L and inventory", read_script(params), depth=5,
                           idempotent=True) or {}
    if raw.get("src") is None:
        module.fail_json(msg="the source folder %s does not exist" % params["source"])
    listing = parse_output(as_list(raw.get("out")), raw["src"].get("Root") or params["source"])
    pending = to_copy(listing)
    results["would_copy"] = pending
    listed_code = raw.get("rc")
    if listed_code is not None and listed_code >= 8:
        meanings, _failed = explain_exit_code(listed_code)
        module.fail_json(msg="robocopy /L failed with exit code %d (%s): %s" % (
            listed_code, "; ".join(meanings), " ".join(str(line) for line in as_list(raw.get("out")))[-600:]))
    before = {"to_copy": sorted(item["path"] for item in pending)}
    if not pending:
        results["verification"] = verify(raw.get("src"), raw.get("dst"), params["verify"])
        check = results["verification"]
        if check["missing"] or check["different"]:
            module.fail_json(msg="robocopy sees nothing to copy but %d file(s) are missing and %d differ in %s" % (
                len(check["missing"]), len(check["different"]), params["destination"]))
        module.exit_json(changed=False)
    if module.check_mode:
        module.set_diff(before, {"to_copy": []})
        results["verification"] = verify(raw.get("src"), raw.get("dst"), params["verify"])
        module.exit_json(changed=True)

    results["changed"] = True
    with module.step("copy the file repository"):
        with clock.measure("change"):
            done = run_long(module, progress, "robocopy", copy_script(params), depth=5) or {}
    results["durations"].update(durations_from(done.get("durations")))
    code = done.get("rc")
    code = int(code) if code is not None else 16
    meanings, failed = explain_exit_code(code)
    copied = parse_output(as_list(done.get("out")), (done.get("src") or {}).get("Root") or params["source"])
    results["robocopy"] = {"exit_code": code, "meaning": meanings, "summary": copied["summary"]}
    module.current_step = "verify the copy"
    results["verification"] = verify(done.get("src"), done.get("dst"), params["verify"])
    if failed:
        module.fail_json(msg="robocopy exit code %d: %s; run the module again to finish the copy" % (
            code, "; ".join(meanings)))
    check = results["verification"]
    if check["missing"] or check["different"]:
        module.fail_json(msg="after the copy %d file(s) are missing and %d differ in %s" % (
            len(check["missing"]), len(check["different"]), params["destination"]))
    module.set_diff(before, {"to_copy": []})
    module.exit_json(changed=True)


if __name__ == "__main__":
    main()
