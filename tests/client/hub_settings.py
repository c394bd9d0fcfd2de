"""The hub's own settings, with a fast password hasher: client secrets are hashed like passwords,
and the production hasher's deliberate slowness only costs time in tests (as in tests/hub)."""

from lienthong.sites.hub.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
