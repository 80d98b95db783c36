"""Trusted documents: a manifest ``{sha256 hex of the text: document text}`` of the only operations served.

Build it from the client's ``.graphql`` files with ``guilu trusted-documents build DIR OUT``; serve it with
``GUILU_TRUSTED_DOCUMENTS=OUT``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    Source,
    parse,
    print_ast,
    separate_operations,
    validate,
)

__all__ = ["TrustedDocuments", "TrustedDocumentsError", "build_manifest", "document_hash", "parse_document_id"]

_HEX_DIGITS = frozenset("0123456789abcdef")


class TrustedDocumentsError(ValueError):
    """A manifest or a ``.graphql`` file that cannot be used; the message says which and why."""


def document_hash(text: str) -> str:
    """The manifest key of a document: the sha256 hex digest of its UTF-8 text, exactly as sent."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class TrustedDocuments:
    """The allowed documents by hash."""

    by_hash: Mapping[str, str]

    @classmethod
    def load(cls, path: Path) -> TrustedDocuments:
        """Read and check a manifest: a JSON object whose every key is the sha256 hex of its value.

        Raises
        ------
        TrustedDocumentsError
            When the file cannot be read, is not such an object, or a key does not match its document.
        """
        try:
            manifest = orjson.loads(path.read_bytes())
        except OSError as error:
            raise TrustedDocumentsError(f"cannot read the trusted documents manifest {path}: {error}") from None
        except orjson.JSONDecodeError as error:
            raise TrustedDocumentsError(f"the trusted documents manifest {path} is not JSON: {error}") from None
        if not isinstance(manifest, dict):
            raise TrustedDocumentsError(f"the trusted documents manifest {path} must be a JSON object")
        for key, text in manifest.items():
            if not isinstance(text, str) or document_hash(text) != key:
                raise TrustedDocumentsError(
                    f"the trusted documents manifest {path}: the entry {key[:80]!r} is not the sha256 of its document"
                )
        return cls(by_hash=manifest)

    def document(self, sha256: str) -> str | None:
        """The document with this hash (hex, any case), or None."""
        return self.by_hash.get(sha256.lower())

    def allows(self, text: str) -> bool:
        """Whether this exact document text is in the manifest."""
        return document_hash(text) in self.by_hash

    def operation_names(self) -> frozenset[str]:
        """The names of the manifest's operations (those of documents that parse)."""
        names = set()
        for text in self.by_hash.values():
            try:
                definitions = parse(text).definitions
            except GraphQLError:
                continue
            names.update(d.name.value for d in definitions if isinstance(d, OperationDefinitionNode) and d.name)
        return frozenset(names)


def parse_document_id(document_id: str) -> str | None:
    """The hex digest of a ``sha256:<64 hex>`` document id, or None when it has another form."""
    prefix, _, digest = document_id.partition(":")
    digest = digest.lower()
    if prefix != "sha256" or len(digest) != 64 or not set(digest) <= _HEX_DIGITS:
        return None
    return digest


def build_manifest(files: Iterable[Path], schema: GraphQLSchema | None = None) -> dict[str, str]:
    """One entry per named operation in ``files``, with the fragments it uses (from any of the files).

    Each document is printed by graphql-core (``print_ast``), so the text a client must send (or hash) is the
    manifest's value, not the file's layout.

    Parameters
    ----------
    files
        ``.graphql`` files; together they form one document (operation names must be unique).
    schema
        When given, every operation is validated against it.

    Raises
    ------
    TrustedDocumentsError
        On a syntax error, an anonymous or duplicated operation, no operation at all, or a validation error.
    """
    definitions = []
    for path in files:
        try:
            definitions.extend(parse(Source(path.read_text(encoding="utf-8"), str(path))).definitions)
        except GraphQLError as error:
            raise TrustedDocumentsError(str(error)) from None
    names: set[str] = set()
    for definition in definitions:
        if isinstance(definition, OperationDefinitionNode):
            if definition.name is None:
                raise TrustedDocumentsError("every operation needs a name; found an anonymous one")
            if definition.name.value in names:
                raise TrustedDocumentsError(f"the operation name {definition.name.value} is used twice")
            names.add(definition.name.value)
    if not names:
        raise TrustedDocumentsError("no operation found")
    document = DocumentNode(definitions=tuple(definitions))
    if schema is not None and (errors := validate(schema, document)):
        raise TrustedDocumentsError("; ".join(error.message for error in errors))
    manifest = {}
    for _name, operation in sorted(separate_operations(document).items()):
        text = print_ast(operation)
        manifest[document_hash(text)] = text
    return manifest
