"""build → parse → build is stable, and what is built is valid."""

from __future__ import annotations

from hypothesis import given, settings

from lienthong.edxml import Message, build, parse, validate

from .strategies import messages


@settings(max_examples=150, deadline=None)
@given(messages)
def test_build_then_parse_gives_back_the_same_message(message: Message) -> None:
    data = build(message)
    result = parse(data)
    assert result.message == message
    assert result.warnings == ()
    assert build(result.message) == data


@settings(max_examples=100, deadline=None)
@given(messages)
def test_generated_messages_are_valid(message: Message) -> None:
    assert validate(message) == []
