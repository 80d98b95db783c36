"""graphql-core's execution with shortcuts for the commonest values: scalars read straight off an object, and
lists of plain scalars.

Most values of a page are scalars and enums of strawberry's basic fields (no resolver, no field extension,
so no permission class): the field's value is an attribute of the object that holds it.  For each such
field graphql-core builds a resolve info, checks for arguments and walks the value completion; the
shortcut, taken where graphql-core executes one field in its loop over an object's fields, reads the
attribute and coerces it at once (the loop, the order of the fields and the awaiting of the other fields'
values stay graphql-core's).  Likewise a list of strings or numbers (a job's skills) is coerced in one
loop instead of completing each item as a value of its own.
A list of objects without a size argument hands on at most its bound (:func:`api.graphql.cost.list_bound`), the
number the query's cost was reckoned with: a longer one is cut there, and the cut logged.
Anything out of the ordinary (an error, a null where the schema allows none, an awaitable, a value the
type cannot represent) goes down graphql-core's own path, which reads the value again and reports the
problem exactly as it always does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import islice
from operator import attrgetter
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLStreamDirective,
    Undefined,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_leaf_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

from api.graphql.cost import SIZE_ARGUMENTS, list_bound
from api.graphql.scalars import variable_errors

__all__ = ["ScalarShortcutExecutionContext"]

log = logging.getLogger("guilu")

# (read the value off its object, the field's scalar or enum type, whether it may be null) of a field
# that takes the shortcut; by object type, then field name (None for a field that does not).
_Shortcut = tuple[Callable[[Any], Any], GraphQLLeafType, bool]
_shortcuts: dict[GraphQLObjectType, dict[str, _Shortcut | None]] = {}
# Values that are neither errors nor awaitable, known at a glance.
_PLAIN_VALUES = frozenset({str, int, float, bool})


# The bound of each list field of objects without a size argument (None for any other field), by object type.
_bounds: dict[tuple[GraphQLObjectType, str], int | None] = {}


def _bound_of(parent_type: GraphQLObjectType, field_name: str) -> int | None:
    key = (parent_type, field_name)
    if key not in _bounds:
        field = parent_type.fields.get(field_name)
        unsized = field is not None and not any(name in field.args for name in SIZE_ARGUMENTS)
        objects = field is not None and is_composite_type(get_named_type(field.type))
        _bounds[key] = list_bound(parent_type.name, field_name) if unsized and objects else None
    return _bounds[key]


def _shortcuts_of(object_type: GraphQLObjectType) -> dict[str, _Shortcut | None]:
    """The shortcuts of an object type's fields, made at its first use."""
    shortcuts = _shortcuts.get(object_type)
    if shortcuts is None:
        shortcuts = _shortcuts[object_type] = {name: _shortcut(f) for name, f in object_type.fields.items()}
    return shortcuts


def _shortcut(field: GraphQLField) -> _Shortcut | None:
    """How to read a basic strawberry field of a scalar or enum type; None for any other field."""
    definition = field.extensions.get("strawberry-definition")
    leaf_type = get_nullable_type(field.type)
    if not (
        isinstance(definition, StrawberryField)
        # No resolver and no field extension (so no permission class): strawberry reads the value with its
        # default resolver and never looks at the resolve info.
        and definition.is_basic_field
        and getattr(field.resolve, "_is_default", False)
        and is_leaf_type(leaf_type)
    ):
        return None
    read: Callable[[Any], Any]
    if definition.default_resolver is getattr and type(definition).get_result is StrawberryField.get_result:
        read = attrgetter(definition.python_name)  # what get_result does for a basic field, minus three calls
    else:
        resolve = field.resolve
        assert resolve is not None

        def read(source: Any) -> Any:
            return resolve(source, None)

    return read, leaf_type, not is_non_null_type(field.type)


class ScalarShortcutExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with the shortcuts above.

    The shortcut of fields is off when a field middleware (an extension with a ``resolve`` hook) must see
    every field.  Building the context also refuses variable values with control characters
    (:func:`api.graphql.scalars.variable_errors`), for queries, mutations and subscriptions alike.
    """

    @classmethod
    def build(cls, schema: Any, document: DocumentNode, *args: Any, **kwargs: Any) -> Any:
        built = super().build(schema, document, *args, **kwargs)
        if isinstance(built, list):  # graphql-core's own refusals (unknown operation, uncoercible variables)
            return built
        definitions = {d.variable.name.value: d for d in built.operation.variable_definitions or ()}
        errors: list[GraphQLError] = variable_errors(built.variable_values.coerced, definitions)
        return errors or built

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        middleware = self.middleware_manager
        self._field_shortcuts = middleware is None or not middleware.middlewares
        # A list delivered bit by bit (@stream) goes graphql-core's way; a schema without the directive has none.
        self._streams = self.schema.get_directive(GraphQLStreamDirective.name) is not None

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        """A scalar that takes the shortcut, read and coerced at once; any other field, graphql-core's way.

        graphql-core's own loop over the fields calls this for each, so the order of the fields, and the
        handling of the awaitables of the others, stay graphql-core's.
        """
        if self._field_shortcuts:
            shortcut = _shortcuts_of(parent_type).get(field_details_list[0].node.name.value)
            if shortcut is not None:
                read, leaf_type, nullable = shortcut
                try:
                    value = read(source)
                    if value is None or value is Undefined:
                        if nullable:
                            return None
                    elif type(value) in _PLAIN_VALUES or not (isinstance(value, Exception) or self.is_awaitable(value)):
                        coerced = leaf_type.coerce_output_value(value)
                        if coerced is not None and coerced is not Undefined:
                            return coerced
                except Exception:  # graphql-core's path reports it as usual
                    pass
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """A list of plain scalars (a job's skills) coerced item by item at once; any other list, graphql-core's way,
        cut to its bound when it is a list of objects without a size argument."""
        bound = _bound_of(info.parent_type, info.field_name)
        if bound is not None and isinstance(result, Iterable) and not isinstance(result, (str, bytes, Mapping)):
            items = result if isinstance(result, Sequence) else list(islice(result, bound + 1))
            if len(items) > bound:
                log.warning(
                    "%s.%s: %d items cut to its bound of %d", info.parent_type.name, info.field_name, len(items), bound
                )
                items = items[:bound]
            result = items
        leaf_type = get_nullable_type(return_type.of_type)
        if type(result) is list and not self._streams and is_leaf_type(leaf_type):
            coerce = leaf_type.coerce_output_value
            completed = []
            try:
                for item in result:
                    coerced = coerce(item) if type(item) in _PLAIN_VALUES else None
                    if coerced is None or coerced is Undefined:
                        break  # a null or an odd value: graphql-core completes the list and reports it
                    completed.append(coerced)
                else:
                    return completed
            except Exception:  # a value the type cannot represent: graphql-core reports it at its place in the list
                pass
        return super().complete_list_value(return_type, field_details_list, info, path, result, position_context)
