"""The 2013 object model: documented properties and constraints of categories, rooms and add-ins."""
from __future__ import annotations

import datetime as dt

import pytest

from pchat_lab.chatdb import schema
from pchat_lab.chatdb.errors import ConstraintViolation, DuplicateName, ObjectNotFound, PrincipalNotFound
from pchat_lab.chatdb.store import ChatStore

OU = "OU=Users,OU=Chat,DC=contoso,DC=local"
GROUP = "CN=GC-Sales,OU=Groups,DC=contoso,DC=local"
ALICE, BOB, EVE, CAROL = ("sip:alice@contoso.local", "sip:bob@contoso.local", "sip:eve@contoso.local",
                          "sip:carol@contoso.local")


@pytest.fixture()
def store(tmp_path):
    schema.create_mgc(tmp_path / "mgc.db", "pc.contoso.local")
    s = ChatStore(tmp_path / "mgc.db")
    s.add_principal(None, OU, "Users", ptype=schema.PTYPE_FOLDER)
    group = s.add_principal(None, GROUP, "GC-Sales", ptype=schema.PTYPE_GROUP)
    for uri, name in ((ALICE, "Alice"), (BOB, "Bob"), (EVE, "Eve")):
        s.add_principal(uri, "CN=%s,%s" % (name, OU), name)
    carol = s.add_principal(CAROL, "CN=Carol,OU=Elsewhere,DC=contoso,DC=local", "Carol")
    s.conn.execute("INSERT INTO tblPrincipalAffiliations VALUES (?,0,?,1)", (carol, group))
    yield s
    s.close()


def test_category_properties(store):
    cat = store.add_category("IT", "Tech", invitations=True, allowed=[OU], denied=[EVE], creators=[ALICE])
    assert cat == {"Identity": "pc.contoso.local\\IT", "Name": "IT", "Description": "Tech",
                   "PersistentChatPoolFqdn": "pc.contoso.local", "Invites": True, "FileUpload": False,
                   "ChatHistory": True, "AllowedMembers": [OU], "DeniedMembers": [EVE], "Creators": [ALICE]}
    assert store.category("it")["Name"] == "IT"                           # names are case-insensitive
    changed = store.set_category("IT", name="Tech", file_upload=True, denied=None)
    assert changed["Name"] == "Tech" and changed["FileUpload"] and changed["DeniedMembers"] == []
    with pytest.raises(ObjectNotFound):
        store.category("IT")


def test_category_name_unique_and_limits(store):
    store.add_category("IT")
    with pytest.raises(DuplicateName):
        store.add_category("it")
    with pytest.raises(ConstraintViolation):
        store.add_category("x" * 257)
    store.add_category("y" * 256)
    with pytest.raises(PrincipalNotFound):
        store.add_category("Z", allowed=["sip:nobody@contoso.local"])
    assert [c["Name"] for c in store.categories()] == ["IT", "y" * 256]   # nothing half-written


def test_remove_category_with_rooms_fails(store):
    store.add_category("IT", allowed=[OU])
    store.add_room("Help", "IT")
    with pytest.raises(ValueError, match="contains 1 chat room"):
        store.remove_category("IT")
    store.remove_room("Help")
    store.remove_category("IT")
    assert store.categories() == []


def test_room_defaults_and_properties(store):
    store.add_category("IT", allowed=[OU])
    room = store.add_room("Help", "IT")
    assert room == {"Identity": "pc.contoso.local\\Help", "Name": "Help", "Description": "", "Category": "IT",
                    "Type": "Normal", "Privacy": "Closed", "Addin": None, "Disabled": False,
                    "Invitations": "Inherit", "Members": [], "Managers": [], "Presenters": [],
                    "PersistentChatPoolFqdn": "pc.contoso.local"}
    conn = store.conn
    assert conn.execute("SELECT behavior, visibility, invite FROM tblNode WHERE nodeName='Help'").fetchone() == (4, 3, None)
    store.set_room("Help", privacy="Secret", invitations="False", disabled=True)
    assert conn.execute("SELECT visibility, invite, disabled FROM tblNode WHERE nodeName='Help'").fetchone() == (2, 0, 1)
    with pytest.raises(ConstraintViolation):
        store.set_room("Help", privacy="Hidden")


def test_room_and_category_names_share_one_namespace(store):
    store.add_category("IT", allowed=[OU])
    with pytest.raises(DuplicateName):
        store.add_room("IT", "IT")


def test_presenters_only_in_auditorium(store):
    store.add_category("IT", allowed=[OU])
    with pytest.raises(ConstraintViolation, match="Auditorium"):
        store.add_room("Help", "IT", presenters=[ALICE])
    room = store.add_room("Town hall", "IT", type="Auditorium", presenters=[ALICE], members=[BOB])
    assert room["Presenters"] == [ALICE] and room["Type"] == "Auditorium"


def test_members_within_allowed_minus_denied(store):
    store.add_category("IT", allowed=[OU], denied=[EVE])
    store.add_category("Sales", allowed=[GROUP])
    store.add_room("Help", "IT", members=[ALICE], managers=[BOB])          # OU containment
    with pytest.raises(ConstraintViolation, match="AllowedMembers"):
        store.set_room("Help", members=[ALICE, EVE])                        # deny wins
    with pytest.raises(ConstraintViolation):
        store.set_room("Help", members=[CAROL])                             # not under the OU
    store.add_room("Deals", "Sales", members=[CAROL])                       # group membership
    # Moving a room purges roles the new category does not allow [DOC].
    moved = store.set_room("Help", category="Sales")
    assert moved["Category"] == "Sales" and moved["Members"] == [] and moved["Managers"] == []


def test_addins(store):
    addin = store.add_addin("Wiki", "https://wiki.contoso.local/")
    assert addin == {"Identity": "pc.contoso.local\\Wiki", "Name": "Wiki", "Url": "https://wiki.contoso.local/",
                     "PersistentChatPoolFqdn": "pc.contoso.local"}
    with pytest.raises(ConstraintViolation):
        store.add_addin("n" * 51, "https://x/")
    with pytest.raises(ConstraintViolation):
        store.add_addin("ok", "https://x/" + "u" * 250)
    with pytest.raises(DuplicateName):
        store.add_addin("wiki", "https://y/")
    store.add_category("IT", allowed=[OU])
    store.add_room("Help", "IT", addin="Wiki")
    assert store.set_addin("Wiki", url="https://w2/")["Url"] == "https://w2/"
    store.remove_addin("Wiki")
    assert store.room("Help")["Addin"] is None
    with pytest.raises(ObjectNotFound):
        store.add_room("Other", "IT", addin="Wiki")


def test_messages(store):
    store.add_category("IT", allowed=[OU])
    store.add_room("Help", "IT", members=[ALICE])
    when = dt.datetime(2013, 5, 6, 7, 8, 9)
    assert store.post_message("Help", ALICE, "안녕 😀 'quoted' $(x)", when) == 1
    assert store.post_message("Help", BOB, "second", when + dt.timedelta(minutes=1)) == 2
    msgs = list(store.messages("Help"))
    assert [m["ChatId"] for m in msgs] == [1, 2] and msgs[0]["Date"] == when and msgs[0]["User"] == ALICE
    assert msgs[0]["Content"] == "안녕 😀 'quoted' $(x)"
    assert store.message_counts() == {"Help": 2}
    assert store.clear_room("Help", when) == 1
    assert store.message_counts() == {"Help": 1}
    with pytest.raises(PrincipalNotFound):
        store.post_message("Help", "sip:ghost@contoso.local", "boo")
    store.set_room("Help", disabled=True)
    with pytest.raises(ConstraintViolation):
        store.post_message("Help", ALICE, "while disabled")
