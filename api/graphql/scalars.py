"""Checks every scalar input gets before a resolver runs: no control characters in text; dates in range and
date-times in UTC.

Strings are graphql-core's own ``String`` and ``ID``, so the check is not a scalar's: literals are checked by a
validation rule (:class:`NoControlCharacters`, cached with the document's other rules) and variables after their
coercion (:func:`variable_errors`, called when the execution context is built), both over every place a string can
sit: top-level arguments, input-object fields, list items, directive arguments and variable defaults.  A refusal is
a top-level ``BAD_USER_INPUT`` error naming the argument or variable and its path (``filter.city``,
``$input.skills[1]``); nothing runs, so no database sees the character.

``Date`` and ``DateTime`` replace strawberry's scalars of those names (``SCALAR_OVERRIDES``): input years lie in
2000..2100, a date-time with an offset becomes its UTC instant and one without is taken as UTC, and every
date-time is written in UTC with ``+00:00``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from graphql import (
    ArgumentNode,
    FieldNode,
    GraphQLError,
    ListValueNode,
    Node,
    ObjectValueNode,
    StringValueNode,
    ValidationRule,
    ValueNode,
    VariableDefinitionNode,
)
from strawberry.types.scalar import ScalarDefinition

from api.services.validation import MAX_YEAR, MIN_YEAR, control_character, control_character_message, in_calendar_range

__all__ = ["SCALAR_OVERRIDES", "DateScalar", "DateTimeScalar", "NoControlCharacters", "variable_errors"]

BAD_USER_INPUT = {"code": "BAD_USER_INPUT"}


def _literal_strings(value: ValueNode, place: str) -> Iterator[tuple[str, StringValueNode]]:
    """Each string literal of ``value`` with its place (``filter.city``, ``skills[1]``)."""
    if isinstance(value, StringValueNode):
        yield place, value
    elif isinstance(value, ListValueNode):
        for index, item in enumerate(value.values):
            yield from _literal_strings(item, f"{place}[{index}]")
    elif isinstance(value, ObjectValueNode):
        for field in value.fields:
            yield from _literal_strings(field.value, f"{place}.{field.name.value}")


class NoControlCharacters(ValidationRule):
    """String literals, in arguments and variable defaults, hold no control character but tab, LF and CR."""

    def _check(self, value: ValueNode, root: str, describe: str, node: Node) -> None:
        for place, literal in _literal_strings(value, root):
            character = control_character(literal.value)
            if character is not None:
                message = control_character_message(describe.format(place), character)
                self.report_error(GraphQLError(message, [node, literal], extensions=BAD_USER_INPUT))

    def enter_argument(self, node: ArgumentNode, _key: Any, _parent: Any, _path: Any, ancestors: list[Any]) -> None:
        owner = ancestors[-1] if ancestors else None
        of = f" of field {owner.name.value}" if isinstance(owner, FieldNode) else ""
        self._check(node.value, node.name.value, "argument {}" + of, node)

    def enter_variable_definition(self, node: VariableDefinitionNode, *_args: Any) -> None:
        if node.default_value is not None:
            self._check(node.default_value, f"${node.variable.name.value}", "the default of variable {}", node)


def _strings(value: Any, place: str) -> Iterator[tuple[str, str]]:
    """Each string of a coerced variable value with its place (``$input.skills[1]``)."""
    if isinstance(value, str):
        yield place, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{place}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{place}.{key}")


def variable_errors(coerced: dict[str, Any], definitions: dict[str, VariableDefinitionNode]) -> list[GraphQLError]:
    """The refusals of the coerced variable values (given or defaulted) that hold a control character."""
    errors: list[GraphQLError] = []
    for name, value in coerced.items():
        for place, text in _strings(value, f"variable ${name}"):
            character = control_character(text)
            if character is not None:
                node = definitions.get(name)
                message = control_character_message(place, character)
                errors.append(GraphQLError(message, node, extensions=BAD_USER_INPUT))
    return errors


# ------------------------------------------------------------------ dates and date-times


def _refuse(type_name: str, value: object, reason: str) -> GraphQLError:
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."  # no echo of a megabyte
    return GraphQLError(f"Value cannot represent a {type_name}: {shown}. {reason}", extensions=BAD_USER_INPUT)


def _parse_date(value: object) -> date:
    if not isinstance(value, str):
        raise _refuse("Date", value, "Expected a string such as 2030-06-30.")
    try:
        day = date.fromisoformat(value)
    except ValueError as error:
        raise _refuse("Date", value, str(error)) from None
    if not in_calendar_range(day.year):
        raise _refuse("Date", value, f"The year must be within {MIN_YEAR}..{MAX_YEAR}.")
    return day


def _parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise _refuse("DateTime", value, "Expected a string such as 2030-06-30T12:00:00+08:00.")
    try:
        moment = datetime.fromisoformat(value)
    except (ValueError, OverflowError) as error:
        raise _refuse("DateTime", value, str(error)) from None
    if not in_calendar_range(moment.year):
        raise _refuse("DateTime", value, f"The year must be within {MIN_YEAR}..{MAX_YEAR}.")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _serialize_datetime(value: datetime) -> str:
    """UTC with its offset; a stored value without zone (SQLite hands them back so) is UTC."""
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)).isoformat()


DateScalar = ScalarDefinition(
    name="Date",
    description=f"Date (ISO 8601, e.g. 2030-06-30); given as input, the year is within {MIN_YEAR}..{MAX_YEAR}.",
    specified_by_url=None,
    serialize=date.isoformat,
    parse_value=_parse_date,
    parse_literal=None,
    origin=date,
)
DateTimeScalar = ScalarDefinition(
    name="DateTime",
    description="Date with time (ISO 8601). Given as input, a value with an offset is converted to UTC and one "
    f"without an offset is taken as UTC; the year is within {MIN_YEAR}..{MAX_YEAR}. Read back in UTC, with "
    "+00:00.",
    specified_by_url=None,
    serialize=_serialize_datetime,
    parse_value=_parse_datetime,
    parse_literal=None,
    origin=datetime,
)
SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {date: DateScalar, datetime: DateTimeScalar}
