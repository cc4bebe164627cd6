"""Errors raised by the chat databases; the Lync cmdlets turn them into PowerShell errors.
All are ValueError so callers that only care about "refused" can catch one type."""


class ChatDbError(ValueError):
    """Base class."""


class ObjectNotFound(ChatDbError):
    """No category / room / add-in / principal of that name."""


class DuplicateName(ChatDbError):
    """Names are unique per pool (categories, rooms and add-ins; a room may not share a category's name)."""


class ConstraintViolation(ChatDbError):
    """A documented rule refused the change (e.g. presenters in a Normal room, category still has rooms)."""


class PrincipalNotFound(ChatDbError):
    """The principal is not provisioned in tblPrincipal (reference §6 item 14)."""
