"""The one Django view of ``/vxp/<verb>``: which verbs exist, by which method, and how every
answer is shaped — ``{"status", "ErrorCode", "ErrorDesc", …}`` with HTTP 200, never a 500."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from lienthong.errors import CodedError
from lienthong.hub.errors import HubError

from . import directory, errors, exchange
from .auth import Call, authenticate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verb:
    methods: frozenset[str]
    handle: Callable[[Call], dict[str, Any]]


_POST = frozenset({"POST"})
_READ = frozenset({"GET", "POST"})  # the SDK GETs some reads and POSTs others: take either

VERBS: dict[str, Verb] = {
    "sendEdoc": Verb(_POST, exchange.send_edoc),
    "getReceivedEdocList": Verb(_READ, exchange.received_list),
    "getEdoc": Verb(_READ, exchange.get_edoc),
    "downloadEdoc": Verb(_READ, exchange.get_edoc),
    "updateStatus": Verb(_POST, exchange.update_status),
    "getSentEdocList": Verb(_READ, exchange.sent_list),
    "countReceiveEdoc": Verb(_READ, exchange.count_edoc),
    "countReceiveStatus": Verb(_READ, exchange.count_status),
    "getAgenciesList": Verb(_READ, directory.agencies_list),
    "getAgenciesListQD20": Verb(_READ, directory.agencies_list_qd20),
    "getSynchronizeUnit": Verb(_READ, directory.synchronize_unit),
    "registerAgency": Verb(_POST, directory.register_agency),
    "deleteAgency": Verb(_POST, directory.delete_agency),
}


@csrf_exempt
def endpoint(request: HttpRequest, verb: str) -> JsonResponse:
    try:
        spec = VERBS.get(verb)
        if spec is None:
            raise errors.VxpRefusal(errors.VERB_UNKNOWN, f"no verb {verb!r}")
        if request.method not in spec.methods:
            raise errors.VxpRefusal(
                errors.VERB_UNKNOWN, f"{verb} takes {' or '.join(sorted(spec.methods))}"
            )
        fields = spec.handle(authenticate(request))
    except errors.VxpRefusal as refusal:
        return _refused(verb, refusal)
    except (HubError, CodedError) as exc:
        return _refused(verb, errors.refusal_for(exc))
    except RequestDataTooBig:
        return _refused(verb, errors.VxpRefusal(errors.TOO_LARGE))
    except Exception:
        log.exception("vxp %s failed", verb)
        return _refused(verb, errors.VxpRefusal(errors.INTERNAL))
    return _answer({"status": "OK", "ErrorCode": "0", "ErrorDesc": "", **fields})


def _refused(verb: str, refusal: errors.VxpRefusal) -> JsonResponse:
    reason = refusal.reason
    log.info("vxp %s refused: %s %s", verb, reason.code, refusal.detail)
    desc = f"{reason.desc} ({refusal.detail})" if refusal.detail else reason.desc
    return _answer({"status": "FAIL", "ErrorCode": reason.code, "ErrorDesc": desc})


def _answer(body: dict[str, Any]) -> JsonResponse:
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
