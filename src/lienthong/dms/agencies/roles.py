"""Who may do what: one table of actions and the roles allowed to take them."""

from __future__ import annotations

from enum import StrEnum

from lienthong.dms.errors import NotAllowed

from .models import Role, User


class Action(StrEnum):
    REGISTER = "register"  # enter an arrived document in the incoming register, or refuse it
    ASSIGN = "assign"  # name the handlers of a registered document
    DRAFT = "draft"  # write an outgoing document
    APPROVE = "approve"  # approve and sign (PAdES, personal certificate)
    ISSUE = "issue"  # number, agency signature, send through the hub
    REVOKE = "revoke"  # take back a sent document (13), answer a take-back (15/16)
    SEE_OVERDUE = "see-overdue"
    DOSSIERS = "dossiers"
    ARCHIVE = "archive"  # retention, archive packages, hand-over, proposing and doing disposal
    APPROVE_DISPOSAL = "approve-disposal"


ALLOWED: dict[Action, frozenset[str]] = {
    Action.REGISTER: frozenset({Role.CLERK, Role.ADMIN}),
    Action.ASSIGN: frozenset({Role.LEADER, Role.HEAD, Role.ADMIN}),
    Action.DRAFT: frozenset({Role.SPECIALIST, Role.HEAD, Role.LEADER, Role.CLERK, Role.ADMIN}),
    Action.APPROVE: frozenset({Role.LEADER, Role.HEAD}),
    Action.ISSUE: frozenset({Role.CLERK, Role.ADMIN}),
    Action.REVOKE: frozenset({Role.CLERK, Role.LEADER, Role.ADMIN}),
    Action.SEE_OVERDUE: frozenset({Role.LEADER, Role.HEAD, Role.ADMIN}),
    Action.DOSSIERS: frozenset(
        {Role.CLERK, Role.LEADER, Role.HEAD, Role.SPECIALIST, Role.ARCHIVIST, Role.ADMIN}
    ),
    Action.ARCHIVE: frozenset({Role.ARCHIVIST, Role.LEADER}),
    Action.APPROVE_DISPOSAL: frozenset({Role.LEADER}),
}

_WHAT = {
    Action.REGISTER: "register or refuse incoming documents",
    Action.ASSIGN: "assign documents",
    Action.DRAFT: "draft outgoing documents",
    Action.APPROVE: "approve and sign outgoing documents",
    Action.ISSUE: "issue outgoing documents",
    Action.REVOKE: "take documents back",
    Action.SEE_OVERDUE: "see the overdue list",
    Action.DOSSIERS: "work with dossiers",
    Action.ARCHIVE: "archive dossiers",
    Action.APPROVE_DISPOSAL: "approve the disposal of documents",
}


def may(user: User, action: Action) -> bool:
    return user.is_active and user.agency_id is not None and user.role in ALLOWED[action]


def require(user: User, action: Action) -> None:
    if not may(user, action):
        raise NotAllowed(f"{user.username} ({user.get_role_display()}) may not {_WHAT[action]}")


def require_same_agency(user: User, agency_id: int | None) -> None:
    if user.agency_id is None or user.agency_id != agency_id:
        raise NotAllowed("this document belongs to another agency")


def agency_id_of(user: User) -> int:
    """The user's agency, which every query is scoped to; none at all is refused."""
    if user.agency_id is None:
        raise NotAllowed(f"{user.username} belongs to no agency")
    return user.agency_id
