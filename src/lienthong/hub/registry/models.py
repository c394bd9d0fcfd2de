"""The registry: agencies (both code forms, their tree) and the systems that act for them."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models
from oauth2_provider.models import Application


class Agency(models.Model):
    """A state agency, party body or approved enterprise on the network (cơ quan, tổ chức)."""

    class Kind(models.TextChoices):
        STATE = "state", "Cơ quan nhà nước"
        PARTY = "party", "Cơ quan Đảng"
        ENTERPRISE = "enterprise", "Doanh nghiệp"
        OTHER = "other", "Khác"

    class Status(models.TextChoices):
        PENDING = "pending", "Chờ duyệt"
        ACTIVE = "active", "Đang hoạt động"
        SUSPENDED = "suspended", "Tạm dừng"
        CLOSED = "closed", "Đã đóng"

    code = models.CharField("mã định danh (QCVN 102)", max_length=13, unique=True)
    code_d20 = models.CharField(
        "mã định danh (QĐ 20/2020)", max_length=35, unique=True, null=True, blank=True
    )
    name = models.CharField("tên", max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField("cấp")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.STATE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = "cơ quan"
        verbose_name_plural = "cơ quan"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_active(self) -> bool:
        return self.status == Agency.Status.ACTIVE


class ConnectedSystem(models.Model):
    """A document system connected to the hub, acting for one or more agencies."""

    name = models.CharField("tên hệ thống", max_length=200, unique=True)
    agencies = models.ManyToManyField(Agency, related_name="systems", blank=True)
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="connected_system"
    )
    webhook_url = models.URLField(blank=True)
    # Signs webhook bodies (HMAC-SHA256); shown once when the system is added.
    webhook_secret = models.CharField(max_length=128, blank=True)
    # The client secret itself, encrypted (Fernet, key derived from SECRET_KEY): the OAuth
    # application keeps only its hash, but the VXP protocol checks an HMAC keyed by the secret.
    client_secret_sealed = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "hệ thống kết nối"
        verbose_name_plural = "hệ thống kết nối"

    def __str__(self) -> str:
        return self.name

    def acts_for(self, agency: Agency) -> bool:
        return self.agencies.filter(pk=agency.pk).exists()

    def seal_client_secret(self, secret: str) -> None:
        """Keep ``secret`` encrypted at rest (the caller saves the row)."""
        self.client_secret_sealed = _secret_box().encrypt(secret.encode("utf-8")).decode("ascii")

    def client_secret(self) -> str | None:
        """The client secret, or None when none is sealed or SECRET_KEY no longer opens it."""
        if not self.client_secret_sealed:
            return None
        try:
            return _secret_box().decrypt(self.client_secret_sealed.encode("ascii")).decode("utf-8")
        except InvalidToken:
            return None


def _secret_box() -> MultiFernet:
    """Fernet keys derived (HKDF-SHA256) from SECRET_KEY and its fallbacks: the first encrypts,
    any of them decrypts, so rotating SECRET_KEY with the old one as a fallback keeps working."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(_derive(key)) for key in keys])


def _derive(secret_key: str) -> bytes:
    hkdf = HKDF(
        algorithm=SHA256(),
        length=32,
        salt=b"lienthong.hub.registry",
        info=b"connected-system client secret v1",
    )
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode("utf-8")))


class TrustAnchor(models.Model):
    """A root certificate whose signers the hub trusts (chữ ký số chuyên dùng)."""

    name = models.CharField(max_length=300)
    certificate_pem = models.TextField()
    fingerprint = models.CharField(max_length=64, unique=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "chứng thư gốc tin cậy"
        verbose_name_plural = "chứng thư gốc tin cậy"

    def __str__(self) -> str:
        return self.name
