"""Who may do what: one table of actions and the roles allowed to take them."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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

# Services' messages are English in the code and shown in the user's language: Vietnamese
# from the catalog in locale/vi, English as written (docs/dms.md, "Language").
_WHAT = {
    Action.REGISTER: gettext_lazy("register or refuse incoming documents"),
    Action.ASSIGN: gettext_lazy("assign documents"),
    Action.DRAFT: gettext_lazy("draft outgoing documents"),
    Action.APPROVE: gettext_lazy("approve and sign outgoing documents"),
    Action.ISSUE: gettext_lazy("issue outgoing documents"),
    Action.REVOKE: gettext_lazy("take documents back"),
    Action.SEE_OVERDUE: gettext_lazy("see the overdue list"),
    Action.DOSSIERS: gettext_lazy("work with dossiers"),
    Action.ARCHIVE: gettext_lazy("archive dossiers"),
    Action.APPROVE_DISPOSAL: gettext_lazy("approve the disposal of documents"),
}


def may(user: User, action: Action) -> bool:
    return user.is_active and user.agency_id is not None and user.role in ALLOWED[action]


def require(user: User, action: Action) -> None:
    if not may(user, action):
        raise NotAllowed(
            _("%(user)s (%(role)s) may not %(what)s")
            % {"user": user.username, "role": user.get_role_display(), "what": _WHAT[action]}
        )


def require_same_agency(user: User, agency_id: int | None) -> None:
    if user.agency_id is None or user.agency_id != agency_id:
        raise NotAllowed(_("this document belongs to another agency"))


def agency_id_of(user: User) -> int:
    """The user's agency, which every query is scoped to; none at all is refused."""
    if user.agency_id is None:
        raise NotAllowed(_("%(user)s belongs to no agency") % {"user": user.username})
    return user.agency_id
