"""Lync's XDS-scoped settings: Persistent Chat configuration, policies, compliance configuration and
the pool state. Each collection maps an identity (``global``, ``site:Redmond``,
``service:PersistentChatServer:pcpool.contoso.local``, ``tag:Name``) to a dict of settings."""
from __future__ import annotations

import datetime as _dt
from typing import Optional

# [DOC §3.8] defaults.
CONFIGURATION_DEFAULTS = {"DefaultChatHistory": 30, "MaxFileSizeKB": 20000, "ParticipantUpdateLimit": 75,
                          "RoomManagementUrl": None}
# [DOC §3.9] EnablePersistentChat defaults to False.
POLICY_DEFAULTS = {"Description": None, "EnablePersistentChat": False}
# [DOC §3.10] defaults; AdapterType empty means no compliance data is saved.
COMPLIANCE_DEFAULTS = {"AdapterName": None, "AdapterOutputDirectory": None, "AdapterType": None,
                       "AddChatRoomDetails": False, "AddUserDetails": False,
                       "CreateFileAttachmentsManifest": False, "CustomConfiguration": None,
                       "OneChatRoomPerOutputFile": False, "RunInterval": _dt.timedelta(minutes=15)}


class ScopedSettings:
    """One kind of XDS settings. ``scopes`` are the identity prefixes New- may create."""

    def __init__(self, kind: str, defaults: dict, scopes: tuple) -> None:
        self.kind = kind
        self.defaults = defaults
        self.scopes = scopes
        self.items: dict[str, dict] = {"global": dict(defaults)}
        self.names: dict[str, str] = {"global": "Global"}

    def canonical(self, identity: str) -> str:
        """``Global`` / ``site:X`` / ``service:...`` / ``tag:X`` as Lync prints it, keyed lower-case.
        A bare name (not global) is a per-user (tag:) policy when tags are allowed."""
        text = identity.strip()
        if text.lower() == "global":
            return "global"
        if ":" not in text and "tag" in self.scopes:
            text = "tag:" + text
        return text.lower()

    def display(self, key: str) -> str:
        return self.names.get(key, key)

    def get(self, identity: str) -> Optional[dict]:
        return self.items.get(self.canonical(identity))

    def scope_of(self, identity: str) -> str:
        key = self.canonical(identity)
        return "global" if key == "global" else key.split(":", 1)[0]

    def create(self, identity: str, values: dict) -> dict:
        key = self.canonical(identity)
        text = identity.strip()
        if ":" not in text and key.startswith("tag:"):
            text = "Tag:" + text
        elif text.lower().startswith("site:"):
            text = "Site:" + text[5:]
        elif text.lower().startswith("service:"):
            text = "Service:" + text[8:]
        elif text.lower().startswith("tag:"):
            text = "Tag:" + text[4:]
        settings = dict(self.defaults)
        settings.update(values)
        self.items[key] = settings
        self.names[key] = text
        return settings

    def remove(self, identity: str) -> None:
        key = self.canonical(identity)
        del self.items[key]
        self.names.pop(key, None)

    def match(self, pattern: str) -> list:
        """Identities matching a -Filter wildcard (case-insensitive)."""
        import fnmatch
        return [k for k in self.items if fnmatch.fnmatch(self.display(k).lower(), pattern.lower())]

    def dump(self) -> dict:
        return {self.display(k): {n: (str(v) if isinstance(v, _dt.timedelta) else v) for n, v in s.items()}
                for k, s in self.items.items()}
