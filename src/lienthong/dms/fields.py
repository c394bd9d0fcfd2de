"""Values from outside (a document another agency sent) made to fit the database's columns.

The edXML standard sets no length on most fields; our columns do. A value too long is cut
(with "…") rather than losing the whole document: the message's exact bytes are kept anyway.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def fit(model: type[models.Model], **values: Any) -> dict[str, Any]:
    """``values`` for ``model``'s fields, each text cut to its column's ``max_length``."""
    fitted = {}
    for name, value in values.items():
        field = model._meta.get_field(name)
        limit = getattr(field, "max_length", None)
        if isinstance(value, str) and isinstance(limit, int) and len(value) > limit:
            value = value[: limit - 1] + "…"
        fitted[name] = value
    return fitted


def create(model: type[M], **values: Any) -> M:
    """A new ``model`` record of ``values`` made to fit."""
    return model._default_manager.create(**fit(model, **values))
