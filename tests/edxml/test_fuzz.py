"""Whatever bytes arrive, reading and checking them ends in a result or a typed error."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lienthong.edxml import EdxmlError, build, parse, validate

from .strategies import messages


def _read_and_check(data: bytes) -> None:
    try:
        validate(parse(data).message)
    except EdxmlError as exc:
        assert exc.code and exc.message


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_raise_anything_but_a_typed_error(data: bytes) -> None:
    _read_and_check(data)


@settings(max_examples=300, deadline=None)
@given(messages, st.data())
def test_damaged_messages_never_raise_anything_but_a_typed_error(
    message: object, data: st.DataObject
) -> None:
    raw = bytearray(build(message))  # type: ignore[arg-type]
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            raw[at] ^= data.draw(st.integers(1, 255))
        elif action == "cut":
            del raw[at : at + data.draw(st.integers(1, 40))]
        else:
            raw[at:at] = data.draw(
                st.sampled_from([b"<", b"&", b"<!--", b"]]>", b"\xff", b"<x:y>"])
            )
        if not raw:
            break
    _read_and_check(bytes(raw))
