"""Contacts files read into entries: vCard (2.1, 3.0, 4.0) and CSV, in any usual encoding.

Encodings are told apart by strict decoding in order: a byte-order mark (UTF-8,
UTF-16, UTF-32), NUL bytes in UTF-16's pattern, UTF-8, GB18030 (a superset of GBK and
GB2312: what Chinese phones and Excel write), and last Windows-1252 (Outlook on a
Western system). A quoted-printable vCard 2.1 value says its own charset (UTF-8, GBK).

A CSV file is told by its header row, in Chinese or English (Excel's, Outlook's and
phones' own column names); its delimiter is a comma, a tab or a semicolon.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from coordinator.errors import DomainError, ValidationError
from coordinator.i18n import N_
from coordinator.kinds import Channel

__all__ = ["FileKind", "ParsedContact", "decode", "read_entries"]

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ENTRIES = 100_000

FileKind = Literal["vcard", "csv"]

_UNREADABLE = N_("The file {name} cannot be read: {reason}")
_EMPTY = N_("The file {name} is empty.")
_TOO_BIG = N_("The file {name} is too large for a contacts file (more than {limit} MB).")
_NOT_TEXT = N_(
    "The file {name} is not a contacts file: it is not text in a known encoding "
    "(UTF-8, UTF-16, GBK/GB18030)."
)
_NOT_VCARD = N_("The file {name} is not a valid vCard file: {problem} (line {line}).")
_VCARD_UNCLOSED = N_("a card is not closed by END:VCARD")
_VCARD_NESTED = N_("a card starts inside another card")
_VCARD_OUTSIDE = N_("there is text outside any card")
_VCARD_STRAY_END = N_("END:VCARD without BEGIN:VCARD")
_NO_CARDS = N_("The file {name} holds no vCard (no BEGIN:VCARD line).")
_NO_HEADER = N_(
    "The file {name} has no header row naming its columns. Expected columns such as "
    "姓名 / Name (or First Name and Last Name) and 手机 / Mobile / Phone."
)
_BAD_CSV = N_(
    "The file {name} is not a valid CSV file: a quoted value is not closed or is malformed "
    "near line {line}."
)
_TOO_MANY = N_("The file {name} holds more than {limit} contacts.")
_NO_ROWS = N_("The file {name} holds no contacts.")

_CARD_UNREADABLE = N_("This card cannot be read (line {line}).")


@dataclass(frozen=True)
class ParsedContact:
    """What the file says about one person, before any check."""

    entry: int  # from 1, in file order
    line: int  # where the entry starts in the file
    name: str
    organisation: str = ""
    role: str = ""
    notes: str = ""
    phones: tuple[tuple[str, str], ...] = ()  # (number as written, label)
    handles: tuple[tuple[Channel, str], ...] = ()
    problem: DomainError | None = None  # a card that could not be read at all


# -- reading the file ------------------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValidationError(_TOO_BIG, name=name, limit=MAX_FILE_BYTES // (1024 * 1024))
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(_UNREADABLE, name=name, reason=exc.strerror or str(exc)) from None
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(_TOO_BIG, name=name, limit=MAX_FILE_BYTES // (1024 * 1024))
    if not data.strip():
        raise ValidationError(_EMPTY, name=name)
    return data


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, name: str) -> tuple[str, str]:
    """The text of a file and the encoding it was read with."""
    candidates: list[str] = []
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            candidates = [encoding]
            break
    else:
        if b"\x00" in data:
            head = data[:4000]
            odd = head[1::2].count(0)
            even = head[0::2].count(0)
            # Mostly-ASCII UTF-16 has a NUL in every other byte: the odd ones little-endian.
            if odd > len(head) // 4 and odd > even:
                candidates = ["utf-16-le"]
            elif even > len(head) // 4:
                candidates = ["utf-16-be"]
        else:
            candidates = ["utf-8", "gb18030", "cp1252"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if "\x00" in text:
            break  # NUL inside decoded text: a binary file that happened to decode
        return text, encoding
    raise ValidationError(_NOT_TEXT, name=name)


def _kind(path: Path, text: str) -> FileKind:
    head = text.lstrip("\ufeff \t\r\n")[:20].upper()
    if head.startswith("BEGIN:VCARD") or path.suffix.lower() in (".vcf", ".vcard"):
        return "vcard"
    return "csv"


def read_entries(path: Path) -> tuple[FileKind, str, list[ParsedContact]]:
    """The entries of a contacts file, or :class:`DomainError` if it is not one."""
    data = _read_bytes(path)
    text, encoding = decode(data, path.name)
    kind = _kind(path, text)
    entries = _vcard_entries(text, path.name) if kind == "vcard" else _csv_entries(text, path.name)
    if not entries:
        raise ValidationError(_NO_ROWS, name=path.name)
    if len(entries) > MAX_ENTRIES:
        raise ValidationError(_TOO_MANY, name=path.name, limit=MAX_ENTRIES)
    return kind, encoding, entries


# -- vCard ---------------------------------------------------------------------------------


def _single_line(text: str) -> str:
    return " ".join(_printable(text).split())


def _printable(text: str) -> str:
    """Line breaks and tabs kept; other controls (from a broken export) dropped."""
    return "".join(
        c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs")
    ).replace("\r", "")


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _components(value: str) -> list[str]:
    """The parts of a structured value (N, ORG), split on unescaped semicolons."""
    return [_unescape(part) for part in re.split(r"(?<!\\);", value)]


def _card_chunks(text: str, name: str) -> Iterator[tuple[int, str]]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start: int | None = None
    for number, line in enumerate(lines, start=1):
        marker = line.strip().upper()
        if marker == "BEGIN:VCARD":
            if start is not None:
                raise ValidationError(_NOT_VCARD, name=name, problem=_VCARD_NESTED, line=number)
            start = number
        elif marker == "END:VCARD":
            if start is None:
                raise ValidationError(_NOT_VCARD, name=name, problem=_VCARD_STRAY_END, line=number)
            yield start, "\n".join(lines[start - 1 : number]) + "\n"
            start = None
        elif start is None and marker:
            raise ValidationError(_NOT_VCARD, name=name, problem=_VCARD_OUTSIDE, line=number)
    if start is not None:
        raise ValidationError(_NOT_VCARD, name=name, problem=_VCARD_UNCLOSED, line=start)


def _vcard_entries(text: str, name: str) -> list[ParsedContact]:
    # Imported when a vCard is read, not with the module: the CLI and the app start faster.
    import vobject  # type: ignore[import-untyped]

    entries: list[ParsedContact] = []
    for start, chunk in _card_chunks(text, name):
        number = len(entries) + 1
        if number > MAX_ENTRIES:
            raise ValidationError(_TOO_MANY, name=name, limit=MAX_ENTRIES)
        try:
            # transform=False: the values stay text, so a damaged photo or birthday in a
            # card cannot stop the card's name and numbers from being read.
            card = vobject.readOne(chunk, transform=False, allowQP=True)
            entry = _card_entry(number, start, card.contents)
        except Exception:  # vobject raises many kinds of error on a damaged card
            entry = ParsedContact(
                number, start, "", problem=ValidationError(_CARD_UNREADABLE, line=start)
            )
        entries.append(entry)
    if not entries:
        raise ValidationError(_NO_CARDS, name=name)
    return entries


def _values(contents: dict[str, list[object]], key: str) -> list[object]:
    return list(contents.get(key, []))


def _text_value(line: object) -> str:
    value = getattr(line, "value", "")
    return value if isinstance(value, str) else ""


def _types(line: object) -> set[str]:
    params = getattr(line, "params", {})
    words = {str(w).lower() for w in getattr(line, "singletonparams", [])}
    for value in params.get("TYPE", []):
        words.update(part.strip().strip('"').lower() for part in str(value).split(","))
    return words


_IMPP_SCHEMES = {
    "qq": Channel.QQ,
    "wechat": Channel.WECHAT,
    "weixin": Channel.WECHAT,
    "dingtalk": Channel.DINGTALK,
}
_X_HANDLES = {
    "x-qq": Channel.QQ,
    "x-wechat": Channel.WECHAT,
    "x-weixin": Channel.WECHAT,
    "x-dingtalk": Channel.DINGTALK,
}


def _card_entry(number: int, start: int, contents: dict[str, list[object]]) -> ParsedContact:
    full_name = next((_single_line(_unescape(_text_value(v))) for v in _values(contents, "fn")), "")
    if not full_name:
        for line in _values(contents, "n"):
            parts = [_single_line(p) for p in _components(_text_value(line))] + ["", ""]
            full_name = _join_name(given=parts[1], family=parts[0], middle=parts[2])
            if full_name:
                break
    organisation = department = ""
    for line in _values(contents, "org"):
        parts = [_single_line(p) for p in _components(_text_value(line))]
        organisation = parts[0] if parts else ""
        department = " ".join(p for p in parts[1:] if p)
        break
    title = next((_single_line(_unescape(_text_value(v))) for v in _values(contents, "title")), "")
    role = " ".join(p for p in (department, title) if p)
    notes = "\n".join(_printable(_unescape(_text_value(v))) for v in _values(contents, "note"))
    phones: list[tuple[str, str]] = []
    for line in _values(contents, "tel"):
        raw = _text_value(line).strip()
        if raw.lower().startswith("tel:"):
            raw = raw[4:]
            # RFC 3966: "tel:+86-574-8765-4323;ext=12"
            raw = re.sub(r";ext=(\d+)", r" ext \1", raw, flags=re.IGNORECASE).split(";")[0]
        if raw:
            phones.append((_single_line(raw), _label(_types(line))))
    handles: list[tuple[Channel, str]] = []
    for line in _values(contents, "email"):
        handles.append((Channel.EMAIL, _single_line(_text_value(line))))
    for key, channel in _X_HANDLES.items():
        handles.extend((channel, _single_line(_text_value(v))) for v in _values(contents, key))
    for line in _values(contents, "impp"):
        scheme, _, handle = _text_value(line).partition(":")
        impp_channel = _IMPP_SCHEMES.get(scheme.strip().lower())
        if impp_channel is not None and handle.strip():
            handles.append((impp_channel, _single_line(handle)))
    return ParsedContact(
        entry=number,
        line=start,
        name=full_name,
        organisation=organisation,
        role=role,
        notes=notes.strip(),
        phones=tuple(phones),
        handles=tuple(h for h in handles if h[1]),
    )


def _label(types: set[str]) -> str:
    # The labels the officer's own entries use; kept short, as the column is.
    if "fax" in types:
        return "传真"
    if types & {"cell", "mobile", "iphone"}:
        return "手机"
    if types & {"work", "main", "company"}:
        return "办公电话"
    if "home" in types:
        return "住宅电话"
    return ""


def _join_name(*, given: str, family: str, middle: str = "") -> str:
    parts = [p for p in (family, middle, given) if p]
    if not parts:
        return ""
    if all(is_cjk_text(p) for p in parts):
        return "".join(parts)  # 张 + 伟明: family name first, no space
    return " ".join(p for p in (given, middle, family) if p)


def is_cjk_text(text: str) -> bool:
    """Whether ``text`` holds a Chinese character (CJK ideographs, compatibility ones too)."""
    return any("\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" for c in text)


# -- CSV -----------------------------------------------------------------------------------


def _header_key(cell: str) -> str:
    folded = unicodedata.normalize("NFKC", cell).strip().strip('"').lower()
    return re.sub(r"[\s\-_:：./()（）]", "", folded)


_NAME_COLUMNS = {
    "姓名",
    "名字",
    "联系人",
    "联系人姓名",
    "全名",
    "显示名称",
    "显示名",
    "name",
    "fullname",
    "displayname",
    "contactname",
}
_GIVEN_COLUMNS = {"名", "firstname", "givenname"}
_FAMILY_COLUMNS = {"姓", "lastname", "familyname", "surname"}
_MIDDLE_COLUMNS = {"中间名", "middlename", "additionalname"}
_ORG_COLUMNS = {
    "公司",
    "公司名称",
    "单位",
    "单位名称",
    "工作单位",
    "组织",
    "机构",
    "company",
    "organization",
    "organisation",
    "organizationname",
    "organization1name",
    "employer",
}
# The role's columns, the likeliest first: Outlook's "Title" is an honorific (Mr., Dr.),
# a job title only when no "Job Title" column exists.
_ROLE_COLUMNS = (
    {"职位", "职务", "岗位", "jobtitle", "organization1title", "position"},
    {"头衔", "title", "role"},
)
_DEPARTMENT_COLUMNS = {"部门", "department", "organization1department"}
_NOTE_COLUMNS = {"备注", "说明", "notes", "note", "comment", "comments"}
_EMAIL = re.compile(r"^(邮箱|电子邮件|电子邮箱|邮件|e?mail(address)?|email\d*(address|value)?)$")
_HANDLE_COLUMNS = {
    "微信": Channel.WECHAT,
    "微信号": Channel.WECHAT,
    "wechat": Channel.WECHAT,
    "weixin": Channel.WECHAT,
    "qq": Channel.QQ,
    "qq号": Channel.QQ,
    "钉钉": Channel.DINGTALK,
    "dingtalk": Channel.DINGTALK,
}
_PHONE = re.compile(
    r"^(手机|手机号|手机号码|移动电话|电话|电话号码|联系电话|联系方式|办公电话|工作电话|单位电话"
    r"|公司电话|商务电话|商务电话2|座机|固定电话|固话|住宅电话|家庭电话|其他电话|传真|商务传真"
    r"|mobile|mobilephone|cell|cellphone|phone|phonenumber|telephone|tel|businessphone\d*"
    r"|homephone\d*|companymainphone|primaryphone|otherphone|carphone|businessfax|homefax"
    r"|phone\d+value)$"
)
_PHONE_SPLIT = re.compile(r"\s*(?::::|[;；,，、|/\n])\s*")


def _phone_label(key: str) -> str:
    if "传真" in key or "fax" in key:
        return "传真"
    if any(w in key for w in ("手机", "移动", "mobile", "cell")):
        return "手机"
    if any(w in key for w in ("办公", "工作", "单位", "公司", "商务", "business", "company")):
        return "办公电话"
    if any(w in key for w in ("住宅", "家庭", "home")):
        return "住宅电话"
    return ""


@dataclass
class _Columns:
    name: list[int] = field(default_factory=list)
    given: list[int] = field(default_factory=list)
    family: list[int] = field(default_factory=list)
    middle: list[int] = field(default_factory=list)
    organisation: list[int] = field(default_factory=list)
    role: list[int] = field(default_factory=list)
    department: list[int] = field(default_factory=list)
    notes: list[int] = field(default_factory=list)
    phones: list[tuple[int, str]] = field(default_factory=list)
    handles: list[tuple[int, Channel]] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        named = bool(self.name or self.given or self.family)
        return named and bool(self.phones or self.organisation)


def _columns(header: Sequence[str]) -> _Columns:
    found = _Columns()
    roles: list[list[int]] = [[] for _ in _ROLE_COLUMNS]
    for index, cell in enumerate(header):
        key = _header_key(cell)
        if not key:
            continue
        if key in _NAME_COLUMNS:
            found.name.append(index)
        elif key in _GIVEN_COLUMNS:
            found.given.append(index)
        elif key in _FAMILY_COLUMNS:
            found.family.append(index)
        elif key in _MIDDLE_COLUMNS:
            found.middle.append(index)
        elif key in _ORG_COLUMNS:
            found.organisation.append(index)
        elif key in _DEPARTMENT_COLUMNS:
            found.department.append(index)
        elif key in _NOTE_COLUMNS:
            found.notes.append(index)
        elif key in _HANDLE_COLUMNS:
            found.handles.append((index, _HANDLE_COLUMNS[key]))
        elif _EMAIL.match(key):
            found.handles.append((index, Channel.EMAIL))
        elif _PHONE.match(key):
            found.phones.append((index, _phone_label(key)))
        else:
            for rank, names in enumerate(_ROLE_COLUMNS):
                if key in names:
                    roles[rank].append(index)
    found.role = next((r for r in roles if r), [])
    return found


def _csv_rows(text: str, delimiter: str, name: str) -> list[tuple[int, list[str]]]:
    """Rows with the line each starts on; broken quoting is refused."""
    source = io.StringIO(text.lstrip("\ufeff"), newline="")
    reader = csv.reader(source, delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for row in reader:
            rows.append((line, row))
            line = reader.line_num + 1
            if len(rows) > MAX_ENTRIES + 10:
                raise ValidationError(_TOO_MANY, name=name, limit=MAX_ENTRIES)
    except csv.Error as exc:
        raise ValidationError(_BAD_CSV, name=name, line=reader.line_num) from exc
    return rows


def _csv_entries(text: str, name: str) -> list[ParsedContact]:
    first_lines = "\n".join(text.lstrip("\ufeff").splitlines()[:10])
    best: tuple[str, int, _Columns] | None = None
    for delimiter in (",", "\t", ";"):
        try:
            head = list(csv.reader(io.StringIO(first_lines), delimiter=delimiter))
        except csv.Error:
            continue
        for position, row in enumerate(head):
            columns = _columns(row)
            if columns.usable:
                if best is None or position < best[1]:
                    best = (delimiter, position, columns)
                break
    if best is None:
        raise ValidationError(_NO_HEADER, name=name)
    delimiter, header_at, columns = best
    rows = _csv_rows(text, delimiter, name)[header_at + 1 :]
    entries: list[ParsedContact] = []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        entries.append(_row_entry(len(entries) + 1, line, row, columns))
        if len(entries) > MAX_ENTRIES:
            raise ValidationError(_TOO_MANY, name=name, limit=MAX_ENTRIES)
    return entries


def _cell(row: Sequence[str], index: int) -> str:
    return _single_line(row[index]) if index < len(row) else ""


def _first(row: Sequence[str], indexes: Iterable[int]) -> str:
    return next((v for v in (_cell(row, i) for i in indexes) if v), "")


def _row_entry(number: int, line: int, row: Sequence[str], columns: _Columns) -> ParsedContact:
    full_name = _first(row, columns.name) or _join_name(
        given=_first(row, columns.given),
        family=_first(row, columns.family),
        middle=_first(row, columns.middle),
    )
    role = " ".join(p for p in (_first(row, columns.department), _first(row, columns.role)) if p)
    notes = "\n".join(
        _printable(row[i]).strip() for i in columns.notes if i < len(row) and row[i].strip()
    )
    phones: list[tuple[str, str]] = []
    for index, label in columns.phones:
        for piece in _PHONE_SPLIT.split(row[index] if index < len(row) else ""):
            cleaned = _single_line(piece).lstrip("'")  # Excel's "keep as text" mark
            if cleaned:
                phones.append((cleaned, label))
    handles = [(channel, _cell(row, index)) for index, channel in columns.handles]
    return ParsedContact(
        entry=number,
        line=line,
        name=full_name,
        organisation=_first(row, columns.organisation),
        role=role,
        notes=notes,
        phones=tuple(phones),
        handles=tuple(h for h in handles if h[1]),
    )
