"""Refusing an exact replay of a signed request within the timestamp window."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import SeenSignature


def first_sight(digest: str, window_seconds: int) -> bool:
    """Record ``digest``; False if it was recorded before (a replay).

    A timestamp may be up to the window ahead of the hub's clock and still be accepted up to
    the window after it, so a signature is kept for twice the window; older ones are pruned.
    """
    now = timezone.now()
    SeenSignature.objects.filter(
        seen_at__lt=now - dt.timedelta(seconds=2 * window_seconds)
    ).delete()
    try:
        with transaction.atomic():
            SeenSignature.objects.create(digest=digest, seen_at=now)
    except IntegrityError:
        return False
    return True
