"""The agencies this install hosts (each with its hub credentials and signing key) and users.

A user belongs to one agency and has one role (DESIGN.md §8); every query of the dms is scoped
to the user's agency.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Agency(models.Model):
    """An agency hosted here: its code on the network, how to reach the hub, how it signs."""

    code = models.CharField(max_length=35, unique=True)
    name = models.CharField(max_length=200)
    # Abbreviation in number/notation: 15/QĐ-<notation> (e.g. UBND, BNV).
    notation = models.CharField(max_length=20, blank=True)
    hub_url = models.CharField(max_length=500)
    client_id = models.CharField(max_length=200)
    client_secret = models.CharField(max_length=500)
    # The agency's signing credential: a PKCS#12 file (with its password), or PEM files.
    signing_p12 = models.CharField(max_length=500, blank=True)
    signing_p12_password = models.CharField(max_length=200, blank=True)
    signing_key = models.CharField(max_length=500, blank=True)
    signing_cert = models.CharField(max_length=500, blank=True)
    signing_chain = models.CharField(max_length=500, blank=True)
    seal_image = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ("code",)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Role(models.TextChoices):
    CLERK = "clerk", _("Văn thư")
    LEADER = "leader", _("Lãnh đạo")
    HEAD = "head", _("Trưởng phòng")
    SPECIALIST = "specialist", _("Chuyên viên")
    ARCHIVIST = "archivist", _("Lưu trữ viên")
    ADMIN = "admin", _("Quản trị")


class User(AbstractUser):
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.SPECIALIST)
    full_name = models.CharField(max_length=100, blank=True)
    position = models.CharField(max_length=100, blank=True)
    # A personal signing credential (PKCS#12); its password is asked at each signature.
    signing_p12 = models.CharField(max_length=500, blank=True)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username
