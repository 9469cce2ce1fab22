"""Contacts from a phone or another address book: vCard (2.1, 3.0, 4.0) and CSV files.

Two steps, so the officer sees what will happen before anything is written:

1. :func:`preview` reads the file and says, entry by entry, whether it becomes a new
   contact, is merged into a stored one (the same person: a shared number), is already
   there, or is refused (and why). It only reads.
2. :func:`apply` writes the new contacts and the merges in one unit of work: all of them
   or, if anything fails, none. The plan is made again inside that unit of work, so a
   contact changed between the two steps is seen as it is now.

A file that cannot be read as contacts at all (not text, an unterminated vCard, a CSV
without a header row naming its columns, broken quoting) raises :class:`DomainError`
with what is wrong; nothing is written, the database stays byte for byte as it was.

Encodings are told apart by strict decoding in order: a byte-order mark (UTF-8,
UTF-16, UTF-32), NUL bytes in UTF-16's pattern, UTF-8, GB18030 (a superset of GBK and
GB2312: what Chinese phones and Excel write), and last Windows-1252 (Outlook on a
Western system). A quoted-printable vCard 2.1 value says its own charset (UTF-8, GBK).

"The same person" is decided by the normalised numbers: an entry sharing a number with
a stored contact is merged into it when the names agree or the shared number is a
mobile (a person's own); colleagues sharing a desk or switchboard number stay separate
people. An entry without numbers is the same person as a stored contact with the same
name at the same organisation.
"""

from __future__ import annotations

import codecs
import csv
import enum
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, TypeVar

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coordinator.errors import DomainError, ValidationError
from coordinator.i18n import N_
from coordinator.kinds import Channel, OrganisationKind
from coordinator.labels import F_HANDLE, F_NAME, F_NOTES, F_ROLE
from coordinator.names import name_keys
from coordinator.phones import NormalisedNumber, normalise
from coordinator.services import contacts, organisations
from coordinator.services._common import set_field
from coordinator.store.changes import ChangeKind, Outcome
from coordinator.store.models import NAME_MAX, NOTE_MAX, Contact, Handle, PhoneNumber
from coordinator.store.storage import Store, Work
from coordinator.validation import clean_text

__all__ = [
    "ImportPreview",
    "ImportResult",
    "ParsedContact",
    "PreviewRow",
    "RowAction",
    "apply",
    "preview",
    "read_entries",
]

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ENTRIES = 100_000
MAX_PHONES = contacts.MAX_PHONES

FileKind = Literal["vcard", "csv"]

# -- messages --------------------------------------------------------------------------

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
_NO_NAME = N_("This entry has neither a name nor an organisation.")
_SEVERAL = N_("Its numbers belong to several contacts ({names}): merge those by hand first.")
_PHONES_CUT = N_("Only the first {limit} numbers are kept: {number} and after are left out.")
_OTHER_NAME = N_(
    "It shares the mobile number {number} with {name}, under another name: check which "
    "is right, then import it again."
)
_HANDLE_TAKEN = N_("The handle “{handle}” already belongs to {name}: it is left out.")

# -- results -------------------------------------------------------------------------------


class RowAction(enum.StrEnum):
    NEW = "new"
    MERGE = "merge"  # adds numbers, a role, an organisation or handles to a stored contact
    UNCHANGED = "unchanged"  # everything it says is stored already
    REFUSED = "refused"


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


@dataclass(frozen=True)
class PreviewRow:
    entry: ParsedContact
    action: RowAction
    name: str
    """The name as it will be stored (for a merge: the stored contact's name)."""
    contact_id: int | None
    """MERGE / UNCHANGED into a stored contact: its id."""
    merged_into_entry: int | None
    """MERGE into an earlier new entry of the same file: that entry's number."""
    new_numbers: tuple[NormalisedNumber, ...]
    reason: DomainError | None
    """Why the entry is refused (REFUSED only)."""
    left_out: tuple[DomainError, ...]
    """What of the entry is not imported: invalid numbers, handles of someone else."""


@dataclass(frozen=True)
class ImportPreview:
    path: Path
    kind: FileKind
    encoding: str
    entries: tuple[ParsedContact, ...]
    rows: tuple[PreviewRow, ...]

    def count(self, action: RowAction) -> int:
        return sum(1 for row in self.rows if row.action is action)

    @property
    def new(self) -> int:
        return self.count(RowAction.NEW)

    @property
    def merged(self) -> int:
        return self.count(RowAction.MERGE)

    @property
    def unchanged(self) -> int:
        return self.count(RowAction.UNCHANGED)

    @property
    def refused(self) -> int:
        return self.count(RowAction.REFUSED)

    @property
    def left_out(self) -> int:
        """Numbers and handles of imported entries that are not imported."""
        return sum(len(row.left_out) for row in self.rows if row.action is not RowAction.REFUSED)


@dataclass(frozen=True)
class ImportResult:
    added: int
    merged: int
    unchanged: int
    refused: int
    left_out: int
    contact_ids: tuple[int, ...]
    """The contacts added or merged into."""
    rows: tuple[PreviewRow, ...]
    """The plan as it was carried out."""


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
    if all(_is_cjk_text(p) for p in parts):
        return "".join(parts)  # 张 + 伟明: family name first, no space
    return " ".join(p for p in (given, middle, family) if p)


def _is_cjk_text(text: str) -> bool:
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


# -- planning ------------------------------------------------------------------------------


def _guess_kind(name: str) -> OrganisationKind:
    lowered = name.lower()
    hints = (
        (OrganisationKind.BANK, ("银行", "信用社", "农商行", "bank")),
        (OrganisationKind.PARK, ("管委会", "园区", "开发区", "产业园", "高新区", "保税区")),
        (OrganisationKind.FUND, ("基金", "创投", "资本", "fund", "capital")),
        (
            OrganisationKind.DEPARTMENT,
            ("局", "委员会", "人民政府", "办公室", "厅", "派出所", "服务中心", "街道", "办事处"),
        ),
    )
    for kind, words in hints:
        if any(w in lowered for w in words):
            return kind
    return OrganisationKind.COMPANY


def _normalised(raw: str) -> NormalisedNumber:
    try:
        return normalise(raw)
    except ValidationError:
        digits = re.sub(r"\D", "", raw)
        # Spreadsheets drop the "+" of "+86 138...": "8613800138000".
        if digits.startswith("86") and len(digits) in (12, 13) and raw.strip()[:1].isdigit():
            try:
                return normalise("+" + digits)
            except ValidationError:
                pass
        raise


def _is_mobile(number: NormalisedNumber) -> bool:
    parsed = phonenumbers.parse(number.e164)
    return bool(phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE)


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _related_names(a: str, b: str) -> bool:
    """The same surname (张总 / 张伟明), or one name inside the other (Lisa / Lisa Wang)."""
    fa, fb = _fold(a), _fold(b)
    if fa in fb or fb in fa:
        return True
    a, b = a.strip(), b.strip()
    if _is_cjk_text(a[:1]) and _is_cjk_text(b[:1]):
        return a[:1] == b[:1]
    if _is_cjk_text(a[:1]) or _is_cjk_text(b[:1]):
        # 张伟明 and "Wei Ming Zhang": the surname's pinyin is one of the Latin words.
        chinese, latin = (a, b) if _is_cjk_text(a[:1]) else (b, a)
        surname = name_keys(chinese).pinyin.split()[:1]
        return bool(surname) and surname[0] in latin.casefold().split()
    return bool(set(a.casefold().split()) & set(b.casefold().split()))


Key = tuple[str, str]  # (e164, extension)
Labelled = tuple[NormalisedNumber, str]


@dataclass
class _Person:
    """A stored contact, or a new one an earlier entry of the file creates."""

    tag: str  # "c12": stored contact 12; "e3": the file's entry 3
    name: str
    organisation: str
    role: str
    notes: str
    numbers: set[Key]
    handles: dict[Channel, str]
    contact_id: int | None = None
    entry: int | None = None

    def same_person(
        self, name: str, organisation: str, shared: Sequence[NormalisedNumber]
    ) -> bool | NormalisedNumber:
        """True, False, or the shared mobile when the names disagree too much to tell."""
        if shared:
            if _fold(name) == _fold(self.name):
                return True
            mobile = next((n for n in shared if _is_mobile(n)), None)
            if mobile is None:
                return False  # a desk or switchboard number: colleagues share those
            # A mobile is a person's own: "张总" is 张伟明 saved under another name. Two
            # unrelated names on one mobile (a number given up and reassigned, a typing
            # error) are for the officer to sort out.
            return True if _related_names(name, self.name) else mobile
        if _fold(name) != _fold(self.name) or _fold(organisation) != _fold(self.organisation):
            return False
        # Same name, same organisation: one person, unless neither says where they work
        # and both have numbers (two people called 王伟).
        return bool(organisation) or not self.numbers


@dataclass
class _Plan:
    row: PreviewRow
    name: str = ""
    role: str = ""
    organisation: str = ""
    notes: str = ""
    phones: list[Labelled] = field(default_factory=list)
    handles: list[tuple[Channel, str]] = field(default_factory=list)
    set_role: bool = False
    set_organisation: bool = False
    set_notes: bool = False


class _Planner:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.people: list[_Person] = []
        self.by_number: dict[Key, list[_Person]] = {}
        self.handle_owners: dict[tuple[Channel, str], tuple[str, str]] = {}  # → (tag, name)
        self.plans: list[_Plan] = []
        self.new_plans: dict[int, _Plan] = {}

    def _add_person(self, person: _Person) -> None:
        self.people.append(person)
        for key in person.numbers:
            self.by_number.setdefault(key, []).append(person)

    def load(self, entries: Sequence[ParsedContact]) -> None:
        """The stored contacts the file can concern: by its numbers, names and handles."""
        e164s: set[str] = set()
        names: set[str] = set()
        handles: set[str] = set()
        for entry in entries:
            names.add((entry.name or entry.organisation).strip())
            for raw, _label in entry.phones:
                try:
                    e164s.add(_normalised(raw).e164)
                except ValidationError:
                    continue
            handles.update(h.strip() for _c, h in entry.handles)
        ids: set[int] = set()
        for chunk in _chunks(sorted(e164s)):
            ids.update(
                self.session.scalars(
                    select(PhoneNumber.contact_id).where(PhoneNumber.e164.in_(chunk))
                )
            )
        for chunk in _chunks(sorted(n for n in names if n)):
            ids.update(self.session.scalars(select(Contact.id).where(Contact.name.in_(chunk))))
        for chunk in _chunks(sorted(h for h in handles if h)):
            for channel, handle, owner_id, owner in self.session.execute(
                select(Handle.channel, Handle.handle, Contact.id, Contact.name)
                .join(Contact, Contact.id == Handle.contact_id)
                .where(Handle.handle.in_(chunk))
            ):
                self.handle_owners[(channel, handle)] = (f"c{owner_id}", owner)
        for id_chunk in _chunks(sorted(ids)):
            for contact in self.session.scalars(
                select(Contact)
                .where(Contact.id.in_(id_chunk))
                .order_by(Contact.id)
                .options(
                    selectinload(Contact.phones),
                    selectinload(Contact.handles),
                    selectinload(Contact.organisation),
                )
            ):
                self._add_person(
                    _Person(
                        tag=f"c{contact.id}",
                        name=contact.name,
                        organisation=contact.organisation.name if contact.organisation else "",
                        role=contact.role,
                        notes=contact.notes,
                        numbers={(p.e164, p.extension) for p in contact.phones},
                        handles={h.channel: h.handle for h in contact.handles},
                        contact_id=contact.id,
                    )
                )

    def plan(self, entry: ParsedContact) -> None:
        if entry.problem is not None:
            self._refuse(entry, entry.problem)
            return
        try:
            name = clean_text(
                entry.name or entry.organisation, F_NAME, max_length=NAME_MAX, required=True
            )
            role = clean_text(entry.role, F_ROLE, max_length=NAME_MAX)
            organisation = clean_text(entry.organisation, F_NAME, max_length=NAME_MAX)
            notes = clean_text(entry.notes, F_NOTES, max_length=NOTE_MAX, multiline=True)
        except ValidationError:
            if not (entry.name or entry.organisation).strip():
                exc = ValidationError(_NO_NAME)
            self._refuse(entry, exc)
            return
        left_out: list[DomainError] = []
        numbers = self._numbers(entry, left_out)
        match = self._match(name, organisation, [n for n, _label in numbers])
        if isinstance(match, DomainError):
            self._refuse(entry, match)
            return
        if match is None:
            self._new(entry, name, role, organisation, notes, numbers, left_out)
        else:
            self._merge(entry, match, role, organisation, notes, numbers, left_out)

    def _refuse(self, entry: ParsedContact, reason: DomainError) -> None:
        self.plans.append(
            _Plan(
                PreviewRow(
                    entry=entry,
                    action=RowAction.REFUSED,
                    name=entry.name,
                    contact_id=None,
                    merged_into_entry=None,
                    new_numbers=(),
                    reason=reason,
                    left_out=(),
                )
            )
        )

    def _numbers(self, entry: ParsedContact, left_out: list[DomainError]) -> list[Labelled]:
        numbers: list[Labelled] = []
        seen: set[Key] = set()
        for raw, label in entry.phones:
            try:
                number = _normalised(raw)
            except ValidationError as exc:
                left_out.append(exc)  # its message names the number and what is wrong
                continue
            key = (number.e164, number.extension)
            if key not in seen:
                seen.add(key)
                numbers.append((number, label))
        return numbers

    def _match(
        self, name: str, organisation: str, numbers: Sequence[NormalisedNumber]
    ) -> _Person | DomainError | None:
        keys = {(n.e164, n.extension): n for n in numbers}
        sharing: dict[str, _Person] = {}
        for key in keys:
            for person in self.by_number.get(key, []):
                sharing[person.tag] = person
        same: list[_Person] = []
        for person in sharing.values():
            verdict = person.same_person(
                name, organisation, [keys[k] for k in sorted(person.numbers & keys.keys())]
            )
            if isinstance(verdict, NormalisedNumber):
                return ValidationError(_OTHER_NAME, number=verdict.raw, name=person.name)
            if verdict:
                same.append(person)
        if len(same) > 1:
            named = [p for p in same if _fold(p.name) == _fold(name)]
            if len(named) == 1:
                return named[0]
            shown = "、".join(sorted({p.name for p in same}))
            return ValidationError(_SEVERAL, names=shown)
        if same:
            return same[0]
        return next(
            (
                p
                for p in self.people
                if p.tag not in sharing and p.same_person(name, organisation, ())
            ),
            None,
        )

    def _handles(
        self,
        entry: ParsedContact,
        tag: str,
        name: str,
        existing: dict[Channel, str],
        left_out: list[DomainError],
    ) -> list[tuple[Channel, str]]:
        """The entry's handles to set: channels the person has none on, owned by nobody else."""
        chosen: dict[Channel, str] = {}
        for channel, raw in entry.handles:
            try:
                handle = clean_text(raw, F_HANDLE, max_length=NAME_MAX, required=True)
            except ValidationError as exc:
                left_out.append(exc)
                continue
            if channel in chosen or channel in existing:
                continue  # one handle per channel: the one stored, else the file's first
            holder = self.handle_owners.get((channel, handle))
            if holder is not None and holder[0] != tag:
                left_out.append(ValidationError(_HANDLE_TAKEN, handle=handle, name=holder[1]))
                continue
            chosen[channel] = handle
        for channel, handle in chosen.items():
            self.handle_owners[(channel, handle)] = (tag, name)
            existing[channel] = handle
        return list(chosen.items())

    def _room(
        self, person_numbers: set[Key], fresh: list[Labelled], left_out: list[DomainError]
    ) -> list[Labelled]:
        room = max(MAX_PHONES - len(person_numbers), 0)
        if len(fresh) > room:
            left_out.append(
                ValidationError(_PHONES_CUT, limit=MAX_PHONES, number=fresh[room][0].raw)
            )
        return fresh[:room]

    def _new(
        self,
        entry: ParsedContact,
        name: str,
        role: str,
        organisation: str,
        notes: str,
        numbers: list[Labelled],
        left_out: list[DomainError],
    ) -> None:
        person = _Person(
            tag=f"e{entry.entry}",
            name=name,
            organisation=organisation,
            role=role,
            notes=notes,
            numbers=set(),
            handles={},
            entry=entry.entry,
        )
        kept = self._room(person.numbers, numbers, left_out)
        person.numbers.update((n.e164, n.extension) for n, _label in kept)
        handles = self._handles(entry, person.tag, name, person.handles, left_out)
        self._add_person(person)
        plan = _Plan(
            self._row(entry, RowAction.NEW, name, None, None, kept, left_out),
            name=name,
            role=role,
            organisation=organisation,
            notes=notes,
            phones=kept,
            handles=handles,
        )
        self.new_plans[entry.entry] = plan
        self.plans.append(plan)

    def _merge(
        self,
        entry: ParsedContact,
        person: _Person,
        role: str,
        organisation: str,
        notes: str,
        numbers: list[Labelled],
        left_out: list[DomainError],
    ) -> None:
        fresh = [(n, lb) for n, lb in numbers if (n.e164, n.extension) not in person.numbers]
        fresh = self._room(person.numbers, fresh, left_out)
        for number, _label in fresh:
            key = (number.e164, number.extension)
            person.numbers.add(key)
            self.by_number.setdefault(key, []).append(person)
        handles = self._handles(entry, person.tag, person.name, person.handles, left_out)
        set_role = bool(role) and not person.role
        set_organisation = bool(organisation) and not person.organisation
        if set_role:
            person.role = role
        if set_organisation:
            person.organisation = organisation
        set_notes = bool(notes) and not person.notes
        if set_notes:
            person.notes = notes
        changed = bool(fresh or handles or set_role or set_organisation or set_notes)
        action = RowAction.MERGE if changed else RowAction.UNCHANGED
        if person.entry is not None:
            # Into a contact an earlier entry creates: that creation takes it all.
            target = self.new_plans[person.entry]
            target.phones.extend(fresh)
            target.handles.extend(handles)
            if set_role:
                target.role = role
            if set_organisation:
                target.organisation = organisation
            if set_notes:
                target.notes = notes
            row = self._row(entry, action, person.name, None, person.entry, fresh, left_out)
            self.plans.append(_Plan(row))
            return
        row = self._row(entry, action, person.name, person.contact_id, None, fresh, left_out)
        self.plans.append(
            _Plan(
                row,
                role=role,
                organisation=organisation,
                notes=notes,
                phones=fresh,
                handles=handles,
                set_role=set_role,
                set_organisation=set_organisation,
                set_notes=set_notes,
            )
        )

    @staticmethod
    def _row(
        entry: ParsedContact,
        action: RowAction,
        name: str,
        contact_id: int | None,
        merged_into: int | None,
        numbers: Sequence[Labelled],
        left_out: Sequence[DomainError],
    ) -> PreviewRow:
        return PreviewRow(
            entry=entry,
            action=action,
            name=name,
            contact_id=contact_id,
            merged_into_entry=merged_into,
            new_numbers=tuple(n for n, _label in numbers),
            reason=None,
            left_out=tuple(left_out),
        )


T = TypeVar("T")


def _chunks(values: Sequence[T], size: int = 500) -> Iterator[list[T]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def _plan_all(session: Session, entries: Sequence[ParsedContact]) -> list[_Plan]:
    planner = _Planner(session)
    planner.load(entries)
    for entry in entries:
        planner.plan(entry)
    # Later entries may have added numbers to a new contact: its row shows them all.
    for plan in planner.new_plans.values():
        plan.row = replace(plan.row, new_numbers=tuple(n for n, _label in plan.phones))
    return planner.plans


# -- the two steps -----------------------------------------------------------------------


def preview(store: Store, path: Path | str) -> ImportPreview:
    """What importing the file would do, entry by entry; writes nothing."""
    source = Path(path)
    kind, encoding, entries = read_entries(source)
    with store.read() as session:
        plans = _plan_all(session, entries)
    return ImportPreview(
        path=source,
        kind=kind,
        encoding=encoding,
        entries=tuple(entries),
        rows=tuple(p.row for p in plans),
    )


def apply(store: Store, plan: ImportPreview) -> Outcome[ImportResult]:
    """Import the previewed entries in one unit of work: all of them, or nothing."""
    touched: list[int] = []
    with store.work() as work:
        plans = _plan_all(work.session, plan.entries)
        organisations_by_name: dict[str, int] = {}
        for item in plans:
            action = item.row.action
            if action is RowAction.NEW:
                touched.append(_create(work, item, organisations_by_name))
            elif action is RowAction.MERGE and item.row.contact_id is not None:
                _merge(work, item, organisations_by_name)
                touched.append(item.row.contact_id)
        rows = tuple(p.row for p in plans)
    result = ImportResult(
        added=sum(1 for r in rows if r.action is RowAction.NEW),
        merged=sum(1 for r in rows if r.action is RowAction.MERGE),
        unchanged=sum(1 for r in rows if r.action is RowAction.UNCHANGED),
        refused=sum(1 for r in rows if r.action is RowAction.REFUSED),
        left_out=sum(len(r.left_out) for r in rows if r.action is not RowAction.REFUSED),
        contact_ids=tuple(dict.fromkeys(touched)),
        rows=rows,
    )
    return Outcome(result, work.changes)


def _organisation_id(work: Work, name: str, cache: dict[str, int]) -> int | None:
    if not name:
        return None
    if name not in cache:
        cache[name] = organisations.find_or_create_in(work, name, _guess_kind(name)).id
    return cache[name]


def _create(work: Work, item: _Plan, cache: dict[str, int]) -> int:
    contact = contacts.create_in(
        work,
        item.name,
        organisation_id=_organisation_id(work, item.organisation, cache),
        role=item.role,
        phones=[(number.raw, label) for number, label in item.phones],
        handles=item.handles,
        notes=item.notes,
    )
    return contact.id


def _merge(work: Work, item: _Plan, cache: dict[str, int]) -> None:
    contact_id = item.row.contact_id
    assert contact_id is not None
    contact = work.session.get(Contact, contact_id)
    assert contact is not None  # planned inside this unit of work

    def put(field_name: str, value: object) -> None:
        set_field(
            work, contact, field_name, value, entity="contact", entity_id=contact_id, case_id=None
        )

    for number, label in item.phones:
        contacts.add_phone_in(work, contact, (number.raw, label))
    for channel, handle in item.handles:
        contacts.set_handle_in(work, contact, channel, handle)
    if item.set_role:
        put("role", item.role)
    if item.set_organisation:
        put("organisation_id", _organisation_id(work, item.organisation, cache))
    if item.set_notes:
        put("notes", item.notes)
    contact.updated_at = work.now
    work.changed(ChangeKind.CONTACT, contact.id)
    work.session.flush()
