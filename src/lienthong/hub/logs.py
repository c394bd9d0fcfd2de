"""JSON logs of the hub's processes: one JSON object per line on standard error, for any log
shipper (DESIGN.md §3: structlog).

Every record becomes ``{"timestamp", "level", "logger", "event", …}``: the server's requests
(uvicorn's access log, turned into ``event: "request"`` with ``client``, ``method``, ``path``,
``http``, ``status``), its errors with the exception as text (never sent to the client), and the
worker's passes. The configuration is a :func:`logging.config.dictConfig` dictionary so that
uvicorn applies it in each of its worker processes too.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

import structlog

_LEVEL = "INFO"


def _request_fields(
    logger: Any, method_name: str, event_dict: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    """uvicorn's access records carry ``(client, method, path, http version, status)``."""
    args = event_dict.pop("positional_args", None)  # kept by pass_foreign_args
    record = event_dict.get("_record")
    access = record is not None and record.name == "uvicorn.access"
    if access and isinstance(args, tuple) and len(args) == 5:
        client, method, path, version, status = args
        event_dict.update(
            event="request", client=client, method=method, path=path, http=version, status=status
        )
    return event_dict


def formatter() -> logging.Formatter:
    """The JSON formatter for records of the standard library's loggers."""
    return structlog.stdlib.ProcessorFormatter(
        pass_foreign_args=True,
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _request_fields,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )


def config(level: str = _LEVEL) -> dict[str, Any]:
    """The logging configuration of ``hub serve`` and ``hub worker``."""
    stderr = {"handlers": ["stderr"], "level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.formatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {"uvicorn": stderr, "uvicorn.access": stderr},
        "root": {"handlers": ["stderr"], "level": level},
    }


def configure(level: str = _LEVEL) -> None:
    """JSON logs for this process (the worker; uvicorn applies :func:`config` itself)."""
    logging.config.dictConfig(config(level))
