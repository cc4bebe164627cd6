# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one write the collection makes to the legacy Group Chat database: room names in tblNode.nodeName
(the rename map, room_renames.py). Microsoft documents no command to rename a legacy room, only the Group Chat
Admin Tool's window, so the rename is an UPDATE of the documented column (reference §4.1), made while the
legacy services are stopped, after the verified backup.

Every change is one statement with bound parameters that names the room by id and by its current name, so a
statement changes one row or none; all the changes of a run are one transaction: all or none.
"""

from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.module_utils import sql as sql_utils

RENAME_ROOM = "UPDATE tblNode SET nodeName = ? WHERE nodeID = ? AND nodeType = 0 AND nodeName = ?"
ROOM_NAMES = "SELECT nodeID AS node_id, nodeName AS name FROM tblNode WHERE nodeType = 0 AND nodeID = ?"


def writable(connection_string):
    """The connection string with SQLite's read-only URI mode (build_connection_string's) made read-write."""
    return connection_string.replace("?mode=ro;", "?mode=rw;")


def current_names(client, node_ids):
    """{node id: name} of these legacy rooms (rooms the database does not have are absent)."""
    names = {}
    for node_id in node_ids:
        row = client.query_one(ROOM_NAMES, [int(node_id)])
        if row is not None:
            names[int(row["node_id"])] = row["name"]
    return names


def rename_rooms(connection_string, changes, timeout=30, connect=None):
    """Apply ``changes`` ([{legacy_id, old, new}]) in one transaction. A room whose name is no longer
    ``old`` stops the run before the commit (SQLError), changing nothing."""
    if connect is None:
        if not sql_utils.HAS_PYODBC:
            raise sql_utils.SQLError("pyodbc is not installed: %s" % sql_utils.PYODBC_IMPORT_ERROR)
        connect = sql_utils.pyodbc.connect
    client = sql_utils.SQLClient(connection_string, timeout=timeout, connect=connect)
    try:
        connection = connect(writable(connection_string), autocommit=False, timeout=int(timeout))
    except Exception as error:  # pyodbc.Error and friends; never echo the connection string
        raise client._translate(error)  # pylint: disable=protected-access
    try:
        cursor = connection.cursor()
        for change in changes:
            cursor.execute(RENAME_ROOM, [change["new"], int(change["legacy_id"]), change["old"]])
            if cursor.rowcount != 1:
                raise sql_utils.SQLError("legacy room %s is no longer called %r; nothing was renamed" % (
                    change["legacy_id"], change["old"]))
        connection.commit()
    except Exception as error:  # pylint: disable=broad-except
        connection.rollback()
        if isinstance(error, sql_utils.SQLError):
            raise
        raise client._translate(error)  # pylint: disable=protected-access
    finally:
        connection.close()
