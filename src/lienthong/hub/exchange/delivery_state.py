"""The life of one delivery, as one transition table (no ``if`` chains spread over views).

``queued`` → ``leased`` (a recipient system pulled it) → ``delivered`` (acknowledged done) or
``failed`` (acknowledged fail: the recipient could not take it) ; a lease that expires puts it
back to ``queued``; a delivery that keeps failing to be taken goes ``dead`` (operators see it).
"""

from __future__ import annotations

from enum import StrEnum


class DeliveryState(StrEnum):
    QUEUED = "queued"
    LEASED = "leased"
    DELIVERED = "delivered"
    FAILED = "failed"
    DEAD = "dead"


class Event(StrEnum):
    LEASE = "lease"
    LEASE_EXPIRED = "lease-expired"
    ACK_DONE = "ack-done"
    ACK_FAIL = "ack-fail"
    GIVE_UP = "give-up"


TRANSITIONS: dict[tuple[DeliveryState, Event], DeliveryState] = {
    (DeliveryState.QUEUED, Event.LEASE): DeliveryState.LEASED,
    (DeliveryState.LEASED, Event.LEASE): DeliveryState.LEASED,  # re-leased after expiry
    (DeliveryState.LEASED, Event.LEASE_EXPIRED): DeliveryState.QUEUED,
    (DeliveryState.LEASED, Event.ACK_DONE): DeliveryState.DELIVERED,
    (DeliveryState.LEASED, Event.ACK_FAIL): DeliveryState.FAILED,
    (DeliveryState.QUEUED, Event.GIVE_UP): DeliveryState.DEAD,
    (DeliveryState.LEASED, Event.GIVE_UP): DeliveryState.DEAD,
    # A repeated acknowledgement of the same result changes nothing (at-least-once clients).
    (DeliveryState.DELIVERED, Event.ACK_DONE): DeliveryState.DELIVERED,
    (DeliveryState.FAILED, Event.ACK_FAIL): DeliveryState.FAILED,
}


class IllegalTransition(Exception):
    def __init__(self, state: DeliveryState, event: Event) -> None:
        super().__init__(f"a delivery in state {state} cannot take {event}")
        self.state = state
        self.event = event


def next_state(state: DeliveryState, event: Event) -> DeliveryState:
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(state, event) from None
