"""The append-only audit log: every state change, hash-chained."""

from __future__ import annotations

from django.db import models


class AuditEntry(models.Model):
    """One state change. ``hash`` = SHA-256(previous hash ‖ canonical JSON of this entry)."""

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=200)
    action = models.CharField(max_length=60)
    subject = models.CharField(max_length=200)
    data = models.JSONField(default=dict)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]


class AuditCheckpoint(models.Model):
    """The chain's tip at a moment, signed by the hub: a rewritten chain no longer matches it."""

    seq = models.BigIntegerField(unique=True)  # the last entry covered
    hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    signature = models.TextField()  # the hub's receipt-style signature over {seq, hash, at}

    class Meta:
        ordering = ["seq"]
