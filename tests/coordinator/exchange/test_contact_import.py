"""Contacts import: real-world vCard and CSV files, duplicates merged, bad files refused."""

from __future__ import annotations

import argparse
import codecs
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from coordinator.cli import contacts as cli_contacts
from coordinator.errors import ConflictError, DomainError, ValidationError
from coordinator.exchange.contact_files import decode
from coordinator.exchange.contact_import import (
    ImportPreview,
    RowAction,
    apply,
    preview,
)
from coordinator.kinds import Channel, OrganisationKind
from coordinator.queries import contacts as contact_queries
from coordinator.safety.opening import open_store
from coordinator.services import contacts
from coordinator.store.changes import ChangeKind
from coordinator.store.models import Contact
from coordinator.store.records import ContactRecord
from coordinator.store.storage import Store
from tests.conftest import copy_data_folder, database_fingerprint

DATA = Path(__file__).parent / "data" / "contacts"
InChinese = Callable[[DomainError], DomainError]


def everyone(store: Store) -> dict[str, ContactRecord]:
    with store.read() as session:
        ids = list(session.scalars(select(Contact.id)))
    return {record.name: record for record in (contact_queries.get(store, i) for i in ids)}


def numbers(record: ContactRecord) -> list[tuple[str, str, str]]:
    return [(p.e164, p.extension, p.label) for p in record.phones]


def actions(plan: ImportPreview) -> list[tuple[str, RowAction]]:
    return [(row.name, row.action) for row in plan.rows]


@pytest.fixture
def zhang(store: Store) -> int:
    """Already in the address book, from a call: the mobile and nothing else."""
    return contacts.create(store, "张伟明", phones=["138 0013 8000"]).value.id


# -- vCard ---------------------------------------------------------------------------------


def test_android_vcard_21_quoted_printable_utf8(store: Store, zhang: int) -> None:
    plan = preview(store, DATA / "android_2.1_qp_utf8.vcf")
    assert (plan.kind, plan.encoding) == ("vcard", "utf-8")
    assert actions(plan) == [
        ("张伟明", RowAction.MERGE),
        ("李娜", RowAction.NEW),
        ("", RowAction.REFUSED),
        ("John Smith", RowAction.NEW),
    ]
    first, li, nameless, smith = plan.rows
    assert first.contact_id == zhang
    assert [n.e164 for n in first.new_numbers] == ["+8657487654321", "+8613900139000"]
    assert li.entry.line == 29
    assert [n.e164 for n in li.new_numbers] == ["+8615000150000", "+8657487654300"]
    assert nameless.reason is not None
    assert nameless.reason.message("en") == "This entry has neither a name nor an organisation."
    assert [(n.e164, n.extension) for n in smith.new_numbers] == [
        ("+16502530000", ""),
        ("+862163211234", "808"),
    ]
    assert (plan.new, plan.merged, plan.unchanged, plan.refused) == (2, 1, 0, 1)

    out = apply(store, plan)
    result = out.value
    assert (result.added, result.merged, result.unchanged, result.refused) == (2, 1, 0, 1)
    people = everyone(store)
    assert set(people) == {"张伟明", "李娜", "John Smith"}
    zhang_now = people["张伟明"]
    assert numbers(zhang_now) == [
        ("+8613800138000", "", ""),
        ("+8657487654321", "", "办公电话"),
        ("+8613900139000", "", "住宅电话"),
    ]
    assert zhang_now.organisation_name == "宁波澄明光电科技有限公司"
    assert zhang_now.role == "总经理助理"
    assert zhang_now.notes == (
        "负责项目落地的全部材料，周一到周五上午在园区，下午在公司总部，紧急情况打手机。"
    )
    assert zhang_now.handles == ((Channel.EMAIL, "zhang.wm@example.com"),)
    assert numbers(people["李娜"]) == [
        ("+8615000150000", "", "手机"),
        ("+8657487654300", "", "传真"),
    ]
    assert people["李娜"].organisation_name == "宁波市市场监督管理局"
    assert people["John Smith"].pinyin == "john smith"
    assert out.changes.ids_of(ChangeKind.CONTACT) == {p.id for p in people.values()}
    assert out.changes.touches(ChangeKind.ORGANISATION)
    kinds = {o.name: o.kind for o in contact_queries.organisations(store)}
    assert kinds == {
        "宁波澄明光电科技有限公司": OrganisationKind.COMPANY,
        "宁波市市场监督管理局": OrganisationKind.DEPARTMENT,
        "Example Capital Partners": OrganisationKind.FUND,
    }


def test_feature_phone_vcards_in_gbk(store: Store) -> None:
    quoted = preview(store, DATA / "feature_phone_2.1_qp_gbk.vcf")
    assert quoted.encoding == "utf-8"  # the file is ASCII: GBK hides inside =XX escapes
    raw = preview(store, DATA / "feature_phone_2.1_gbk.vcf")
    assert raw.encoding == "gb18030"
    apply(store, quoted)
    apply(store, raw)
    people = everyone(store)
    assert people["王建国"].organisation_name == "宁波国际商业银行"
    assert numbers(people["王建国"]) == [
        ("+8613700137000", "", "手机"),
        ("+8657487654322", "", "办公电话"),
    ]
    assert (people["陈思远"].organisation_name, people["陈思远"].role) == (
        "宁波高新区管委会",
        "招商科科长",
    )


def test_iphone_vcard_30(store: Store, zhang: int) -> None:
    plan = preview(store, DATA / "iphone_3.0.vcf")
    assert actions(plan) == [
        ("张伟明", RowAction.MERGE),
        ("欧阳晓雯", RowAction.NEW),
        ("Grace Chen", RowAction.NEW),
    ]
    apply(store, plan)
    people = everyone(store)
    zhang_now = people["张伟明"]
    assert numbers(zhang_now) == [
        ("+8613800138000", "", ""),
        ("+8618800188000", "", "手机"),
        ("+8657487654321", "808", "办公电话"),
    ]
    assert zhang_now.role == "销售部 销售经理"
    assert zhang_now.notes == "周一至周五 8:30–17:30\n午休不接电话, 请发微信"
    assert dict(zhang_now.handles) == {
        Channel.EMAIL: "zwm@example.com",
        Channel.WECHAT: "zwm_nb",
    }
    assert people["欧阳晓雯"].initials.split()[0] == "oyxw"
    assert numbers(people["Grace Chen"]) == [("+85291234567", "", "手机")]


def test_vcard_40_tel_uris(store: Store) -> None:
    apply(store, preview(store, DATA / "contacts_4.0.vcf"))
    liu = everyone(store)["刘洋"]
    assert numbers(liu) == [
        ("+8613900139001", "", "手机"),
        ("+8657487654323", "12", "办公电话"),
    ]
    assert dict(liu.handles) == {Channel.EMAIL: "liuyang@example.org", Channel.QQ: "10001"}


# -- CSV -----------------------------------------------------------------------------------


def test_outlook_csv_with_a_bom(store: Store, zhang: int) -> None:
    plan = preview(store, DATA / "outlook.csv")
    assert (plan.kind, plan.encoding) == ("csv", "utf-8-sig")
    assert actions(plan) == [
        ("张伟明", RowAction.MERGE),  # "Wei Ming Zhang" shares his mobile: the same man
        ("Anna Schmidt", RowAction.NEW),
        ("宁波国际商业银行", RowAction.NEW),  # a number and a company only
    ]
    assert [row.entry.line for row in plan.rows] == [2, 4, 5]  # a note spans two lines
    apply(store, plan)
    people = everyone(store)
    assert people["张伟明"].role == "销售部 销售经理"  # "Job Title", not the "Mr." of Title
    assert people["张伟明"].notes == "First met at the 2025 fair.\nPrefers WeChat."
    assert numbers(people["Anna Schmidt"]) == [
        ("+4930123456", "", "办公电话"),
        ("+4915123456789", "", "手机"),
    ]


def test_csv_in_gbk_from_a_chinese_phone(store: Store, zhang: int) -> None:
    plan = preview(store, DATA / "phone_gbk.csv")
    assert plan.encoding == "gb18030"
    assert actions(plan) == [
        ("王建国", RowAction.NEW),
        ("赵丽", RowAction.NEW),
        ("孙浩", RowAction.REFUSED),
        ("无号码的人", RowAction.NEW),
        ("坏号码", RowAction.NEW),
    ]
    wang, _zhao, sun, _nobody, bad = plan.rows
    assert [n.e164 for n in wang.new_numbers] == [
        "+8613700137000",
        "+8613700137001",
        "+8657487654322",
    ]
    assert sun.reason is not None
    assert sun.reason.message("en") == (
        "It shares the mobile number 13800138000 with 张伟明, under another name: check "
        "which is right, then import it again."
    )
    assert [p.message("en") for p in bad.left_out] == [
        "“1234” is not a valid phone number (check the number of digits).",
        "“abc” is not a phone number: only digits, spaces, +, - and brackets.",
    ]
    assert plan.left_out == 2
    result = apply(store, plan).value
    assert (result.added, result.refused, result.left_out) == (4, 1, 2)
    assert "孙浩" not in everyone(store)


def test_utf16_tab_separated_from_excel(store: Store) -> None:
    plan = preview(store, DATA / "wecom_utf16.txt")
    assert (plan.kind, plan.encoding) == ("csv", "utf-16")
    apply(store, plan)
    he = everyone(store)["何静"]
    assert he.role == "招商一科 科长"
    assert dict(he.handles) == {
        Channel.EMAIL: "hejing@example.gov.cn",
        Channel.WECHAT: "hejing_nb",
    }


def test_google_csv_with_several_numbers_in_a_cell(store: Store) -> None:
    apply(store, preview(store, DATA / "google.csv"))
    zheng = everyone(store)["郑强"]
    assert [p.e164 for p in zheng.phones] == [
        "+8613300133000",
        "+8613300133001",
        "+8657487654331",
    ]
    assert (zheng.organisation_name, zheng.role) == ("宁波港口物流有限公司", "总经理")


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("gb18030", b""),
        ("gbk", b""),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-16-le", b""),  # no BOM: told apart by its NUL bytes
        ("utf-16-be", b""),
        ("utf-32-le", codecs.BOM_UTF32_LE),
    ],
)
def test_encodings(store: Store, tmp_path: Path, encoding: str, prefix: bytes) -> None:
    text = "姓名;手机;单位\r\n欧阳晓雯;186 0018 6000;宁波市商务局\r\n"
    path = tmp_path / "contacts.csv"
    path.write_bytes(prefix + text.encode(encoding))
    plan = preview(store, path)
    assert [(r.name, r.entry.organisation) for r in plan.rows] == [("欧阳晓雯", "宁波市商务局")]


def test_western_outlook_export_in_windows_1252(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "outlook.csv"
    path.write_bytes(
        "First Name,Last Name,Mobile Phone\r\nJosé,Müller,+49 151 23456789\r\n".encode("cp1252")
    )
    plan = preview(store, path)
    assert (plan.encoding, plan.rows[0].name) == ("cp1252", "José Müller")


def test_spreadsheet_numbers(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text("姓名,手机\n张三,8613800138001\n李四,'13800138002\n", encoding="utf-8")
    plan = preview(store, path)
    assert [[n.e164 for n in r.new_numbers] for r in plan.rows] == [
        ["+8613800138001"],
        ["+8613800138002"],
    ]


# -- duplicates ------------------------------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing(store: Store) -> None:
    for name in ("iphone_3.0.vcf", "phone_gbk.csv", "android_2.1_qp_utf8.vcf"):
        apply(store, preview(store, DATA / name))
    before = database_fingerprint(store)
    for name in ("iphone_3.0.vcf", "phone_gbk.csv", "android_2.1_qp_utf8.vcf"):
        plan = preview(store, DATA / name)
        assert {row.action for row in plan.rows} <= {RowAction.UNCHANGED, RowAction.REFUSED}
        out = apply(store, plan)
        assert out.value.added == out.value.merged == 0
    assert database_fingerprint(store) == before


def test_duplicates_inside_one_file(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text(
        "姓名,手机,电话,公司\n"
        "张伟明,13800138000,,澄明光电\n"
        "张总,138-0013-8000,0574-87654321,\n"  # the same mobile, his surname: the same man
        "张伟明,,,澄明光电\n"  # same name, same company, no number: him again
        "李娜,,0574-87654321,\n",  # shares only the desk phone: a colleague
        encoding="utf-8",
    )
    plan = preview(store, path)
    assert [(r.name, r.action, r.merged_into_entry) for r in plan.rows] == [
        ("张伟明", RowAction.NEW, None),
        ("张伟明", RowAction.MERGE, 1),
        ("张伟明", RowAction.UNCHANGED, 1),
        ("李娜", RowAction.NEW, None),
    ]
    assert [n.e164 for n in plan.rows[0].new_numbers] == ["+8613800138000", "+8657487654321"]
    apply(store, plan)
    people = everyone(store)
    assert set(people) == {"张伟明", "李娜"}
    assert [p.e164 for p in people["张伟明"].phones] == ["+8613800138000", "+8657487654321"]


def test_a_shared_desk_phone_is_not_a_duplicate(store: Store, zhang: int) -> None:
    contacts.add_phone(store, zhang, "0574-87654321")
    path = DATA / "android_2.1_qp_utf8.vcf"
    plan = preview(store, path)
    assert plan.rows[0].action is RowAction.MERGE  # the same name


def test_numbers_of_two_stored_contacts(store: Store, tmp_path: Path) -> None:
    contacts.create(store, "张伟明", phones=["13800138000"])
    contacts.create(store, "张伟明", phones=["13900139000"])
    path = tmp_path / "both.csv"
    path.write_text("姓名,手机\n张伟明,13800138000;13900139000\n", encoding="utf-8")
    reason = preview(store, path).rows[0].reason
    assert reason is not None
    assert reason.message("en") == (
        "Its numbers belong to several contacts (张伟明): merge those by hand first."
    )


def test_a_handle_of_someone_else_is_left_out(store: Store, tmp_path: Path) -> None:
    contacts.create(store, "王成峰", handles=[("wechat", "zwm_nb")])
    plan = preview(store, DATA / "iphone_3.0.vcf")
    assert [p.message("en") for p in plan.rows[0].left_out] == [
        "The handle “zwm_nb” already belongs to 王成峰: it is left out."
    ]
    apply(store, plan)
    assert dict(everyone(store)["张伟明"].handles) == {Channel.EMAIL: "zwm@example.com"}


def test_at_most_ten_numbers(store: Store, tmp_path: Path) -> None:
    many = ";".join(f"1380013{8000 + i}" for i in range(12))
    path = tmp_path / "many.csv"
    path.write_text(f"姓名,手机\n张伟明,{many}\n", encoding="utf-8")
    row = preview(store, path).rows[0]
    assert len(row.new_numbers) == 10
    assert [p.message("en") for p in row.left_out] == [
        "Only the first 10 numbers are kept: 13800138010 and after are left out."
    ]


# -- bad files: refused, nothing written --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "english"),
    [
        ("empty.csv", "The file empty.csv is empty."),
        (
            "broken_not_contacts.csv",
            "The file broken_not_contacts.csv is not a contacts file: it is not text in a "
            "known encoding (UTF-8, UTF-16, GBK/GB18030).",
        ),
        (
            "broken_no_header.csv",
            "The file broken_no_header.csv has no header row naming its columns. Expected "
            "columns such as 姓名 / Name (or First Name and Last Name) and 手机 / Mobile / Phone.",
        ),
        (
            "broken_quotes.csv",
            "The file broken_quotes.csv is not a valid CSV file: a quoted value is not closed "
            "or is malformed near line 3.",
        ),
        (
            "broken_unterminated.vcf",
            "The file broken_unterminated.vcf is not a valid vCard file: a card is not closed "
            "by END:VCARD (line 1).",
        ),
    ],
)
def test_bad_files_are_refused_and_nothing_changes(
    store: Store, zhang: int, name: str, english: str, in_chinese: InChinese
) -> None:
    before = database_fingerprint(store)
    with pytest.raises(ValidationError) as info:
        preview(store, DATA / name)
    assert info.value.message("en") == english
    in_chinese(info.value)
    assert database_fingerprint(store) == before


@pytest.mark.parametrize(
    ("content", "english"),
    [
        (
            "BEGIN:VCARD\nFN:a\nBEGIN:VCARD\nEND:VCARD\n",
            "a card starts inside another card (line 3)",
        ),
        ("END:VCARD\n", "END:VCARD without BEGIN:VCARD (line 1)"),
        ("BEGIN:VCARD\nFN:a\nEND:VCARD\nhello\n", "there is text outside any card (line 4)"),
    ],
)
def test_broken_vcard_structure(store: Store, tmp_path: Path, content: str, english: str) -> None:
    path = tmp_path / "x.vcf"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        preview(store, path)
    assert info.value.message("en") == f"The file x.vcf is not a valid vCard file: {english}."


def test_a_damaged_card_is_refused_alone(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "mixed.vcf"
    path.write_text(
        "BEGIN:VCARD\nVERSION:2.1\nFN;CHARSET=NO-SUCH;ENCODING=QUOTED-PRINTABLE:=E5=BC=A0\n"
        "END:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN:周敏\nTEL:13500135000\nEND:VCARD\n",
        encoding="utf-8",
    )
    plan = preview(store, path)
    assert [r.action for r in plan.rows] == [RowAction.REFUSED, RowAction.NEW]
    assert plan.rows[0].reason is not None
    assert plan.rows[0].reason.message("en") == "This card cannot be read (line 1)."


def test_a_missing_file(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        preview(store, tmp_path / "nowhere.vcf")
    assert info.value.message("en").startswith("The file nowhere.vcf cannot be read: ")


def test_apply_is_all_or_nothing(store: Store, zhang: int, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = preview(store, DATA / "iphone_3.0.vcf")
    before = database_fingerprint(store)
    real = contacts.create_in
    calls = {"n": 0}

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConflictError("This change clashes with data already saved: nothing was saved.")
        return real(*args, **kwargs)

    monkeypatch.setattr(contacts, "create_in", failing)
    with pytest.raises(ConflictError):
        apply(store, plan)
    assert database_fingerprint(store) == before


def test_apply_plans_again_against_the_store_as_it_is_now(store: Store) -> None:
    plan = preview(store, DATA / "contacts_4.0.vcf")
    assert plan.new == 2
    contacts.create(store, "周敏", phones=["13500135000"])  # saved meanwhile
    result = apply(store, plan).value
    assert (result.added, result.unchanged) == (1, 1)


def test_decode_refuses_binary() -> None:
    with pytest.raises(ValidationError):
        decode(b"\x00\x01\x02\x03\xff\xfe\xfd" * 100, "x.csv")


# -- the headless command ----------------------------------------------------------------------


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., int]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir")
    sub = parser.add_subparsers(dest="command")
    cli_contacts.register(sub)
    folder = tmp_path / "cli-data"

    def run(*argv: str) -> int:
        return cli_contacts.run(parser.parse_args(["--data-dir", str(folder), *argv]))

    return run


def test_cli_import_contacts(
    run_cli: Callable[..., int], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run_cli("import-contacts", str(DATA / "iphone_3.0.vcf")) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == [
        f"{DATA / 'iphone_3.0.vcf'}: 3 added, 0 merged into existing contacts, "
        "0 already present, 0 refused."
    ]
    assert run_cli("import-contacts", str(DATA / "iphone_3.0.vcf")) == 0
    assert "0 added, 0 merged into existing contacts, 3 already present" in capsys.readouterr().out
    assert run_cli("import-contacts", str(DATA / "phone_gbk.csv")) == 1
    out = capsys.readouterr()
    assert "4 added, 0 merged into existing contacts, 0 already present, 1 refused." in out.out
    assert (
        "Refused entry 3 (line 4), 孙浩: It shares the mobile number 13800138000 with 张伟明, "
        "under another name: check which is right, then import it again." in out.err
    )
    assert (
        "Left out of entry 5 (line 6), 坏号码: “1234” is not a valid phone number "
        "(check the number of digits)." in out.err
    )
    assert run_cli("import-contacts", "--dry-run", str(DATA / "android_2.1_qp_utf8.vcf")) == 1
    out = capsys.readouterr()
    assert "Dry run: nothing was written." in out.out
    assert (
        "Refused entry 3 (line 38), ?: This entry has neither a name nor an organisation."
        in out.err
    )
    store = open_store(tmp_path / "cli-data")
    try:
        assert "John Smith" not in everyone(store)  # the dry run wrote nothing
        before = database_fingerprint(store)
    finally:
        store.close()
    assert run_cli("import-contacts", str(DATA / "broken_quotes.csv")) == 2
    assert "Error: The file broken_quotes.csv is not a valid CSV file" in capsys.readouterr().err
    store = open_store(tmp_path / "cli-data")
    try:
        assert database_fingerprint(store) == before
    finally:
        store.close()


# -- fuzzing ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def import_seed(tmp_path_factory: pytest.TempPathFactory, _seed_data_dir: Path) -> Path:
    folder = copy_data_folder(_seed_data_dir, tmp_path_factory.mktemp("import-fuzz") / "data")
    seed = open_store(folder)
    contacts.create(seed, "张伟明", phones=["13800138000"], handles=[("wechat", "zwm_nb")])
    seed.close()
    return folder


_INSERTS = [
    b'"',
    b";",
    b",",
    b"\n",
    b"\r\n ",
    b"=",
    b":",
    b"\x00",
    b"BEGIN:VCARD\n",
    b"END:VCARD\n",
    b"\xff\xfe",
    "张".encode(),
    b"=E5=BC",
]


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    raw = bytearray(base)
    for _ in range(draw(st.integers(0, 6))):
        if not raw:
            break
        how = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        at = draw(st.integers(0, len(raw) - 1))
        if how == "flip":
            raw[at] = draw(st.integers(0, 255))
        elif how == "cut":
            del raw[at:]
        elif how == "insert":
            raw[at:at] = draw(st.sampled_from(_INSERTS))
        else:
            del raw[at : at + draw(st.integers(1, 8))]
    return bytes(raw)


_FILES = {
    name: (DATA / name).read_bytes()
    for name in (
        "android_2.1_qp_utf8.vcf",
        "iphone_3.0.vcf",
        "contacts_4.0.vcf",
        "outlook.csv",
        "phone_gbk.csv",
        "google.csv",
        "wecom_utf16.txt",
    )
}


def _import_or_refuse(folder: Path, name: str, payload: bytes) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        copy_data_folder(folder, Path(scratch) / "data")
        store = open_store(Path(scratch) / "data")
        try:
            path = Path(scratch) / name
            path.write_bytes(payload)
            before = database_fingerprint(store)
            refusal: DomainError | None = None
            try:
                plan = preview(store, path)
            except DomainError as err:
                refusal = err
            if refusal is not None:
                assert refusal.message("en")
                assert database_fingerprint(store) == before
                return
            assert database_fingerprint(store) == before  # a preview never writes
            for row in plan.rows:
                if row.action is RowAction.REFUSED:
                    assert row.reason is not None
                    assert row.reason.message("en")
            apply(store, plan)
        finally:
            store.close()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=st.sampled_from(sorted(_FILES)), data=st.data())
def test_damaged_files_are_imported_or_refused_cleanly(
    import_seed: Path, name: str, data: st.DataObject
) -> None:
    payload = data.draw(mutated(_FILES[name]))
    _import_or_refuse(import_seed, name, payload)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(["random.csv", "random.vcf"]),
    payload=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.lists(
            st.sampled_from(
                [
                    "姓名",
                    "手机",
                    "Name",
                    "Phone",
                    ",",
                    ";",
                    "\t",
                    "\n",
                    '"',
                    "张伟明",
                    "13800138000",
                    "BEGIN:VCARD",
                    "END:VCARD",
                    "FN:",
                    "TEL:",
                    "\r\n",
                    "=E5",
                    "ENCODING=QUOTED-PRINTABLE",
                    "CHARSET=GBK",
                    ":",
                    "item1.",
                ]
            ),
            max_size=40,
        ).map(lambda parts: "".join(parts).encode("utf-8")),
    ),
)
def test_random_files_are_imported_or_refused_cleanly(
    import_seed: Path, name: str, payload: bytes
) -> None:
    _import_or_refuse(import_seed, name, payload)
