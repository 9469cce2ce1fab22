"""An office whose truth is known, for measuring foresight: where each message belongs,
and when each pending step really finishes.

    data = build_office(store, seed=1)

Nine months of one liaison office up to :data:`AS_OF`, deterministic per seed:

* departments of different speeds: each (department, kind of step, fast-track or not)
  has a true middle duration in working hours and a spread; a step's working duration
  is drawn around it (log-normal), and some steps wait on the company for a while in
  the middle, which the department's clock does not count;
* cases opened from four kinds of plan, a step requested when the steps it depends on
  are done; each company has one to three cases, often open at the same time;
* messages written from the case's facts (the company's short name, the reference, the
  documents, the department whose step is under way, the amount, the kind) with
  noise: words every case shares, another company's name, nothing at all; sent by the
  company's people, by the department's, or from a number nobody entered;
* the officer's filings: every message before :data:`CUTOFF` is filed to its case
  (a few by mistake to another); the messages after it are left unfiled, and
  :attr:`Office.truth` says where each belongs. Steps unfinished at ``AS_OF`` are
  pending, and :attr:`Office.finishes` says when each really finishes.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from coordinator.calendar.working_time import WorkingCalendar
from coordinator.kinds import (
    ActionStatus,
    CaseStatus,
    Channel,
    Direction,
    DocumentState,
    OrganisationKind,
)
from coordinator.names import name_keys
from coordinator.store.models import (
    Action,
    ActionDependency,
    ActionPause,
    Case,
    Communication,
    Contact,
    Document,
    Organisation,
    PhoneNumber,
)
from coordinator.store.storage import Store

START = datetime(2026, 3, 2, 9, 0)
AS_OF = datetime(2026, 11, 27, 16, 0)
CUTOFF = datetime(2026, 11, 24, 9, 0)
"""Messages after this are left unfiled: the ones filing is measured on."""

DEPARTMENTS = (
    ("宁波市鄞州区市场监督管理局", OrganisationKind.DEPARTMENT, "市场监管"),
    ("国家税务总局宁波市鄞州区税务局", OrganisationKind.DEPARTMENT, "税务"),
    ("宁波市公安局鄞州分局印章管理科", OrganisationKind.DEPARTMENT, "刻章"),
    ("鄞州区人力资源和社会保障局", OrganisationKind.DEPARTMENT, "人社"),
    ("鄞州区商务局", OrganisationKind.DEPARTMENT, "商务"),
    ("奉化区行政审批局", OrganisationKind.DISTRICT, "邻区审批"),
    ("鄞州区住房和城乡建设局", OrganisationKind.DEPARTMENT, "住建"),
    ("宁波市生态环境局鄞州分局", OrganisationKind.DEPARTMENT, "环评"),
    ("鄞州区发展和改革局", OrganisationKind.DEPARTMENT, "发改"),
    ("鄞州经济开发区管委会", OrganisationKind.PARK, "园区"),
    ("中国工商银行宁波鄞州支行", OrganisationKind.BANK, "工行"),
    ("中国建设银行宁波分行营业部", OrganisationKind.BANK, "建行"),
    ("宁波银行鄞州中心区支行", OrganisationKind.BANK, "宁波银行"),
)
BANKS = ("工行", "建行", "宁波银行")

# kind, title, steps: (key, department short name or "bank", normal hours, fast hours,
# depends on, title), documents, amount in 万元 choices
PLANS: dict[
    str,
    tuple[
        str,
        tuple[tuple[str, str, float, float, tuple[str, ...], str], ...],
        tuple[str, ...],
        tuple[int, ...],
    ],
] = {
    "company_landing": (
        "新设企业落地",
        (
            ("name", "市场监管", 6.0, 1.0, (), "企业名称自主申报"),
            ("licence", "市场监管", 20.0, 2.5, ("name",), "核发营业执照"),
            ("seal", "刻章", 7.0, 1.5, ("licence",), "刻制公章"),
            ("bank", "bank", 14.0, 3.0, ("licence",), "开立基本存款账户"),
            ("tax", "税务", 12.0, 2.0, ("licence",), "税务登记与发票申领"),
            ("park", "园区", 30.0, 4.0, (), "园区入驻协议"),
        ),
        ("营业执照", "法定代表人身份证", "公司章程", "租赁合同", "股东会决议"),
        (500, 1000, 2000, 5000),
    ),
    "capital_increase": (
        "外资增资",
        (
            ("commerce", "商务", 10.0, 2.0, (), "外资信息报告"),
            ("change", "市场监管", 16.0, 3.0, ("commerce",), "注册资本变更登记"),
            ("forex", "bank", 18.0, 4.0, ("change",), "外汇登记与资本金入账"),
        ),
        ("增资协议", "董事会决议", "验资报告", "境外投资者主体资格证明"),
        (3000, 8000, 20000, 50000),
    ),
    "cross_district_filing": (
        "跨区项目备案",
        (
            ("brief", "商务", 4.0, 0.7, (), "出具项目情况说明"),
            ("filing", "邻区审批", 15.0, 1.5, ("brief",), "外商投资项目备案"),
            ("eia", "环评", 30.0, 5.0, ("filing",), "环评批复"),
        ),
        ("项目备案申请表", "项目情况说明", "环境影响报告表"),
        (1000, 3000, 6000),
    ),
    "talent_match": (
        "人才项目对接",
        (
            ("talent", "人社", 24.0, 4.0, (), "人才资格认定"),
            ("housing", "住建", 40.0, 6.0, ("talent",), "人才公寓配租"),
            ("grant", "发改", 30.0, 5.0, ("talent",), "项目扶持资金申报"),
        ),
        ("人才认定申请表", "学历证明", "劳动合同", "项目计划书"),
        (200, 500, 1000),
    ),
}

NAME_HEADS = "甬华恒嘉瑞博鑫泰诚宏远联达明晟凯德信安和舜顺康永盛兴锐峰海天星宇晨"
INDUSTRIES = (
    "精密机械",
    "新材料",
    "电子科技",
    "生物医药",
    "智能装备",
    "汽车零部件",
    "新能源",
    "供应链",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红飞鹏辉建国文志俊宇浩晨欣"
FILLERS = (
    "好的，收到",
    "请尽快办理",
    "材料已经准备好了",
    "下午到现场看一下",
    "明天上午再确认",
    "已电话沟通",
    "询问办理进度",
    "麻烦帮忙催一下",
    "需要补充材料",
    "已经提交",
)
CHANNELS = (
    (Channel.PHONE, 45),
    (Channel.WECHAT, 30),
    (Channel.DINGTALK, 8),
    (Channel.SMS, 7),
    (Channel.EMAIL, 5),
    (Channel.IN_PERSON, 5),
)


@dataclass
class TrueStep:
    action_id: int
    case_id: int
    fast_track: bool
    requested: datetime
    finish: datetime


@dataclass
class Office:
    truth: dict[int, int] = field(default_factory=dict)
    """Unfiled communication id -> the case it belongs to."""
    finishes: dict[int, TrueStep] = field(default_factory=dict)
    """Pending action id -> when it really finishes."""
    paused_now: set[int] = field(default_factory=set)
    """Pending steps waiting on the company at AS_OF (nobody can know when it answers)."""
    cases: int = 0
    filed: int = 0
    misfiled: int = 0


@dataclass
class _Company:
    id: int
    name: str
    short: str
    contacts: list[tuple[int, str]]
    kinds: list[str] = field(default_factory=list)


@dataclass
class _Step:
    key: str
    department: int
    short: str
    title: str
    depends: tuple[str, ...]
    limit_hours: float
    hours: float
    pause: tuple[float, float] | None
    requested: datetime | None = None
    finish: datetime | None = None


def _mobile(rng: random.Random) -> tuple[str, str]:
    digits = "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))
    return f"{digits[:3]} {digits[3:7]} {digits[7:]}", "+86" + digits


class _Builder:
    def __init__(self, store: Store, seed: int, cases: int) -> None:
        self.store = store
        self.rng = random.Random(seed)
        self.calendar: WorkingCalendar = store.calendar()
        self.n_cases = cases
        self.office = Office()
        self.session = store._sessions()  # one long transaction for the whole load
        self.now = AS_OF
        self.serial = 0
        self.speed: dict[tuple[str, str, bool], tuple[float, float]] = {}

    # -- organisations and people -------------------------------------------------------

    def organisation(self, name: str, kind: OrganisationKind) -> Organisation:
        keys = name_keys(name, person=False)
        org = Organisation(
            name=name,
            kind=kind,
            pinyin=keys.pinyin,
            initials=keys.initials,
            notes="",
            created_at=START,
            updated_at=START,
        )
        self.session.add(org)
        self.session.flush()
        return org

    def person(self, org_id: int, role: str) -> tuple[int, str]:
        rng = self.rng
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        keys = name_keys(name)
        raw, e164 = _mobile(rng)
        contact = Contact(
            name=name,
            organisation_id=org_id,
            role=role,
            pinyin=keys.pinyin,
            initials=keys.initials,
            notes="",
            created_at=START,
            updated_at=START,
        )
        contact.phones.append(
            PhoneNumber(raw=raw, e164=e164, digits=e164[3:], label="", position=0)
        )
        self.session.add(contact)
        self.session.flush()
        return contact.id, e164

    def run(self) -> Office:
        rng = self.rng
        self.departments: dict[str, tuple[int, list[tuple[int, str]]]] = {}
        for name, kind, short in DEPARTMENTS:
            org = self.organisation(name, kind)
            staff = [self.person(org.id, "科员") for _ in range(2)]
            self.departments[short] = (org.id, staff)
            # How fast this department is, and how steady.
            factor = math.exp(rng.uniform(-0.5, 0.6))
            for fast in (False, True):
                sigma = rng.uniform(0.12, 0.25) if fast else rng.uniform(0.25, 0.45)
                self.speed[(short, "", fast)] = (factor, sigma)
        heads = list(NAME_HEADS)
        rng.shuffle(heads)
        companies: list[_Company] = []
        used: set[str] = set()
        while len(companies) < max(8, self.n_cases // 2):
            short = rng.choice(heads) + rng.choice(heads)
            if short[0] == short[1] or short in used:
                continue
            used.add(short)
            name = f"宁波{short}{rng.choice(INDUSTRIES)}有限公司"
            org = self.organisation(name, OrganisationKind.COMPANY)
            people = [self.person(org.id, "经理") for _ in range(rng.choice((1, 2, 2, 3)))]
            companies.append(_Company(org.id, name, short, people))
        span = (AS_OF - START).total_seconds()
        for index in range(self.n_cases):
            opened = START + timedelta(seconds=span * rng.random())
            opened = self.calendar.next_working_instant(opened)
            if opened >= AS_OF - timedelta(hours=2):
                opened = AS_OF - timedelta(days=rng.randrange(1, 30))
                opened = self.calendar.next_working_instant(opened)
            company = (
                companies[index % len(companies)]
                if index < len(companies)
                else rng.choice(companies)
            )
            self.case(company, opened, companies)
        self.session.commit()
        self.session.close()
        self.office.cases = self.n_cases
        return self.office

    # -- a case ------------------------------------------------------------------------

    def case(self, company: _Company, opened: datetime, companies: list[_Company]) -> None:
        rng = self.rng
        # A company's cases at one time are of different kinds (one landing, one filing).
        kinds = [k for k in PLANS if k not in company.kinds] or list(PLANS)
        kind = rng.choice(kinds)
        company.kinds.append(kind)
        title_words, plan, documents, amounts = PLANS[kind]
        fast = rng.random() < 0.3
        self.serial += 1
        reference = f"NB-{opened.year}-{self.serial:05d}"
        bank = rng.choice(BANKS)
        steps: dict[str, _Step] = {}
        for key, short, normal, quick, depends, step_title in plan:
            short = bank if short == "bank" else short
            factor, sigma = self.speed[(short, "", fast)]
            # Each kind of step has its own middle duration at each department.
            middle = (quick if fast else normal) * factor
            hours = middle * math.exp(rng.gauss(0.0, sigma))
            pause = None
            if rng.random() < 0.15:
                pause = (hours * rng.uniform(0.2, 0.8), rng.uniform(1.0, 12.0))
            limit = quick if fast else normal * 1.5
            steps[key] = _Step(
                key, self.departments[short][0], short, step_title, depends, limit, hours, pause
            )
        for step in steps.values():  # plans are listed in dependency order
            ready = max((steps[d].finish for d in step.depends), default=opened)
            assert ready is not None
            delay = rng.uniform(0.0, 0.3)  # the officer passes it on
            step.requested = self.calendar.add_working_hours(ready, delay)
            total = step.hours + (step.pause[1] if step.pause else 0.0)
            step.finish = self.calendar.add_working_hours(step.requested, total)
        last = max(s.finish for s in steps.values() if s.finish is not None)
        closed = last < AS_OF
        closed_at = self.calendar.add_working_hours(last, rng.uniform(0.5, 4.0)) if closed else None
        if closed_at is not None and closed_at >= AS_OF:
            closed, closed_at = False, None
        amount = rng.choice(amounts) * 10_000 * 100
        case = Case(
            reference=reference,
            title=f"{company.short}{title_words}",
            company_id=company.id,
            kind=kind,
            fast_track=fast,
            status=CaseStatus.CLOSED if closed else CaseStatus.OPEN,
            owner="",
            opened_at=opened,
            target_at=None,
            closed_at=closed_at,
            close_reason="",
            normal_duration_hours=None,
            amount_minor=amount,
            currency="CNY",
            notes="",
            created_at=opened,
            updated_at=closed_at or opened,
        )
        self.session.add(case)
        self.session.flush()
        ids: dict[str, int] = {}
        for position, step in enumerate(steps.values()):
            ids[step.key] = self.step(case.id, fast, step, position, kind)
        for step in steps.values():
            for dep in step.depends:
                self.session.add(ActionDependency(action_id=ids[step.key], depends_on_id=ids[dep]))
        for position, title in enumerate(documents):
            self.session.add(
                Document(
                    case_id=case.id,
                    title=title,
                    required=True,
                    state=DocumentState.RECEIVED,
                    position=position,
                    created_at=opened,
                    updated_at=opened,
                )
            )
        self.messages(
            case.id,
            reference,
            company,
            opened,
            closed_at or AS_OF,
            steps,
            documents,
            amount,
            title_words,
            companies,
        )

    def step(self, case_id: int, fast: bool, step: _Step, position: int, kind: str) -> int:
        assert step.requested is not None
        assert step.finish is not None
        requested: datetime | None = step.requested if step.requested <= AS_OF else None
        done = step.finish < AS_OF
        pause_span: tuple[datetime, datetime] | None = None
        if step.pause is not None:
            start = self.calendar.add_working_hours(step.requested, step.pause[0])
            pause_span = (start, self.calendar.add_working_hours(start, step.pause[1]))
        paused_now = not done and pause_span is not None and pause_span[0] <= AS_OF < pause_span[1]
        if done:
            status = ActionStatus.DONE
        elif paused_now:
            status = ActionStatus.WAITING_COMPANY
        elif requested is not None:
            status = ActionStatus.IN_PROGRESS
        else:
            status = ActionStatus.TODO
        due = (
            self.calendar.add_working_hours(step.requested, step.limit_hours)
            if requested is not None
            else None
        )
        action = Action(
            case_id=case_id,
            department_id=step.department,
            contact_id=None,
            title=step.title,
            status=status,
            requested_at=requested,
            due_at=due,
            done_at=step.finish if done else None,
            blocked_reason="",
            statutory_limit_hours=step.limit_hours,
            promised_limit_hours=step.limit_hours if fast else None,
            normal_duration_hours=None,
            notes="",
            position=position,
            template_key=f"{kind}.{step.key}",
            created_at=step.requested if requested else AS_OF,
            updated_at=min(step.finish, AS_OF),
        )
        self.session.add(action)
        self.session.flush()
        if pause_span is not None and pause_span[0] <= AS_OF:
            ended = pause_span[1] if pause_span[1] <= AS_OF else None
            self.session.add(
                ActionPause(
                    action_id=action.id, started_at=pause_span[0], ended_at=ended, reason="补材料"
                )
            )
        if not done:
            self.office.finishes[action.id] = TrueStep(
                action.id, case_id, fast, step.requested, step.finish
            )
            if paused_now:
                self.office.paused_now.add(action.id)
        return action.id

    # -- messages -----------------------------------------------------------------------

    def messages(
        self,
        case_id: int,
        reference: str,
        company: _Company,
        opened: datetime,
        until: datetime,
        steps: dict[str, _Step],
        documents: tuple[str, ...],
        amount_minor: int,
        kind_title: str,
        companies: list[_Company],
    ) -> None:
        rng = self.rng
        stranger = _mobile(rng)  # someone at the company nobody entered as a contact
        hours = max(1.0, self.calendar.working_seconds(opened, until) / 3600)
        count = max(2, int(rng.uniform(0.5, 1.2) * (4 + len(steps) * 2 + hours / 12)))
        for _ in range(count):
            at = self.calendar.add_working_hours(opened, rng.uniform(0.0, hours))
            if at >= AS_OF:
                continue
            active = [
                s
                for s in steps.values()
                if s.requested and s.finish and s.requested <= at < s.finish
            ]
            step = rng.choice(active) if active else rng.choice(list(steps.values()))
            roll = rng.random()
            contact_id: int | None
            if roll < 0.55:
                contact_id, number = rng.choice(company.contacts)
            elif roll < 0.85:
                contact_id, number = rng.choice(self.departments[step.short][1])
            else:
                contact_id, number = None, stranger[1]
            # The company's own people often leave their name out (the officer knows
            # them); a department's people and callers nobody entered mostly say which
            # company they call about.
            mention = 0.45 if roll < 0.55 else 0.95
            text = self.text(
                reference,
                company,
                step,
                documents,
                amount_minor,
                kind_title,
                companies,
                mention,
                roll < 0.55,
            )
            channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
            if contact_id is None:
                channel = Channel.PHONE
            filed_to: int | None = case_id
            if at >= CUTOFF:
                filed_to = None
            elif rng.random() < 0.02:
                self.office.misfiled += 1
                filed_to = None  # decided below: another case of the office
            comm = Communication(
                at=at,
                duration_seconds=rng.randrange(20, 600) if channel is Channel.PHONE else 0,
                direction=Direction.INBOUND if rng.random() < 0.6 else Direction.OUTBOUND,
                channel=channel,
                contact_id=contact_id,
                raw_number=number if contact_id is None else "",
                number_e164=number,
                case_id=filed_to,
                notes=text,
                created_at=at,
            )
            self.session.add(comm)
            self.session.flush()
            if at >= CUTOFF:
                self.office.truth[comm.id] = case_id
            elif filed_to is None:
                other = rng.randrange(1, case_id + 1)  # some case opened by then
                comm.case_id = other
            else:
                self.office.filed += 1

    def text(
        self,
        reference: str,
        company: _Company,
        step: _Step,
        documents: tuple[str, ...],
        amount_minor: int,
        kind_title: str,
        companies: list[_Company],
        mention: float,
        from_company: bool,
    ) -> str:
        rng = self.rng
        if rng.random() < (0.08 if from_company else 0.02):
            # A bare "OK" is a reply in the company's own chat; a department or a
            # stranger says what they call about.
            return rng.choice(("", "好的", "收到", "未接通"))
        parts: list[str] = []
        if rng.random() < mention:
            parts.append(company.short)
        if rng.random() < 0.08:
            parts.append(reference if rng.random() < 0.5 else reference[-5:])
        if rng.random() < 0.4:
            parts.append(rng.choice(documents))
        if rng.random() < 0.4:
            parts.append(step.short if rng.random() < 0.6 else step.title)
        if rng.random() < 0.08:
            parts.append(f"{amount_minor // 100 // 10_000}万")
        if rng.random() < 0.2:
            parts.append(kind_title[-2:])
        if rng.random() < 0.05:
            parts.append("参照" + rng.choice(companies).short)  # another company, in passing
        parts.append(rng.choice(FILLERS))
        rng.shuffle(parts)
        return "，".join(parts)


def build_office(store: Store, seed: int = 1, cases: int = 1500) -> Office:
    """Fill an empty store with the office (see the module's text); its truth."""
    return _Builder(store, seed, cases).run()
