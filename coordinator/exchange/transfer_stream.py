"""The export file read as a stream: its structure by hand, each row decoded whole.

Only the rows being decoded sit in memory, and the bytes are hashed as they are read, so
that the two passes of an import can prove they saw the same file. A :class:`Visitor`
is handed the header entries and each row of each table.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from pathlib import Path
from typing import IO, Any, Final, Protocol

from coordinator.errors import ValidationError
from coordinator.exchange.transfer_specs import TableSpec, show_text
from coordinator.i18n import N_

_CHUNK: Final = 1 << 20  # characters read at a time

_MSG_UNREADABLE = N_("The file {name} cannot be read: {reason}")
_MSG_EMPTY = N_("The file {name} is empty.")
_MSG_NOT_UTF8 = N_("The file {name} is not UTF-8 text, so it is not a Liaison Hub export.")
_MSG_NOT_JSON = N_("The file {name} is not valid JSON: {reason} (line {line}, column {column}).")
_MSG_TRUNCATED = N_("The file {name} is incomplete: it ends in the middle of the data.")
_MSG_NON_FINITE = N_("The file {name} contains {constant}, which is not a valid JSON number.")
_MSG_TOO_DEEP = N_("The file {name} nests values too deeply.")
MSG_NOT_EXPORT = N_("The file {name} is not a Liaison Hub export.")
_MSG_ENTRY_TWICE = N_("The file {name} has the entry {key} twice.")
_MSG_TABLES_NOT_OBJECT = N_("In the file {name}, the tables must be a JSON object.")
_MSG_ROWS_NOT_LIST = N_("Table {table}: the rows must be a JSON list.")


class _NonFiniteError(Exception):
    def __init__(self, constant: str) -> None:
        super().__init__(constant)
        self.constant = constant


def _reject_constant(constant: str) -> Any:
    raise _NonFiniteError(constant)


_WHITESPACE = re.compile(r"[ \t\n\r]*")


class _JsonStream:
    """Reads one JSON document piece by piece: the structure by hand, each row whole.

    Only the rows being decoded sit in memory. The bytes are hashed as they are read so
    that two passes can prove they saw the same file.
    """

    def __init__(self, raw: IO[bytes], name: str) -> None:
        self._raw = raw
        self._name = name
        self._utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        self._decoder = json.JSONDecoder(parse_constant=_reject_constant)
        self._hash = hashlib.sha256()
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._started = False
        self._lines_before = 0  # newlines in the text already dropped from the buffer
        self.saw_text = False

    @property
    def digest(self) -> bytes:
        return self._hash.digest()

    def _more(self) -> bool:
        """Append the next piece of the file to the buffer; False at the end of the file."""
        if self._eof:
            return False
        try:
            data = self._raw.read(max(_CHUNK, len(self._buf) - self._pos))
        except OSError as exc:
            raise ValidationError(
                _MSG_UNREADABLE, name=self._name, reason=exc.strerror or str(exc)
            ) from exc
        self._hash.update(data)
        try:
            chunk = self._utf8.decode(data, final=not data)
        except UnicodeDecodeError:
            raise ValidationError(_MSG_NOT_UTF8, name=self._name) from None
        if not data:
            self._eof = True
        if not self._started and chunk:
            self._started = True
            if chunk.startswith("\ufeff"):
                chunk = chunk[1:]
        self._lines_before += self._buf.count("\n", 0, self._pos)
        self._buf = self._buf[self._pos :] + chunk
        self._pos = 0
        if chunk.strip():
            self.saw_text = True
        return True

    def _skip_whitespace(self) -> None:
        if self._pos < len(self._buf) and self._buf[self._pos] not in " \t\n\r":
            return
        while True:
            match = _WHITESPACE.match(self._buf, self._pos)
            self._pos = match.end() if match else self._pos
            if self._pos < len(self._buf) or not self._more():
                return

    def peek(self) -> str:
        """The next significant character, or "" at the end of the file."""
        self._skip_whitespace()
        return self._buf[self._pos] if self._pos < len(self._buf) else ""

    def advance(self) -> None:
        self._pos += 1

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            raise self.syntax_error(f"Expecting '{char}'")
        self._pos += 1

    def value(self) -> Any:
        """Decode the next whole JSON value."""
        self._skip_whitespace()
        while True:
            try:
                result, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                if self._more():
                    continue
                raise self._decode_error(exc) from None
            except _NonFiniteError as exc:
                raise ValidationError(
                    _MSG_NON_FINITE, name=self._name, constant=exc.constant
                ) from None
            except RecursionError:
                raise ValidationError(_MSG_TOO_DEEP, name=self._name) from None
            if end >= len(self._buf) and self._more():
                continue  # a number may go on in the next piece
            self._pos = end
            return result

    def string(self) -> str:
        if self.peek() != '"':
            raise self.syntax_error("Expecting property name enclosed in double quotes")
        result = self.value()
        assert isinstance(result, str)
        return result

    def finish(self) -> None:
        if self.peek() != "":
            raise self.syntax_error("Extra data")

    def _location(self, pos: int) -> tuple[int, int]:
        line = self._lines_before + self._buf.count("\n", 0, pos) + 1
        column = pos - self._buf.rfind("\n", 0, pos)
        return line, column

    def syntax_error(self, reason: str) -> ValidationError:
        if self._pos >= len(self._buf) and self._eof:
            return self._truncated()
        line, column = self._location(self._pos)
        return ValidationError(
            _MSG_NOT_JSON, name=self._name, reason=reason, line=line, column=column
        )

    def _truncated(self) -> ValidationError:
        if not self.saw_text:
            return ValidationError(_MSG_EMPTY, name=self._name)
        return ValidationError(_MSG_TRUNCATED, name=self._name)

    def _decode_error(self, exc: json.JSONDecodeError) -> ValidationError:
        if exc.pos >= len(self._buf.rstrip()) or exc.msg.startswith("Unterminated"):
            return self._truncated()
        line, column = self._location(exc.pos)
        return ValidationError(
            _MSG_NOT_JSON, name=self._name, reason=exc.msg, line=line, column=column
        )


class Visitor(Protocol):
    """One pass over the file: handed its parts in file order (None skips a table's rows)."""

    def header(self, key: str, value: Any) -> None: ...

    def begin_table(self, name: str) -> TableSpec | None: ...

    def row(self, spec: TableSpec, index: int, raw: object) -> None: ...

    def end_table(self, spec: TableSpec, count: int) -> None: ...


def _walk(stream: _JsonStream, visitor: Visitor, name: str) -> set[str]:
    """Walk the export's structure, handing the header entries and each row to ``visitor``.

    Returns the top-level keys seen.
    """
    first = stream.peek()
    if first == "":
        raise stream.syntax_error("Expecting value")  # empty, or only whitespace
    if first != "{":
        stream.value()  # not JSON at all raises here
        stream.finish()
        raise ValidationError(MSG_NOT_EXPORT, name=name)
    stream.advance()
    seen: set[str] = set()
    if stream.peek() == "}":
        stream.advance()
    else:
        while True:
            key = stream.string()
            if key in seen:
                raise ValidationError(_MSG_ENTRY_TWICE, name=name, key=show_text(key))
            seen.add(key)
            stream.expect(":")
            if key == "tables":
                _walk_tables(stream, visitor, name)
            else:
                visitor.header(key, stream.value())
            separator = stream.peek()
            if separator not in (",", "}"):
                raise stream.syntax_error("Expecting ',' delimiter")
            stream.advance()
            if separator == "}":
                break
    stream.finish()
    return seen


def _walk_tables(stream: _JsonStream, visitor: Visitor, name: str) -> None:
    if stream.peek() != "{":
        stream.value()
        raise ValidationError(_MSG_TABLES_NOT_OBJECT, name=name)
    stream.advance()
    if stream.peek() == "}":
        stream.advance()
        return
    while True:
        table = stream.string()
        stream.expect(":")
        spec = visitor.begin_table(table)
        if stream.peek() != "[":
            stream.value()
            raise ValidationError(_MSG_ROWS_NOT_LIST, table=show_text(table))
        stream.advance()
        count = 0
        if stream.peek() == "]":
            stream.advance()
        else:
            while True:
                count += 1
                raw = stream.value()
                if spec is not None:
                    visitor.row(spec, count, raw)
                separator = stream.peek()
                if separator not in (",", "]"):
                    raise stream.syntax_error("Expecting ',' delimiter")
                stream.advance()
                if separator == "]":
                    break
        if spec is not None:
            visitor.end_table(spec, count)
        separator = stream.peek()
        if separator not in (",", "}"):
            raise stream.syntax_error("Expecting ',' delimiter")
        stream.advance()
        if separator == "}":
            return


def read_export(path: Path, visitor: Visitor) -> tuple[set[str], bytes]:
    """One pass over the file; returns its top-level keys and the hash of its bytes."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise ValidationError(
            _MSG_UNREADABLE, name=path.name, reason=exc.strerror or str(exc)
        ) from exc
    with raw:
        stream = _JsonStream(raw, path.name)
        keys = _walk(stream, visitor, path.name)
        return keys, stream.digest
