"""Deterministic lab datasets: a legacy Group Chat database full of the things a migration must handle,
an empty (or pre-populated) ``mgc`` and an empty ``mgccomp``. Everything comes from ``random.Random(seed)``:
the same profile and seed give byte-identical content (see ``digest``).

Profiles (all carry every "notable" item below, so even ``small`` exercises each import rule):
- small: 3 top categories + one nested level, ~10 rooms, ~300 messages, 20 files. For fast tests.
- standard: three levels of nested categories, ~200 rooms of every privacy/type, ~50,000 messages
  (English, Korean, emoji), ~2,000 files in nested Unicode folders.
- hostile: quotes ' " `, ``$(...)``, ``;``, ``|``, newlines, tabs, RTL and zero-width characters, markup,
  SQL fragments, NFC/NFD twins, names and descriptions at their 256-character limits.
- large: >= 10,000 rooms, >= 5,000,000 messages, written in constant memory.

Notable items (names listed in the summary's ``notable`` so tests need not hard-code them):
nested categories (flattened on import), managers on the root category, a room whose name is over 256
characters once prefixed with its parent categories, a room whose invitations conflict with its category,
federated users (``sip:`` principals of another domain with no AD object: ``prinADPath IS NULL``),
disabled rooms, add-ins, auditoriums with presenters, room topics and per-room upload/history flags,
``ma-filelink:`` messages pointing at files of the repository.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import random
import sqlite3
import urllib.parse
import uuid
from pathlib import Path

from . import schema as S

PROFILES = ("small", "standard", "hostile", "large")

_CONFIG = {
    #            top, children per top, grandchildren per child, rooms, messages, files, users
    "small":    dict(top=3, kids=1, grandkids=0, rooms=10, messages=300, files=20, users=24, groups=3, federated=2),
    "standard": dict(top=6, kids=3, grandkids=2, rooms=200, messages=50_000, files=2_000, users=300, groups=10, federated=8),
    "hostile":  dict(top=3, kids=1, grandkids=1, rooms=24, messages=1_200, files=40, users=30, groups=3, federated=2),
    "large":    dict(top=40, kids=4, grandkids=2, rooms=10_000, messages=5_000_000, files=200, users=5_000,
                     groups=40, federated=50),
}

EPOCH_START = _dt.datetime(2008, 6, 1)
EPOCH_END = _dt.datetime(2012, 11, 30)
FILELINK_PREFIX = "ma-filelink:///"   # [ASSUMED] + URL-quoted path relative to the file repository

_DEPARTMENTS = ["Engineering", "Sales", "Support", "연구개발", "Marketing", "Operations", "Finance", "인사팀",
                "Legal", "Facilities", "Research", "Security"]
_SUBS = ["Backend", "Frontend", "서울", "Tokyo", "EMEA", "Americas", "Platform", "Tools", "품질보증", "Partners"]
_TEAMS = ["Team Alpha", "Team Beta", "야간 당직", "On-call", "Release", "Archive"]
_TOPICS = ["Daily standup", "Incidents", "Releases", "공지사항", "Random", "Hiring", "Customers", "Design review",
           "주간 회의", "Escalations", "Lunch 🍜", "Builds", "Roadmap", "Questions", "Docs"]
_ENGLISH = ["Good morning, everyone.", "The build is green again.", "Can someone review my change?",
            "Meeting moved to 3 pm.", "Ticket closed, thanks!", "I'll take this one.", "Deploying to staging now.",
            "Who owns the printer on floor 4?", "Please update the wiki page.", "Lunch at noon?",
            "Customer reported a timeout on login.", "Rolling back, error rate is up."]
_KOREAN = ["안녕하세요, 여러분.", "빌드가 다시 성공했습니다.", "코드 리뷰 부탁드립니다.", "회의가 오후 3시로 변경되었습니다.",
           "확인했습니다. 감사합니다!", "오늘 배포 일정 공유드립니다.", "점심 같이 드실 분?", "장애 원인 분석 중입니다.",
           "문서를 업데이트했습니다.", "내일 휴가입니다."]
_EMOJI = ["😀", "👍🏽", "🎉", "🔥", "🇰🇷", "👨‍👩‍👧", "✅", "🙏", "🚀", "☕", "🤔", "💯"]
_GIVEN = ["Kim", "Lee", "Park", "Choi", "Anna", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "민준",
          "서연", "Jürgen", "Kofi", "Léa", "María", "Noah", "Olivia"]
_FAMILY = ["Smith", "Jones", "García", "Müller", "김", "이", "박", "Nguyen", "O'Neil", "Rossi", "Tanaka", "Dubois"]
_FILE_STEMS = ["회의록", "Quarterly report", "diagram", "résumé", "スクリーンショット", "budget 2011", "notes ✓",
               "архив", "design-spec", "log"]
_FILE_EXTS = [".docx", ".xlsx", ".png", ".txt", ".pdf", ".zip"]

_HOSTILE_NAMES = [
    "O'Brien's \"quoted\" room", "back`tick`room", "$(Remove-Item C:\\ -Recurse -Force)", "semi;colon | pipe & amp",
    "line\nbreak room", "tab\tseparated", "مرحبا بالعالم room", "\u202eevil override\u202c", "zero\u200bwidth\u200djoin",
    "<script>alert('x')</script>", "'; DROP TABLE tblNode;--", "café", "cafe\u0301", "100% {0} %s \\n",
    "  padded  ", "@{Add='sip:evil@contoso.local'}", "${env:ComputerName}", "\"double\" and 'single'",
    "emoji 👨‍👩‍👧 🇰🇷", "C:\\Windows\\System32", "\\\\server\\share", "a|b>c<d", "--% stop parsing", "#comment",
]


def _guid(rng) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _ticks(value: _dt.datetime) -> int:
    return S.ticks_from_datetime(value)


def _dn_escape(text: str) -> str:
    out = []
    for ch in text:
        if ch in ',+"\\<>;=#':
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


class _LegacyBuilder:
    """Writes one legacy database; keeps only node metadata in memory, never messages."""

    def __init__(self, conn: sqlite3.Connection, rng: random.Random, domain: str, hostile: bool) -> None:
        self.conn = conn
        self.rng = rng
        self.domain = domain
        self.hostile = hostile
        self.base_dn = ",".join("DC=%s" % part for part in domain.split("."))
        self.next_node = 2
        self.ancestors = {S.ROOT_NODE_ID: [(S.ROOT_NODE_ID, 0)]}
        self.node_guid = {}
        self.users = []          # prinIDs of internal users
        self.user_uri = {}
        self.federated = []
        self.groups = []
        self.ou_users = None
        self.addins = []
        self.categories = []     # (nodeID, path list)
        self.rooms = []          # dicts: id, name, category_id, behavior, members...
        self.notable = {"nested_categories": [], "root_managers": [], "long_name_rooms": [],
                        "invitation_conflicts": [], "federated_users": [], "disabled_rooms": [],
                        "auditoriums": [], "addins": [], "rooms_with_topic": []}
        self.files = []

    # ---- principals
    def _principal(self, uri, name, display, ad_path, ptype, company=None, email=None, upn=None):
        cur = self.conn.execute(
            "INSERT INTO tblPrincipal (prinGuid, prinUri, prinName, prinDisplayName, prinCompanyName, prinEmail,"
            " prinADPath, prinADUserPrincipalName, prinDisabled, prinTypeID, prinAddedOn, prinUpdatedOn, prinVerifiedOn)"
            " VALUES (?,?,?,?,?,?,?,?,0,?,?,?,?)",
            (_guid(self.rng), uri, name, display, company, email, ad_path, upn, ptype,
             "2008-06-01 00:00:00", "2012-11-30 00:00:00", "2012-11-30 00:00:00"))
        pid = cur.lastrowid
        self.conn.execute('INSERT INTO tblPrincipalAffiliations VALUES (?,-1,?,1)', (pid, pid))
        return pid

    def principals(self, users: int, groups: int, federated: int) -> None:
        rng = self.rng
        ou = "OU=Users,OU=Chat,%s" % self.base_dn
        self.ou_users = self._principal("ma-grp:ou-users", "Users", "Chat Users OU", ou, S.PTYPE_FOLDER)
        self.domain_prin = self._principal("ma-grp:domain", self.domain, self.domain, self.base_dn, S.PTYPE_DC)
        for g in range(groups):
            name = "GC-%s" % _DEPARTMENTS[g % len(_DEPARTMENTS)] + ("" if g < len(_DEPARTMENTS) else "-%d" % g)
            dn = "CN=%s,OU=Groups,%s" % (_dn_escape(name), self.base_dn)
            self.groups.append(self._principal("ma-grp:%s" % name.lower(), name, name, dn, S.PTYPE_GROUP))
        affiliations = []
        for i in range(users):
            given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
            if self.hostile and i % 5 == 0:
                family = rng.choice(["O'Brien", "\"Quoted\"", "Back`tick", "Dollar$(x)", "ناصر", "Zero\u200bWidth"])
            display = "%s %s %d" % (given, family, i)
            login = "user%04d" % i if not (self.hostile and i == 1) else "o'brien"
            uri = "sip:%s@%s" % (login, self.domain)
            dn = "CN=%s,%s" % (_dn_escape(display), ou)
            pid = self._principal(uri, login, display, dn, S.PTYPE_USER, company="Contoso",
                                  email="%s@%s" % (login, self.domain), upn="%s@%s" % (login, self.domain))
            self.users.append(pid)
            self.user_uri[pid] = uri
            if self.groups:
                affiliations.append((pid, 0, self.groups[i % len(self.groups)], 1))
        self.conn.executemany("INSERT INTO tblPrincipalAffiliations VALUES (?,?,?,?)", affiliations)
        for i in range(federated):
            partner = ["fabrikam.com", "tailspintoys.com", "adatum.com"][i % 3]
            uri = "sip:partner%02d@%s" % (i, partner)
            # Federated: a SIP user of another organisation, no AD object in this forest.
            pid = self._principal(uri, "partner%02d" % i, "Partner %02d (%s)" % (i, partner), None, S.PTYPE_USER,
                                  company=partner)
            self.federated.append(pid)
            self.user_uri[pid] = uri
            self.notable["federated_users"].append(uri)

    # ---- nodes
    def _node(self, parent, node_type, name, desc, **cols):
        node_id = self.next_node
        self.next_node += 1
        guid = _guid(self.rng)
        self.node_guid[node_id] = guid
        names = ["nodeID", "nodeGuid", "parentID", "nodeType", "nodeName", "nodeDesc", "nodeAddedOn",
                 "nodeUpdatedOn"] + list(cols)
        when = _ticks(EPOCH_START) + self.rng.randrange(10**14)
        values = [node_id, guid, parent, node_type, name, desc, when, when] + list(cols.values())
        self.conn.execute("INSERT INTO tblNode (%s) VALUES (%s)" % (", ".join(names), ",".join("?" * len(names))),
                          values)
        chain = [(a, d + 1) for a, d in self.ancestors[parent]] + [(node_id, 0)]
        self.ancestors[node_id] = chain
        self.conn.executemany("INSERT INTO tblTree VALUES (?,?,?)", [(a, node_id, d) for a, d in chain])
        return node_id

    def _tri(self, none_weight=0.5):
        r = self.rng.random()
        return None if r < none_weight else (1 if r < none_weight + (1 - none_weight) / 2 else 0)

    def category(self, parent, name, path, scope=None, invite="random"):
        rng = self.rng
        inv = self._tri(0.4) if invite == "random" else invite
        node = self._node(parent, S.NODE_CATEGORY, name, "Category %s" % name,
                          inheritance=rng.choice([0, 1]), scopeChange=rng.choice([0, 1]), overrideMember=0,
                          invite=inv, logged=self._tri(0.5), filePost=self._tri(0.5), disabled=0,
                          restrictChildCreate=self._tri(0.6), behavior=S.BEH_NORMAL)
        if scope is not None:
            allowed, denied = scope
            self.conn.executemany("INSERT INTO tblScopePrincipal VALUES (?,?,0)", [(node, p) for p in allowed])
            self.conn.executemany("INSERT INTO tblScopePrincipal VALUES (?,?,1)", [(node, p) for p in denied])
        if self.users:
            creator = rng.choice(self.users)
            self.conn.execute("INSERT INTO tblPrincipalRole VALUES (?,?,?,1)", (node, creator, S.ROLE_CREATOR))
        self.categories.append((node, path))
        if len(path) > 1:
            self.notable["nested_categories"].append(path)
        return node

    def room(self, category, name, behavior=None, visibility=None, invite="random", disabled=0, addin=None,
             members=None, managers=None, presenters=None, topic="random"):
        rng = self.rng
        behavior = behavior or rng.choice([S.BEH_NORMAL] * 3 + [S.BEH_AUDITORIUM])
        visibility = visibility or rng.choice([S.VIS_OPEN, S.VIS_SCOPED, S.VIS_SCOPED, S.VIS_PRIVATE])
        if topic == "random":
            topic = rng.choice([None, "Topic: " + rng.choice(_TOPICS)])
        node = self._node(category, S.NODE_ROOM, name, ("Room %s" % name)[:256],
                          topic=topic, invite=self._tri(0.6) if invite == "random" else invite,
                          logged=self._tri(0.5), filePost=self._tri(0.5), disabled=disabled,
                          behavior=behavior, visibility=visibility,
                          siopID=addin if addin is not None else (rng.choice(self.addins) if self.addins and rng.random() < 0.2 else None))
        pool = self.users
        members = members if members is not None else rng.sample(pool, min(len(pool), rng.randint(2, 8)))
        managers = managers if managers is not None else rng.sample(pool, 1)
        if presenters is None:
            presenters = rng.sample(members, 1) if behavior == S.BEH_AUDITORIUM else []
        roles = [(node, p, S.ROLE_MEMBER) for p in members] + [(node, p, S.ROLE_MANAGER) for p in managers]
        roles += [(node, p, S.ROLE_VOICED) for p in presenters]
        self.conn.executemany("INSERT OR IGNORE INTO tblPrincipalRole VALUES (?,?,?,1)", roles)
        info = {"id": node, "name": name, "members": list(members), "guid": self.node_guid[node]}
        self.rooms.append(info)
        if disabled:
            self.notable["disabled_rooms"].append(name)
        if behavior == S.BEH_AUDITORIUM:
            self.notable["auditoriums"].append(name)
        if topic:
            self.notable["rooms_with_topic"].append(name)
        return node

    def addin(self, name, url):
        siop = _guid(self.rng)
        self.conn.execute("INSERT INTO tblSiopWhiteList VALUES (?,?,?)", (siop, name, url))
        self.addins.append(siop)
        self.notable["addins"].append(name)
        return siop


def _text(rng, hostile):
    r = rng.random()
    if hostile and r < 0.5:
        return rng.choice(_HOSTILE_NAMES) + " " + rng.choice(_EMOJI)
    if r < 0.45:
        text = rng.choice(_ENGLISH)
    elif r < 0.85:
        text = rng.choice(_KOREAN)
    else:
        text = " ".join(rng.choice(_EMOJI) for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.2:
        text += " " + rng.choice(_EMOJI)
    return text


def _message_rows(builder, counts, hostile, file_links):
    """Yield tblChat rows room by room, dates increasing within a room. ``file_links``: {room id: [paths]}."""
    rng = builder.rng
    start, end = _ticks(EPOCH_START), _ticks(EPOCH_END)
    for info, count in zip(builder.rooms, counts):
        room = info["id"]
        authors = info["members"] or builder.users
        links = file_links.get(room, [])
        if count < len(links):
            count = len(links)
        if not count:
            builder.conn.execute("INSERT INTO tblLastChatId VALUES (?,0)", (room,))
            continue
        when = start + rng.randrange((end - start) // 3)
        gap = max(1, (end - when) // (count + 1))
        link_slots = set(rng.sample(range(count), len(links))) if links else set()
        link_iter = iter(links)
        for chat_id in range(1, count + 1):
            when += rng.randint(1, 2 * gap - 1) if gap > 1 else 1
            author = authors[rng.randrange(len(authors))]
            if chat_id - 1 in link_slots:
                content = FILELINK_PREFIX + urllib.parse.quote(next(link_iter), safe="/")
            elif hostile and chat_id == 1:
                content = "long message " + "가나다 😀 '\"`$;|" * 4000
            elif rng.random() < 0.01:
                content = "[STORY]" + _text(rng, hostile) + "\n" + _text(rng, hostile)
            else:
                content = _text(rng, hostile)
            yield (room, chat_id, min(when, end), author, 1 if rng.random() < 0.005 else 0, content, None)
        builder.conn.execute("INSERT INTO tblLastChatId VALUES (?,?)", (room, count))


def _distribute(rng, total, buckets):
    if buckets == 0:
        return []
    weights = [rng.random() ** 3 + 0.02 for _ in range(buckets)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % buckets] += 1
    return counts


def _safe_file_name(rng, index):
    return "%s %d%s" % (rng.choice(_FILE_STEMS), index, rng.choice(_FILE_EXTS))


def _build_legacy(path, profile, seed, flavour, filestore_dir, domain, filestore_uri):
    cfg = _CONFIG[profile]
    rng = random.Random("%s:%d" % (profile, seed))
    hostile = profile == "hostile"
    S.create_legacy(path, flavour, filestore_uri=filestore_uri)
    conn = S.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    b = _LegacyBuilder(conn, rng, domain, hostile)
    b.principals(cfg["users"], cfg["groups"], cfg["federated"])

    # Add-ins (one name reused by the pre-created 2013 side for the overwrite case).
    b.addin("Wiki", "https://wiki.%s/groupchat" % domain)
    b.addin("Tickets", "https://tickets.%s/room?id={0}" % domain)
    if hostile:
        b.addin(("Add'in \"`$(x)`\" " + "é" * 50)[:50], ("https://h.%s/?q='\"`;|" % domain + "x" * 255)[:255])

    # Root managers [DOC §1.3.2]: they become managers of every room.
    root_managers = b.users[:2]
    conn.executemany("INSERT INTO tblPrincipalRole VALUES (1,?,?,1)", [(p, S.ROLE_MANAGER) for p in root_managers])
    b.notable["root_managers"] = [b.user_uri[p] for p in root_managers]

    # Category tree.
    names = _HOSTILE_NAMES if hostile else _DEPARTMENTS
    leaves = []
    for t in range(cfg["top"]):
        top_name = names[t % len(names)] + ("" if t < len(names) else " %d" % t)
        scope = ([b.ou_users], [b.users[-1]]) if t % 2 == 0 else ([b.groups[t % len(b.groups)], b.domain_prin], [])
        top = b.category(1, top_name, [top_name], scope=scope, invite=1 if t == 0 else "random")
        leaves.append((top, [top_name]))
        for k in range(cfg["kids"]):
            sub_pool = _HOSTILE_NAMES[::-1] if hostile else _SUBS
            kid_name = "%s %s" % (sub_pool[(t + k) % len(sub_pool)], t) if not hostile else sub_pool[(t * 3 + k) % len(sub_pool)] + " %d.%d" % (t, k)
            # The first child of the first top category turns invitations off: its rooms may conflict.
            kid = b.category(top, kid_name, [top_name, kid_name], scope=None if k else ([b.ou_users], []),
                             invite=0 if (t == 0 and k == 0) else "random")
            leaves.append((kid, [top_name, kid_name]))
            for g in range(cfg["grandkids"]):
                gk_name = "%s %d%d" % (_TEAMS[(t + k + g) % len(_TEAMS)], k, g)
                gk = b.category(kid, gk_name, [top_name, kid_name, gk_name])
                leaves.append((gk, [top_name, kid_name, gk_name]))

    # Notable rooms first (deterministic names), then the bulk.
    conflict_cat = next(node for node, p in leaves if len(p) == 2)
    b.room(conflict_cat, "Invitation conflict room", invite=1, behavior=S.BEH_NORMAL, topic="Invites on, category off")
    b.notable["invitation_conflicts"].append("Invitation conflict room")
    deep_cat, deep_path = max(leaves, key=lambda item: len(item[1]))
    long_name = ("Very long room name " + "x" * 256)[:250 - (len(deep_path) - 1)]
    b.room(deep_cat, long_name, behavior=S.BEH_NORMAL)
    b.notable["long_name_rooms"].append(long_name)
    b.room(leaves[0][0], "Partners lounge", visibility=S.VIS_SCOPED, behavior=S.BEH_NORMAL,
                      members=b.users[2:5] + b.federated, presenters=[])
    b.room(leaves[0][0], "Old project (disabled)", disabled=1, behavior=S.BEH_NORMAL)
    b.room(leaves[-1][0], "Town hall", behavior=S.BEH_AUDITORIUM, visibility=S.VIS_OPEN,
           addin=b.addins[0], presenters=b.users[5:7], members=b.users[5:12])
    b.room(leaves[0][0], "Help Desk", visibility=S.VIS_OPEN, behavior=S.BEH_NORMAL, invite=None)
    if hostile:
        top_leaf = leaves[0][0]
        b.room(top_leaf, "M" * 256, behavior=S.BEH_NORMAL)                 # exactly the limit, no prefix
        b.room(top_leaf, "café", behavior=S.BEH_NORMAL)                    # NFC and NFD twins: distinct names
        b.room(top_leaf, "cafe\u0301", behavior=S.BEH_NORMAL)
    remaining = cfg["rooms"] - len(b.rooms)
    privacy_cycle = [S.VIS_OPEN, S.VIS_SCOPED, S.VIS_PRIVATE]
    for i in range(max(0, remaining)):
        node, path = leaves[i % len(leaves)]
        if hostile:
            name = "%s #%d" % (_HOSTILE_NAMES[i % len(_HOSTILE_NAMES)], i)
        else:
            name = "%s %s %d" % (path[-1], _TOPICS[i % len(_TOPICS)], i)
        b.room(node, name, visibility=privacy_cycle[i % 3],
               behavior=S.BEH_AUDITORIUM if i % 7 == 3 else S.BEH_NORMAL,
               disabled=1 if i % 53 == 52 else 0)

    # Files: nested Unicode folders per room; each file is announced by one ma-filelink message.
    file_links = {}
    upload_rooms = [r for r in b.rooms if r["name"] not in b.notable["disabled_rooms"]] or b.rooms
    for f in range(cfg["files"]):
        info = upload_rooms[(f * 7) % len(upload_rooms)]
        sub = ["%s" % rng.choice(["2009", "2010", "2011", "자료", "Übersicht"]), "batch %02d" % (f % 13)]
        rel = "/".join([info["guid"]] + sub[: 1 + f % 2] + [_safe_file_name(rng, f)])
        file_links.setdefault(info["id"], []).append(rel)
        b.files.append(rel)
        if filestore_dir is not None:
            target = Path(filestore_dir).joinpath(*rel.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(("%s\n" % rel).encode("utf-8") + bytes(rng.getrandbits(8) for _ in range(64 + f % 512)))
    counts = _distribute(rng, cfg["messages"], len(b.rooms))
    conn.execute("COMMIT")

    conn.execute("BEGIN")
    rows = _message_rows(b, counts, hostile, file_links)
    while True:
        batch = [row for _, row in zip(range(50_000), rows)]
        if not batch:
            break
        conn.executemany("INSERT INTO tblChat VALUES (?,?,?,?,?,?,?)", batch)
    conn.execute("INSERT INTO tblConfig VALUES ('filestore', ?, ?)", (filestore_uri, S.ROOT_NODE_GUID))
    conn.execute("COMMIT")
    (messages,) = conn.execute("SELECT COUNT(*) FROM tblChat").fetchone()
    conn.close()
    return {
        "categories": len(b.categories), "rooms": len(b.rooms), "messages": messages, "files": len(b.files),
        "principals": len(b.users) + len(b.federated) + len(b.groups) + 2, "addins": len(b.addins),
        "notable": b.notable, "file_paths_sample": b.files[:5],
        "federated_room": "Partners lounge",
    }


def _precreate_2013(mgc_path, domain, rng):
    """A few 2013 items; "Help Desk" and the add-in "Wiki" collide with legacy names (import overwrites them)."""
    from .store import ChatStore
    with ChatStore(mgc_path) as store:
        base = ",".join("DC=%s" % part for part in domain.split("."))
        ou = "OU=Users,OU=Chat,%s" % base
        store.add_principal("ma-grp:pilot-ou", ou, "Chat Users OU", ptype=S.PTYPE_FOLDER, guid=_guid(rng))
        users = []
        for i in range(3):
            uri = "sip:user%04d@%s" % (i, domain)
            store.add_principal(uri, "CN=Pilot %d,%s" % (i, ou), "Pilot %d" % i, guid=_guid(rng))
            users.append(uri)
        store.add_addin("Wiki", "https://wiki2013.%s/" % domain)
        store.add_addin("Pilot feedback", "https://feedback.%s/" % domain)
        store.add_category("PC2013 Pilot", "Created on the new pool before migration", invitations=True,
                           file_upload=True, allowed=[ou], creators=users[:1])
        store.add_room("Pilot Room", "PC2013 Pilot", members=users, managers=users[:1], addin="Pilot feedback")
        store.add_room("Help Desk", "PC2013 Pilot", description="2013 help desk (will be overwritten)",
                       members=users[1:], privacy="Secret")
        for i in range(5):
            store.post_message("Help Desk", users[i % 3], "2013 message %d" % i, when=_dt.datetime(2013, 1, 2, 9, i))
            store.post_message("Pilot Room", users[i % 3], "pilot %d ✈" % i, when=_dt.datetime(2013, 1, 3, 9, i))
    return {"categories": ["PC2013 Pilot"], "rooms": ["Pilot Room", "Help Desk"], "addins": ["Wiki", "Pilot feedback"],
            "collisions": {"rooms": ["Help Desk"], "addins": ["Wiki"]}}


def seed(path_by_db: dict, profile: str, seed: int = 0, flavour: str = "lync2010", filestore_dir=None,
         precreated_2013: bool = False, pool_fqdn: str = "pc.contoso.local", domain: str = "contoso.local",
         filestore_uri: str | None = None) -> dict:
    """Create and fill the databases named in ``path_by_db`` (keys 'legacy', 'mgc', 'mgccomp'; each
    optional). Existing files are replaced. Returns a summary (counts and the notable items)."""
    if profile not in _CONFIG:
        raise ValueError("unknown dataset profile %r (expected one of %s)" % (profile, ", ".join(PROFILES)))
    unknown = set(path_by_db) - {"legacy", "mgc", "mgccomp"}
    if unknown:
        raise ValueError("unknown database keys: %s" % ", ".join(sorted(unknown)))
    summary = {"profile": profile, "seed": seed, "flavour": flavour, "pool_fqdn": pool_fqdn, "domain": domain}
    if path_by_db.get("legacy"):
        uri = filestore_uri or "https://gc01.%s/GroupChat/" % domain
        summary["legacy"] = _build_legacy(Path(path_by_db["legacy"]), profile, seed, flavour, filestore_dir,
                                          domain, uri)
    if path_by_db.get("mgc"):
        S.create_mgc(path_by_db["mgc"], pool_fqdn)
        if precreated_2013:
            summary["precreated_2013"] = _precreate_2013(path_by_db["mgc"], domain, random.Random("2013:%d" % seed))
    if path_by_db.get("mgccomp"):
        S.create_mgccomp(path_by_db["mgccomp"])
    return summary


def digest(path) -> str:
    """A stable sha256 over every table's rows, ordered by all columns; equal digests = equal content."""
    conn = sqlite3.connect("file:%s?mode=ro" % Path(path).resolve(), uri=True)
    try:
        h = hashlib.sha256()
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        for table in tables:
            cols = [r[1] for r in conn.execute('PRAGMA table_info("%s")' % table)]
            h.update(("\x00T%s(%s)" % (table, ",".join(cols))).encode())
            order = ",".join(str(i + 1) for i in range(len(cols)))
            for row in conn.execute('SELECT * FROM "%s" ORDER BY %s' % (table, order)):
                h.update(repr(row).encode("utf-8", "surrogatepass"))
        return h.hexdigest()
    finally:
        conn.close()
