"""Build the scale dataset: five years of one busy liaison office, deterministic per seed.

    python bench/generate.py --data-dir /tmp/scale-data [--scale 1.0] [--seed 1]

At scale 1.0: 1,000,000 communications, 50,000 cases, 200,000 actions, 100,000 documents,
20,000 contacts (1-3 phone numbers each), about 2,000 organisations, and an event per
state change of every case, action and document. Everything happens between 2022-01-01
and 2026-11-30; the snapshot is as of ``AS_OF`` (the end of that window), so open work
clusters in the last weeks and a few stale items linger from earlier years.

The schema comes from opening a :class:`~coordinator.store.storage.Store` (so Alembic made it);
the rows then go in through the raw sqlite3 connection in a handful of transactions with
``executemany``, with ``synchronous=OFF`` and an in-memory journal during the load only.
The indexes of the big tables are dropped for the load and recreated afterwards from
their own SQL in ``sqlite_master`` (building a sorted index is several times faster
than growing it row by row); the schema that results is the one Alembic wrote.

Datetimes are written in SQLAlchemy's own SQLite format (``YYYY-MM-DD HH:MM:SS.ffffff``)
so that the application's range comparisons on text see them in order.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(PROJECT_DIR))

from coordinator.names import name_keys  # noqa: E402
from coordinator.safety.opening import open_store  # noqa: E402

START = datetime(2022, 1, 1)
END = datetime(2026, 11, 30, 23, 59, 59)
AS_OF = datetime(2026, 11, 30, 18, 0)
"""The moment the snapshot shows: states are as they stand then."""

DAY = 86_400
HOUR = 3_600
AS_OF_S = int((AS_OF - START).total_seconds())
END_S = int((END - START).total_seconds())

FULL = {
    "communications": 1_000_000,
    "cases": 50_000,
    "actions": 200_000,
    "documents": 100_000,
    "contacts": 20_000,
    "companies": 1_880,
    "banks": 30,
    "parks": 20,
}

BIG_TABLES = (
    "communications",
    "events",
    "actions",
    "documents",
    "cases",
    "contacts",
    "phone_numbers",
    "action_pauses",
    "case_tags",
    "organisations",
)

# -- the vocabulary --------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤俞应竺邬虞励单乐"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红飞鹏辉建国文志俊宇浩晨欣怡婷雪琳斌"
    "波峰海亮成晓佳子涵梓轩嘉一诺思雨家晗昊天博瑞凯鑫晶慧颖倩蕾琪彬健锋铭林立新永春燕云丹凤洁"
)
ROLES_COMPANY = (
    "总经理",
    "董事长",
    "副总经理",
    "财务总监",
    "行政主管",
    "项目经理",
    "办公室主任",
    "法务",
    "基建负责人",
    "环保专员",
    "人事经理",
    "报建专员",
)
ROLES_DEPARTMENT = ("局长", "副局长", "处长", "副处长", "科长", "副科长", "科员", "窗口工作人员")
ROLES_OTHER = ("客户经理", "行长助理", "招商专员", "园区主任", "业务经理")

MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "180",
    "181",
    "182",
    "183",
    "184",
    "185",
    "186",
    "187",
    "188",
    "189",
)
LANDLINE_PREFIXES = ("87", "88", "89", "86", "83", "55", "56", "63", "65", "62", "27", "28")

PLACES = ("宁波", "宁波", "宁波", "宁波", "浙江", "宁波市鄞州区", "宁波市北仑区", "余姚", "慈溪")
BRAND_CHARS = (
    "华海天中东鑫恒瑞博泰宏盛达新科远金永宝隆联信德通凯嘉万富创源力安顺荣星光亿腾润晟锦甬明舜港"
)
INDUSTRIES = (
    "智能科技",
    "新材料",
    "精密机械",
    "电子",
    "汽车零部件",
    "光电",
    "模具",
    "生物医药",
    "新能源",
    "化工",
    "纺织",
    "家电",
    "国际贸易",
    "物流",
    "港口服务",
    "服装",
    "文具",
    "石化",
    "半导体",
    "环保科技",
    "数字科技",
    "电气",
    "轴承",
    "智能装备",
    "海洋科技",
    "医疗器械",
    "食品",
)
COMPANY_SUFFIXES = ("有限公司",) * 7 + ("股份有限公司",) * 2 + ("集团有限公司",)

# Departments, with the actions each one is asked for.
DEPARTMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("宁波市发展和改革委员会", ("项目备案", "节能审查", "项目核准")),
    ("宁波市经济和信息化局", ("技改项目备案", "工业投资项目评价")),
    ("宁波市商务局", ("外商投资企业设立备案", "外资到位确认")),
    ("宁波市自然资源和规划局", ("用地预审与选址意见", "建设用地规划许可证", "建设工程规划许可证")),
    ("宁波市生态环境局", ("环境影响评价批复", "排污许可证")),
    ("宁波市住房和城乡建设局", ("施工图审查", "施工许可证", "竣工验收备案")),
    ("宁波市交通运输局", ("道路开口审批",)),
    ("宁波市水利局", ("水土保持方案批复", "取水许可")),
    ("宁波市市场监督管理局", ("营业执照变更登记", "特种设备使用登记")),
    ("宁波市应急管理局", ("安全条件审查", "安全设施设计审查")),
    ("宁波市人力资源和社会保障局", ("用工备案", "人才引进认定")),
    ("宁波市财政局", ("产业补助资金拨付",)),
    ("国家税务总局宁波市税务局", ("税务登记", "出口退税备案")),
    ("宁波海关", ("海关备案", "进出口收发货人登记")),
    ("宁波市科学技术局", ("高新技术企业认定", "研发中心认定")),
    ("宁波市消防救援支队", ("消防设计审查", "消防验收")),
    ("宁波市公安局", ("公章刻制备案",)),
    ("宁波市卫生健康委员会", ("职业病危害预评价",)),
    ("宁波市城市管理局", ("临时占道审批", "建筑垃圾处置核准")),
    ("宁波市人民政府行政服务中心", ("联合审批受理", "多评合一受理")),
    ("鄞州区发展和改革局", ("项目备案", "企业投资项目赋码")),
    ("鄞州区自然资源和规划分局", ("用地预审与选址意见", "规划条件核实")),
    ("鄞州区住房和城乡建设局", ("施工许可证",)),
    ("北仑区发展和改革局", ("项目备案",)),
    ("北仑区住房和城乡建设局", ("施工许可证", "竣工验收备案")),
    ("北仑区生态环境分局", ("环境影响评价批复",)),
    ("镇海区市场监督管理局", ("营业执照变更登记",)),
    ("镇海区应急管理局", ("安全条件审查",)),
    ("海曙区商务局", ("外商投资企业设立备案",)),
    ("江北区发展和改革局", ("项目备案",)),
    ("江北区自然资源和规划分局", ("建设工程规划许可证",)),
    ("奉化区生态环境分局", ("排污许可证",)),
    ("余姚市发展和改革局", ("项目备案", "节能审查")),
    ("余姚市自然资源和规划局", ("用地预审与选址意见",)),
    ("慈溪市发展和改革局", ("项目备案",)),
    ("慈溪市住房和城乡建设局", ("施工许可证",)),
    ("宁海县住房和城乡建设局", ("施工许可证",)),
    ("象山县商务局", ("外资到位确认",)),
    ("前湾新区经济发展局", ("项目准入评审",)),
    ("国网宁波供电公司", ("用电报装", "临时用电接入")),
)
BANKS = (
    "中国工商银行宁波市分行",
    "中国建设银行宁波市分行",
    "中国银行宁波市分行",
    "中国农业银行宁波市分行",
    "交通银行宁波分行",
    "宁波银行总行营业部",
    "宁波银行鄞州支行",
    "宁波银行北仑支行",
    "浙商银行宁波分行",
    "招商银行宁波分行",
    "兴业银行宁波分行",
    "中信银行宁波分行",
    "浦发银行宁波分行",
    "民生银行宁波分行",
    "宁波通商银行",
    "鄞州农村商业银行",
    "宁波余姚农村商业银行",
    "宁波慈溪农村商业银行",
    "光大银行宁波分行",
    "华夏银行宁波分行",
    "平安银行宁波分行",
    "广发银行宁波分行",
    "杭州银行宁波分行",
    "国家开发银行宁波市分行",
    "中国进出口银行宁波分行",
    "邮储银行宁波分行",
    "宁波东海银行",
    "宁波奉化农村商业银行",
    "宁波宁海农村商业银行",
    "宁波象山农村商业银行",
)
PARKS = (
    "宁波国家高新技术产业开发区",
    "宁波经济技术开发区",
    "宁波保税区",
    "宁波杭州湾新区",
    "宁波梅山物流产业集聚区",
    "宁波南部商务区",
    "鄞州经济开发区",
    "余姚经济开发区",
    "慈溪高新技术产业开发区",
    "宁海经济开发区",
    "象山经济开发区",
    "奉化经济开发区",
    "镇海经济开发区",
    "江北高新技术产业园区",
    "望春工业园区",
    "北仑大碶高端装备产业园",
    "宁波软件园",
    "宁波新材料科技城",
    "甬江科创区",
    "前湾新区智能制造产业园",
)
DISTRICTS = (
    "海曙区人民政府",
    "江北区人民政府",
    "镇海区人民政府",
    "北仑区人民政府",
    "鄞州区人民政府",
    "奉化区人民政府",
    "余姚市人民政府",
    "慈溪市人民政府",
    "宁海县人民政府",
    "象山县人民政府",
)
FUNDS = ("宁波市产业投资基金", "甬江引导基金", "宁波天使投资引导基金", "宁波市创新型初创企业基金")

CASE_KINDS = (
    ("new_investment", "新设项目落地"),
    ("expansion", "增资扩产项目"),
    ("land", "用地审批"),
    ("construction", "新建厂房项目"),
    ("technical_upgrade", "技改项目"),
    ("rnd_centre", "研发中心建设项目"),
    ("headquarters", "总部大楼项目"),
    ("financing", "融资对接"),
    ("talent", "人才引进"),
    ("utilities", "水电气接入"),
)
TAGS = ("重点项目", "外资", "制造业", "省重大", "市重点", "数字经济", "专精特新", "容缺受理")
DOCUMENT_TITLES = (
    "营业执照副本",
    "法定代表人身份证明",
    "项目备案通知书",
    "土地出让合同",
    "不动产权证书",
    "建设工程规划许可证",
    "环境影响报告表",
    "施工图审查合格书",
    "消防设计文件",
    "可行性研究报告",
    "银行资信证明",
    "投资协议",
    "股东会决议",
    "公司章程",
    "授权委托书",
    "厂房租赁合同",
    "安全评价报告",
    "节能评估报告",
    "水土保持方案",
    "用电报装申请表",
    "外资到位证明",
)
NOTE_TEMPLATES = (
    "询问{doc}办理进度",
    "通知企业补交{doc}",
    "确认现场踏勘时间",
    "协调{dept}窗口受理",
    "企业反映审批时限过长，已向{dept}了解情况",
    "约下周面谈",
    "已转告企业，材料周五前送到",
    "{dept}答复需补充{doc}",
    "企业询问补助政策",
    "沟通项目开工计划",
    "告知{doc}已受理",
    "企业负责人出差，改约下周",
    "发送{doc}电子版",
    "提醒企业原件需盖章",
)
BLOCKED_REASONS = ("等待上位规划调整", "前置审批未完成", "材料不全", "企业股权变更中")
RETURN_REASONS = ("缺少盖章页", "信息与营业执照不一致", "需提供原件", "版本过期，需更新")
PAUSE_REASONS = ("等待企业补充材料", "企业修改设计方案", "企业内部决策中")
CLOSE_REASONS = ("项目已落地投产", "审批事项全部办结", "企业决定暂缓投资", "已移交属地跟进")

OPEN_ACTION_STATES = (
    ("in_progress", 40),
    ("todo", 20),
    ("waiting", 12),
    ("waiting_company", 17),
    ("blocked", 11),
)
OPEN_DOC_STATES = (
    ("requested", 30),
    ("received", 14),
    ("forwarded", 20),
    ("accepted", 15),
    ("accepted_missing", 8),
    ("returned", 8),
    ("resubmitted", 5),
)
CHANNELS = (
    ("phone", 55),
    ("wechat", 24),
    ("sms", 5),
    ("dingtalk", 5),
    ("in_person", 5),
    ("meeting", 3),
    ("email", 2),
    ("qq", 1),
)
# Hour-of-day weights: an office day with a lunch dip, a little in the evening.
HOUR_WEIGHTS = (
    0,
    0,
    0,
    0,
    0,
    0,
    1,
    3,
    20,
    60,
    70,
    60,
    20,
    25,
    60,
    65,
    60,
    40,
    12,
    6,
    5,
    3,
    1,
    0,
)

# -- helpers ---------------------------------------------------------------------------

_DAY_TEXT = [
    (START.date() + timedelta(days=i)).isoformat() for i in range((END - START).days + 800)
]
_START_WEEKDAY = START.weekday()


def ts(seconds: float) -> str:
    """SQLAlchemy's SQLite DATETIME text for a moment given in seconds since START."""
    whole = int(seconds)
    days, rest = divmod(whole, DAY)
    hours, rest = divmod(rest, HOUR)
    minutes, secs = divmod(rest, 60)
    return f"{_DAY_TEXT[days]} {hours:02d}:{minutes:02d}:{secs:02d}.000000"


def ts_or_none(seconds: float | None) -> str | None:
    return None if seconds is None else ts(seconds)


def at_time_of_day(seconds: float, hour: int, minute: int = 0) -> int:
    return int(seconds) // DAY * DAY + hour * HOUR + minute * 60


def weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def part_rng(seed: int, part: str) -> random.Random:
    """One generator per part, so that changing one table leaves the others as they were."""
    return random.Random(f"{seed}:{part}")


def scaled(name: str, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(FULL[name] * scale))


def insert(
    conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: Iterable[Any]
) -> None:
    marks = ", ".join("?" * len(columns))
    conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


# -- people and numbers ----------------------------------------------------------------


def person_name(rng: random.Random, surname_weights: Sequence[float]) -> str:
    surname = rng.choices(SURNAMES, cum_weights=surname_weights)[0]
    if rng.random() < 0.7:
        return surname + rng.choice(GIVEN) + rng.choice(GIVEN)
    return surname + rng.choice(GIVEN)


@dataclass(frozen=True)
class Phone:
    raw: str
    e164: str
    digits: str
    label: str


def mobile(rng: random.Random) -> Phone:
    digits = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"
    style = rng.random()
    if style < 0.6:
        raw = digits
    elif style < 0.85:
        raw = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    elif style < 0.95:
        raw = f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    else:
        raw = f"+86 {digits}"
    return Phone(raw, "+86" + digits, digits, "手机")


def landline(rng: random.Random) -> Phone:
    local = rng.choice(LANDLINE_PREFIXES) + f"{rng.randrange(1_000_000):06d}"
    raw = f"0574-{local}" if rng.random() < 0.8 else f"(0574) {local[:4]} {local[4:]}"
    return Phone(raw, "+86574" + local, "574" + local, "办公电话")


# -- the generator ---------------------------------------------------------------------


@dataclass
class GenerationReport:
    data_dir: Path
    seconds: float
    database_bytes: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Case:
    id: int
    company_id: int
    opened: int
    end: int  # closed_at, or AS_OF while open
    status: str
    department_ids: list[int]


def _give_uids(conn: sqlite3.Connection, seed: int) -> None:
    """Every record its uid (the rows are written beside the ORM, which would draw them):
    derived from the seed, the table and the id, so one seed gives the same data; the
    events' append-only triggers step aside."""
    conn.create_function(
        "seeded_uid",
        2,
        lambda table, ident: hashlib.md5(f"{seed}:{table}:{ident}".encode()).hexdigest(),
        deterministic=True,
    )
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
    ).fetchall()
    for name, _sql in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    tables = [
        row[0]
        for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if {"uid", "id"} <= {c[1] for c in conn.execute(f'PRAGMA table_info("{row[0]}")')}
    ]
    for table in tables:
        conn.execute(f"UPDATE {table} SET uid = seeded_uid('{table}', id) WHERE uid IS NULL")
    for _name, sql in triggers:
        conn.execute(sql)


def generate(
    data_dir: Path, scale: float = 1.0, seed: int = 1, *, verbose: bool = False
) -> GenerationReport:
    """Fill a new data folder with the scale dataset; returns what it made and how fast."""
    started = time.perf_counter()
    data_dir = Path(data_dir)
    store = open_store(data_dir)  # creates the file and runs the Alembic migrations
    database_path = store.database_path
    store.close()
    conn = sqlite3.connect(database_path, isolation_level=None)
    try:
        if conn.execute("SELECT count(*) FROM cases").fetchone()[0]:
            raise FileExistsError(f"{database_path} already holds data: give an empty folder")
        # For the load only: no fsync, journal in memory, a big page cache.
        conn.execute("PRAGMA journal_mode = MEMORY")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -1000000")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA foreign_keys = OFF")
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({', '.join('?' * len(BIG_TABLES))}) ORDER BY name",
            BIG_TABLES,
        ).fetchall()
        conn.execute("BEGIN")
        for name, _sql in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        counts = _Generator(conn, scale, seed, verbose, started).run()
        _give_uids(conn, seed)
        for _name, sql in indexes:
            conn.execute(sql)
        # The search index made when the file was created is empty: no longer whole, it is
        # built from the rows at the next opening (below).
        conn.execute("DELETE FROM search_index_meta")
        conn.execute("COMMIT")
        _log(verbose, started, "indexes rebuilt")
        # Back to the settings the application relies on.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    open_store(data_dir).close()  # nothing left to migrate; the search index is built
    seconds = time.perf_counter() - started
    size = sum(
        p.stat().st_size
        for p in (database_path, Path(f"{database_path}-wal"), Path(f"{database_path}-shm"))
        if p.exists()
    )
    return GenerationReport(data_dir, seconds, size, counts)


def _log(verbose: bool, started: float, what: str) -> None:
    if verbose:
        print(f"  {time.perf_counter() - started:6.1f} s  {what}", flush=True)


class _Generator:
    def __init__(
        self, conn: sqlite3.Connection, scale: float, seed: int, verbose: bool, started: float
    ) -> None:
        self.conn = conn
        self.scale = scale
        self.seed = seed
        self.verbose = verbose
        self.started = started
        self.counts: dict[str, int] = {}
        self.events: list[tuple[int, str, int, int | None, str, str | None, str | None]] = []
        self.company_ids: list[int] = []
        self.department_ids: list[int] = []
        self.department_actions: dict[int, tuple[str, ...]] = {}
        self.contacts_of: dict[int, list[int]] = {}
        self.phones_of: dict[int, list[Phone]] = {}
        self.cases: list[_Case] = []

    def log(self, what: str) -> None:
        _log(self.verbose, self.started, what)

    def run(self) -> dict[str, int]:
        self.organisations()
        self.contacts()
        self.log(
            f"{self.counts['organisations']} organisations, {self.counts['contacts']} contacts"
        )
        self.cases_actions_documents()
        self.log(
            f"{self.counts['cases']} cases, {self.counts['actions']} actions, "
            f"{self.counts['documents']} documents"
        )
        self.communications()
        self.log(f"{self.counts['communications']} communications")
        self.write_events()
        self.log(f"{self.counts['events']} events")
        return self.counts

    # -- organisations and contacts ------------------------------------------------

    def organisations(self) -> None:
        rng = part_rng(self.seed, "organisations")
        created = ts(0)
        rows: list[tuple[Any, ...]] = []

        def add(name: str, kind: str) -> int:
            keys = name_keys(name, person=False)
            ident = len(rows) + 1
            rows.append((ident, name, kind, keys.pinyin, keys.initials, "", created, created))
            return len(rows)

        for name, titles in DEPARTMENTS:
            ident = add(name, "department")
            self.department_ids.append(ident)
            self.department_actions[ident] = titles
        for name in BANKS[: min(len(BANKS), max(2, round(FULL["banks"] * self.scale)))]:
            add(name, "bank")
        for name in PARKS[: min(len(PARKS), max(2, round(FULL["parks"] * self.scale)))]:
            add(name, "park")
        for name in DISTRICTS:
            add(name, "district")
        for name in FUNDS:
            add(name, "fund")
        wanted = scaled("companies", self.scale, minimum=5)
        seen: set[str] = set()
        while len(self.company_ids) < wanted:
            name = (
                rng.choice(PLACES)
                + rng.choice(BRAND_CHARS)
                + rng.choice(BRAND_CHARS)
                + rng.choice(INDUSTRIES)
                + rng.choice(COMPANY_SUFFIXES)
            )
            if name in seen:
                continue
            seen.add(name)
            self.company_ids.append(add(name, "company"))
        self.organisation_kind = {row[0]: row[2] for row in rows}
        insert(
            self.conn,
            "organisations",
            ("id", "name", "kind", "pinyin", "initials", "notes", "created_at", "updated_at"),
            rows,
        )
        self.counts["organisations"] = len(rows)

    def contacts(self) -> None:
        rng = part_rng(self.seed, "contacts")
        surname_weights: list[float] = []
        total = 0.0
        for rank in range(len(SURNAMES)):
            total += 1.0 / (rank + 8)
            surname_weights.append(total)
        n = scaled("contacts", self.scale, minimum=10)
        other_ids = [
            i for i, kind in self.organisation_kind.items() if kind not in ("company", "department")
        ]
        keys_cache: dict[str, tuple[str, str]] = {}
        contact_rows: list[tuple[Any, ...]] = []
        phone_rows: list[tuple[Any, ...]] = []
        # At full size every department has a contact before the others get any.
        first = len(self.department_ids) if n >= 5 * len(self.department_ids) else 0
        for ident in range(1, n + 1):
            pick = rng.random()
            if ident <= first or pick < 0.18:
                if ident <= first:
                    org: int | None = self.department_ids[ident - 1]
                else:
                    org = rng.choice(self.department_ids)
                role = rng.choice(ROLES_DEPARTMENT)
            elif pick < 0.27:
                org, role = rng.choice(other_ids), rng.choice(ROLES_OTHER)
            elif pick < 0.98:
                org, role = rng.choice(self.company_ids), rng.choice(ROLES_COMPANY)
            else:
                org, role = None, ""
            name = person_name(rng, surname_weights)
            if name not in keys_cache:
                keys = name_keys(name)
                keys_cache[name] = (keys.pinyin, keys.initials)
            pinyin, initials = keys_cache[name]
            created = ts(rng.randrange(0, 30 * DAY))
            contact_rows.append((ident, name, org, role, pinyin, initials, "", created, created))
            if org is not None:
                self.contacts_of.setdefault(org, []).append(ident)
            phones: list[Phone] = []
            for position in range(rng.choices((1, 2, 3), weights=(55, 35, 10))[0]):
                phone = mobile(rng) if position == 0 or rng.random() < 0.4 else landline(rng)
                department = org is not None and self.organisation_kind[org] == "department"
                if department and position == 0 and rng.random() < 0.6:
                    phone = landline(rng)  # a department is mostly reached at its desk
                phones.append(phone)
                phone_rows.append(
                    (
                        len(phone_rows) + 1,
                        ident,
                        phone.raw,
                        phone.e164,
                        "",
                        phone.digits,
                        phone.label,
                        position,
                    )
                )
            self.phones_of[ident] = phones
        insert(
            self.conn,
            "contacts",
            (
                "id",
                "name",
                "organisation_id",
                "role",
                "pinyin",
                "initials",
                "notes",
                "created_at",
                "updated_at",
            ),
            contact_rows,
        )
        insert(
            self.conn,
            "phone_numbers",
            ("id", "contact_id", "raw", "e164", "extension", "digits", "label", "position"),
            phone_rows,
        )
        self.counts["contacts"] = len(contact_rows)
        self.counts["phone_numbers"] = len(phone_rows)

    # -- cases, their actions and documents ---------------------------------------

    def cases_actions_documents(self) -> None:
        rng = part_rng(self.seed, "cases")
        n_cases = scaled("cases", self.scale)
        n_actions = max(n_cases, scaled("actions", self.scale))
        n_documents = scaled("documents", self.scale)
        actions_per_case = [1] * n_cases
        for i in rng.choices(range(n_cases), k=n_actions - n_cases):
            actions_per_case[i] += 1
        documents_per_case = [0] * n_cases
        for i in rng.choices(range(n_cases), k=n_documents):
            documents_per_case[i] += 1
        # Openings spread over the window, a little busier every year.
        last_opening = AS_OF_S - 2 * DAY
        openings = sorted(int(last_opening * (rng.random() ** 0.85)) for _ in range(n_cases))
        events = self.events
        case_rows: list[tuple[Any, ...]] = []
        tag_rows: list[tuple[Any, ...]] = []
        action_rows: list[tuple[Any, ...]] = []
        pause_rows: list[tuple[Any, ...]] = []
        document_rows: list[tuple[Any, ...]] = []
        year_serial: dict[int, int] = {}
        for index in range(n_cases):
            case_id = index + 1
            opened = at_time_of_day(openings[index], rng.choice((9, 10, 11, 14, 15, 16)), 0)
            opened = min(opened, AS_OF_S - DAY)
            company = rng.choice(self.company_ids)
            kind, kind_title = rng.choice(CASE_KINDS)
            # The action plan: one after another, a few days apart.
            plan: list[tuple[int, int, int, int]] = []  # requested, due, would-be done, dept
            cursor = opened + rng.randrange(HOUR, 3 * DAY)
            departments: list[int] = []
            for _ in range(actions_per_case[index]):
                dept = rng.choice(self.department_ids)
                departments.append(dept)
                limit_days = rng.choice((3, 5, 5, 7, 10, 10, 15, 20, 30))
                due = at_time_of_day(
                    cursor + limit_days * DAY, rng.choice((9, 12, 16, 17, 17, 17, 18)), 30
                )
                done = cursor + int(limit_days * DAY * rng.uniform(0.2, 1.35))
                plan.append((cursor, due, done, dept))
                cursor += rng.randrange(DAY // 2, 8 * DAY)
            finish = max(p[2] for p in plan) + rng.randrange(DAY, 20 * DAY)
            roll = rng.random()
            if finish < AS_OF_S:
                if roll < 0.90:
                    status, end = "closed", finish
                elif roll < 0.95:
                    status = "cancelled"
                    end = opened + (finish - opened) * rng.randrange(2, 9) // 10
                elif roll < 0.97:
                    status, end = "on_hold", AS_OF_S
                else:
                    status, end = "open", AS_OF_S  # stalled: nobody closed it
            else:
                status, end = ("open", AS_OF_S) if roll < 0.88 else ("on_hold", AS_OF_S)
            year = (START + timedelta(seconds=opened)).year
            year_serial[year] = year_serial.get(year, 0) + 1
            reference = f"NB-{year}-{year_serial[year]:05d}"
            normal_hours = float((finish - opened) // HOUR)
            amount = rng.choice((5, 10, 20, 50, 100, 200, 500, 1000, 5000)) * 1_000_000 * 100
            currency = "USD" if rng.random() < 0.1 else "CNY"
            closed_at = ts(end) if status in ("closed", "cancelled") else None
            close_reason = rng.choice(CLOSE_REASONS) if closed_at else ""
            updated = end if closed_at else max(opened, min(AS_OF_S, plan[-1][0]))
            case_rows.append(
                (
                    case_id,
                    reference,
                    f"{kind_title}（{reference}）",
                    company,
                    kind,
                    rng.random() < 0.1,
                    status,
                    "",
                    ts(opened),
                    ts(opened + int(normal_hours * HOUR * 1.1)),
                    closed_at,
                    close_reason,
                    normal_hours,
                    amount,
                    currency,
                    "",
                    ts(opened),
                    ts(updated),
                )
            )
            events.append((opened, "case", case_id, case_id, "status", None, "open"))
            if status != "open":
                when = end if closed_at else min(AS_OF_S, opened + (AS_OF_S - opened) // 2)
                events.append((when, "case", case_id, case_id, "status", "open", status))
            for tag in rng.sample(TAGS, rng.choice((0, 0, 0, 1, 1, 2))):
                tag_rows.append((case_id, tag))
            self.cases.append(_Case(case_id, company, opened, end, status, departments))
            # Actions.
            for position, (requested, due, done, dept) in enumerate(plan):
                action_id = len(action_rows) + 1
                requested_at: int | None = requested
                done_at: int | None = None
                if status == "closed":
                    state = "cancelled" if rng.random() < 0.03 else "done"
                    if rng.random() < 0.003:
                        state = "in_progress"  # never ticked off: lingers as overdue
                    done_at = done if state != "in_progress" else None
                elif status == "cancelled":
                    state = "done" if done < end else "cancelled"
                    done_at = done if state == "done" else end
                elif done < AS_OF_S and rng.random() < 0.85:
                    state, done_at = "done", done
                else:
                    state = weighted(rng, OPEN_ACTION_STATES)
                    if requested > AS_OF_S:
                        state, requested_at = "todo", None
                due_at: int | None = due if rng.random() > 0.03 else None
                dept_contacts = self.contacts_of.get(dept)
                contact = None
                if dept_contacts and rng.random() < 0.7:
                    contact = rng.choice(dept_contacts)
                created = min(requested, AS_OF_S)
                changed = done_at if done_at is not None else created
                action_rows.append(
                    (
                        action_id,
                        case_id,
                        dept,
                        contact,
                        rng.choice(self.department_actions[dept]),
                        state,
                        ts_or_none(requested_at),
                        ts_or_none(due_at),
                        ts_or_none(done_at),
                        rng.choice(BLOCKED_REASONS) if state == "blocked" else "",
                        float((due - requested) // HOUR),
                        None,
                        float((due - requested) // HOUR // 2),
                        "",
                        position,
                        kind,
                        ts(created),
                        ts(min(changed, AS_OF_S)),
                    )
                )
                events.append((created, "action", action_id, case_id, "status", None, "todo"))
                if state != "todo":
                    when = done_at if done_at is not None else created + (AS_OF_S - created) // 3
                    events.append(
                        (min(when, AS_OF_S), "action", action_id, case_id, "status", "todo", state)
                    )
                if state == "waiting_company":
                    pause_start = max(created, AS_OF_S - rng.randrange(DAY, 25 * DAY))
                    pause_rows.append(
                        (
                            len(pause_rows) + 1,
                            action_id,
                            ts(pause_start),
                            None,
                            rng.choice(PAUSE_REASONS),
                        )
                    )
                elif state == "done" and done_at is not None and rng.random() < 0.08:
                    span = max(done_at - requested, HOUR)
                    pause_start = requested + int(span * rng.uniform(0.1, 0.5))
                    pause_end = pause_start + int(span * rng.uniform(0.05, 0.3))
                    pause_rows.append(
                        (
                            len(pause_rows) + 1,
                            action_id,
                            ts(pause_start),
                            ts(min(pause_end, done_at)),
                            rng.choice(PAUSE_REASONS),
                        )
                    )
            # Documents.
            for position in range(documents_per_case[index]):
                document_rows.append(
                    self.document(
                        rng,
                        len(document_rows) + 1,
                        case_id,
                        company,
                        status,
                        opened,
                        end,
                        departments,
                        position,
                    )
                )
        self.insert_cases(case_rows, tag_rows, action_rows, pause_rows, document_rows)

    def document(
        self,
        rng: random.Random,
        document_id: int,
        case_id: int,
        company: int,
        case_status: str,
        opened: int,
        end: int,
        departments: list[int],
        position: int,
    ) -> tuple[Any, ...]:
        if case_status == "closed":
            roll = rng.random()
            state = (
                "accepted"
                if roll < 0.85
                else "received"
                if roll < 0.97
                else "accepted_missing"
                if roll < 0.99
                else "resubmitted"
            )
        elif case_status == "cancelled":
            state = rng.choice(("received", "received", "accepted"))  # nobody chases them
        else:
            state = weighted(rng, OPEN_DOC_STATES)
        path = {
            "requested": ("requested",),
            "received": ("requested", "received"),
            "forwarded": ("requested", "received", "forwarded"),
            "accepted": ("requested", "received", "forwarded", "accepted"),
            "accepted_missing": ("requested", "received", "forwarded", "accepted_missing"),
            "returned": ("requested", "received", "forwarded", "returned"),
            "resubmitted": ("requested", "received", "forwarded", "returned", "resubmitted"),
        }[state]
        moments: list[int] = []
        cursor = opened + rng.randrange(HOUR, 10 * DAY)
        for _step in path:
            moments.append(at_time_of_day(cursor, rng.randrange(9, 17), rng.randrange(60)))
            cursor += rng.randrange(DAY // 2, 8 * DAY)
        limit = end if case_status in ("closed", "cancelled") else AS_OF_S
        if moments[-1] > limit:  # squeeze the path in before the case ended
            shift = moments[-1] - limit + rng.randrange(HOUR, 2 * DAY)
            moments = [max(opened, m - shift) for m in moments]
        stamp: dict[str, int] = dict(zip(path, moments, strict=True))
        destination = rng.choice(departments)
        holder: int | None = {
            "requested": company,
            "received": None,
            "forwarded": destination,
            "accepted": destination,
            "accepted_missing": destination,
            "returned": None if rng.random() < 0.6 else company,
            "resubmitted": destination,
        }[state]
        accepted_at = stamp.get("accepted", stamp.get("accepted_missing"))
        promised = (
            at_time_of_day(stamp["accepted_missing"] + rng.randrange(5, 30) * DAY, 17, 0)
            if state == "accepted_missing"
            else None
        )
        previous: str | None = None
        for step, moment in zip(path, moments, strict=True):
            self.events.append((moment, "document", document_id, case_id, "state", previous, step))
            previous = step
        return (
            document_id,
            case_id,
            rng.choice(DOCUMENT_TITLES),
            rng.random() < 0.9,
            state,
            company,
            destination,
            holder,
            rng.random() < 0.3,
            rng.random() < 0.6,
            2 if "resubmitted" in stamp else 1,
            ts(stamp["requested"]),
            ts_or_none(stamp.get("received")),
            ts_or_none(stamp.get("forwarded")),
            ts_or_none(accepted_at),
            ts_or_none(stamp.get("returned")),
            ts_or_none(stamp.get("resubmitted")),
            rng.choice(RETURN_REASONS) if "returned" in stamp else "",
            "补充盖章页及原件" if state == "accepted_missing" else "",
            ts_or_none(promised),
            "",
            position,
            ts(moments[0]),
            ts(moments[-1]),
        )

    def insert_cases(
        self,
        case_rows: list[tuple[Any, ...]],
        tag_rows: list[tuple[Any, ...]],
        action_rows: list[tuple[Any, ...]],
        pause_rows: list[tuple[Any, ...]],
        document_rows: list[tuple[Any, ...]],
    ) -> None:
        insert(
            self.conn,
            "cases",
            (
                "id",
                "reference",
                "title",
                "company_id",
                "kind",
                "fast_track",
                "status",
                "owner",
                "opened_at",
                "target_at",
                "closed_at",
                "close_reason",
                "normal_duration_hours",
                "amount_minor",
                "currency",
                "notes",
                "created_at",
                "updated_at",
            ),
            case_rows,
        )
        insert(self.conn, "case_tags", ("case_id", "tag"), tag_rows)
        insert(
            self.conn,
            "actions",
            (
                "id",
                "case_id",
                "department_id",
                "contact_id",
                "title",
                "status",
                "requested_at",
                "due_at",
                "done_at",
                "blocked_reason",
                "statutory_limit_hours",
                "promised_limit_hours",
                "normal_duration_hours",
                "notes",
                "position",
                "template_key",
                "created_at",
                "updated_at",
            ),
            action_rows,
        )
        insert(
            self.conn,
            "action_pauses",
            ("id", "action_id", "started_at", "ended_at", "reason"),
            pause_rows,
        )
        insert(
            self.conn,
            "documents",
            (
                "id",
                "case_id",
                "title",
                "required",
                "state",
                "source_id",
                "destination_id",
                "holder_id",
                "is_original",
                "stamped",
                "version",
                "requested_at",
                "received_at",
                "forwarded_at",
                "accepted_at",
                "returned_at",
                "resubmitted_at",
                "return_reason",
                "missing_items",
                "promised_completion_at",
                "notes",
                "position",
                "created_at",
                "updated_at",
            ),
            document_rows,
        )
        self.counts.update(
            cases=len(case_rows),
            case_tags=len(tag_rows),
            actions=len(action_rows),
            action_pauses=len(pause_rows),
            documents=len(document_rows),
        )

    # -- communications ------------------------------------------------------------

    def communications(self) -> None:
        rng = part_rng(self.seed, "communications")
        n = scaled("communications", self.scale)
        n_unfiled = round(n * 0.03)
        cases = self.cases
        weights = [((c.end - c.opened) / DAY + 5) ** 0.7 for c in cases]
        picked = rng.choices(cases, weights=weights, k=n - n_unfiled)
        hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=n)
        channel_names = [c[0] for c in CHANNELS]
        channels = rng.choices(channel_names, weights=[c[1] for c in CHANNELS], k=n)
        all_contacts = list(self.phones_of)
        random_ = rng.random
        randrange = rng.randrange
        choice = rng.choice
        contacts_of = self.contacts_of
        phones_of = self.phones_of
        rows: list[list[Any]] = []
        for i in range(n):
            case = picked[i] if i < n - n_unfiled else None
            if case is not None:
                low = max(0, case.opened - 10 * DAY)
                moment = low + int(random_() * (case.end - low))
            else:
                moment = int(random_() ** 0.9 * END_S)
            day = moment // DAY
            weekday = (day + _START_WEEKDAY) % 7
            if weekday >= 5 and random_() < 0.85:  # few calls at the weekend
                day += 2 if weekday == 5 else 1
            moment = day * DAY + hours[i] * HOUR + randrange(HOUR)
            if moment > END_S:
                moment = END_S - randrange(DAY)
            channel = channels[i]
            roll = random_()
            contact: int | None
            if case is not None and roll < 0.6:
                contact = choice(contacts_of.get(case.company_id) or all_contacts)
            elif case is not None and roll < 0.9:
                contact = choice(contacts_of.get(choice(case.department_ids)) or all_contacts)
            elif case is None and roll < 0.5:
                contact = choice(all_contacts)
            else:
                contact = None
            raw = e164 = ""
            if contact is None:
                if channel not in ("phone", "sms"):
                    channel = "phone"
                number = mobile(rng) if random_() < 0.75 else landline(rng)
                raw, e164 = number.raw, number.e164
            elif channel in ("phone", "sms"):
                phones = phones_of[contact]
                number = phones[0] if random_() < 0.7 else choice(phones)
                raw, e164 = number.raw, number.e164
            if channel == "phone":
                duration = int(20 + random_() ** 3 * 1200)
            elif channel == "meeting":
                duration = choice((1800, 3600, 5400, 7200))
            elif channel == "in_person":
                duration = choice((600, 1200, 1800, 3600))
            else:
                duration = 0
            notes = ""
            if random_() < 0.3:
                notes = choice(NOTE_TEMPLATES).format(
                    doc=choice(DOCUMENT_TITLES), dept=choice(DEPARTMENTS)[0]
                )
            follow_up_due: int | None = None
            follow_up_done: int | None = None
            if random_() < 0.08:
                follow_up_due = at_time_of_day(
                    moment + randrange(1, 8) * DAY, choice((9, 10, 11, 14, 15, 16, 17))
                )
                if follow_up_due < AS_OF_S - 7 * DAY:
                    open_chance = 0.005
                elif follow_up_due < AS_OF_S:
                    open_chance = 0.4
                else:
                    open_chance = 0.9
                if random_() >= open_chance:
                    follow_up_done = min(
                        AS_OF_S, max(moment + HOUR, follow_up_due + randrange(-2 * DAY, 2 * DAY))
                    )
            direction = "in" if random_() < 0.5 else "out"
            rows.append(
                [
                    moment,
                    duration,
                    direction,
                    channel,
                    contact,
                    raw,
                    e164,
                    case.id if case is not None else None,
                    notes,
                    follow_up_due,
                    follow_up_done,
                    channel in ("wechat", "dingtalk", "qq") and random_() < 0.3,
                ]
            )
        rows.sort(key=lambda r: r[0])
        seed_text = str(self.seed)

        def finished() -> Iterable[tuple[Any, ...]]:
            for ident, r in enumerate(rows, start=1):
                source_key = (
                    hashlib.sha256(f"{seed_text}:{ident}".encode()).hexdigest() if r[11] else None
                )
                yield (
                    ident,
                    ts(r[0]),
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    r[5],
                    r[6],
                    r[7],
                    r[8],
                    ts_or_none(r[9]),
                    ts_or_none(r[10]),
                    source_key,
                    ts(r[0] + 60),
                )

        insert(
            self.conn,
            "communications",
            (
                "id",
                "at",
                "duration_seconds",
                "direction",
                "channel",
                "contact_id",
                "raw_number",
                "number_e164",
                "case_id",
                "notes",
                "follow_up_due",
                "follow_up_done_at",
                "source_key",
                "created_at",
            ),
            finished(),
        )
        self.counts["communications"] = n

    def write_events(self) -> None:
        events = self.events
        events.sort(key=lambda e: e[0])
        insert(
            self.conn,
            "events",
            ("id", "at", "entity", "entity_id", "case_id", "field", "before", "after"),
            (
                (ident, ts(e[0]), e[1], e[2], e[3], e[4], e[5], e[6])
                for ident, e in enumerate(events, start=1)
            ),
        )
        self.counts["events"] = len(events)


def _size(num: int) -> str:
    return f"{num / 1024 / 1024:,.1f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, type=Path, help="an empty data folder")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = a million calls")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    try:
        report = generate(args.data_dir, args.scale, args.seed, verbose=not args.quiet)
    except FileExistsError as exc:
        parser.error(str(exc))
    for table, count in report.counts.items():
        print(f"{table:>16}: {count:>10,}")
    print(f"generated in {report.seconds:.1f} s; database {_size(report.database_bytes)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
