"""The people who run the hub: operator logins for the console (``/admin/``), each audited."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.password_validation import get_password_validators, validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from lienthong.hub.audit.services import append as audit
from lienthong.hub.errors import HubError, ValueInvalid

from .services import RegistryConflict

# Operators can approve agencies and trust roots: their passwords are held to these rules
# whatever the deployment's settings say.
_RULES = get_password_validators(
    [
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 12},
        },
        {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
        {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    ]
)


class PasswordRefused(HubError):
    code = "password-weak"
    status = 422


class UsernameRefused(ValueInvalid):
    pass


def add_operator(username: str, password: str, *, actor: str = "operator") -> AbstractUser:
    """A console login with every permission (the hub has one operator role)."""
    users = get_user_model()
    candidate = users(username=username)
    try:
        users.username_validator(username)
    except ValidationError as exc:
        raise UsernameRefused(" ".join(exc.messages)) from None
    try:
        validate_password(password, candidate, password_validators=_RULES)
    except ValidationError as exc:
        raise PasswordRefused(" ".join(exc.messages)) from None
    with transaction.atomic():
        if users.objects.filter(username=username).exists():
            raise RegistryConflict(f"an operator named {username} already exists")
        user = users.objects.create_superuser(username=username, email="", password=password)
        audit(actor, "operator.added", username)
    assert isinstance(user, AbstractUser)
    return user


__all__ = ["PasswordRefused", "UsernameRefused", "add_operator"]
