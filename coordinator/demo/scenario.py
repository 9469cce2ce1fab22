"""The demo scenario: a few weeks in the life of one liaison officer, ending today.

:func:`build_demo` fills an empty store with the situations of the article the product
comes from (see ``shared/seed/README.md``): a project that lands in half a day under the
fast-track procedure, a cross-district filing done in half an hour, a capital increase by
overseas bonds due by the end of January, a talent match, plus ordinary cases of the
same office. The people, companies, phone numbers and notes are all invented.

Every date is relative to ``now``, so that the "Today" screen has something in each of
its lists whenever the demo is built: actions overdue and due today, follow-ups due,
unfiled calls, documents waiting at departments.

Everything goes through the services. The scenario is a list of timed steps executed in
time order under a simulated clock (the store's clock is swapped for the duration of the
build), so that every Event, ``created_at`` and reference number reads as if the officer
had typed it at that moment; runs of communications are logged inside one unit of work
each, which keeps the build well under a few seconds. The random choices come from a
fixed seed: the same ``now`` always gives the same data.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

from sqlalchemy import ColumnElement, func, select

from coordinator.calendar.working_time import WorkingCalendar
from coordinator.errors import ConflictError, ValidationError
from coordinator.i18n import N_
from coordinator.kinds import (
    ActionStatus,
    CaseStatus,
    Channel,
    Direction,
    DocumentState,
    Indicator,
    OrganisationKind,
)
from coordinator.names import name_keys
from coordinator.queries import cases as case_queries
from coordinator.queries import templates as template_queries
from coordinator.services import (
    actions,
    cases,
    communications,
    contacts,
    documents,
    indicators,
    organisations,
    templates,
)
from coordinator.services._common import KEEP
from coordinator.store.models import (
    Action,
    Base,
    Case,
    Communication,
    Contact,
    Document,
    Organisation,
    Template,
)
from coordinator.store.storage import Store, Work

SEED = 20260125
OFFICER = "陈思远"
TEMPLATE_KEYS = ("company_landing", "cross_district_filing", "capital_increase", "talent_match")

A = ActionStatus
D = DocumentState
IN = Direction.INBOUND
OUT = Direction.OUTBOUND

# -- organisations -----------------------------------------------------------------------

OFFICE = "骆驼街道经济发展服务办公室"
PARK = "园区管委会"  # the names the shipped templates use, so cases find these rows
MARKET = "区市场监督管理局"
SEAL = "公安分局印章管理中心"
TAX = "区税务局"
HR = "区人力资源和社会保障局"
NDRC = "区发展和改革局"
COMMERCE = "区商务局"
NEIGHBOUR = "邻区行政审批局"
TALENT_OFFICE = "区人才工作办公室"
LAND = "区自然资源和规划分局"
TRADE = "区公共资源交易中心"
BANK_LOCAL = "甬江银行骆驼支行"
BANK_FOREX = "东港银行镇海支行"
FUND = "甬江产业投资基金"

AOI_CO = "宁波澄明光电科技有限公司"
FILING_CO = "甬港精密电子（宁波）有限公司"
BOND_CO = "宁波恒屹新材料有限公司"
BATTERY_CO = "宁波甬能动力电池有限公司"
EQUIPMENT_CO = "宁波澜拓智能装备有限公司"
MOULD_CO = "苏州岚峰精密模具有限公司"
DIGITAL_CO = "杭州云岫数字科技有限公司"
OCEAN_CO = "宁波海汐海洋科技有限公司"
LOGISTICS_CO = "宁波迅舟供应链管理有限公司"
HARDWARE_CO = "宁波永骏五金制品有限公司"

K = OrganisationKind
ORGANISATIONS: tuple[tuple[str, OrganisationKind, str], ...] = (
    (OFFICE, K.OTHER, "本办：项目全程代办与部门协调。"),
    (PARK, K.PARK, "骆驼街道工业园区：入驻审核、厂房与注册地址确认。"),
    (MARKET, K.DEPARTMENT, "登记注册科、外资登记窗口。"),
    (SEAL, K.DEPARTMENT, "公章、财务章刻制与备案。"),
    (TAX, K.DEPARTMENT, "纳税服务科：税务登记、发票申领。"),
    (HR, K.DEPARTMENT, "社会保险登记、人才认定与政策兑现。"),
    (NDRC, K.DEPARTMENT, "外资与利用外债科：企业借用外债审核登记。"),
    (COMMERCE, K.DEPARTMENT, "外资科：外商投资信息报告、项目情况说明。"),
    (NEIGHBOUR, K.DISTRICT, "相邻行政区的投资项目审批与备案窗口。"),
    (TALENT_OFFICE, K.DEPARTMENT, "首席人才官制度、关键人才对接。"),
    (LAND, K.DEPARTMENT, "用地规划条件核定、土地估价备案。"),
    (TRADE, K.DEPARTMENT, "土地使用权挂牌出让。"),
    (BANK_LOCAL, K.BANK, "对公开户绿色通道。"),
    (BANK_FOREX, K.BANK, "国际业务部：外债签约登记、资金入账。"),
    (FUND, K.FUND, "产业基金，关注可跟投项目。"),
    (AOI_CO, K.COMPANY, "柔性线路板 AOI 自动光学检测设备；接海外大额订单后急需扩产。"),
    (FILING_CO, K.COMPANY, "外商投资企业，精密电子元件。"),
    (BOND_CO, K.COMPANY, "外商投资企业，高分子新材料；拟境外发债募资增资。"),
    (BATTERY_CO, K.COMPANY, "动力及储能电池。"),
    (EQUIPMENT_CO, K.COMPANY, "智能装备生产基地项目（市外内资）。"),
    (MOULD_CO, K.COMPANY, "精密模具项目（省外内资）。"),
    (DIGITAL_CO, K.COMPANY, "区域总部项目（市外内资）。"),
    (OCEAN_CO, K.COMPANY, "外商投资企业，海洋工程装备。"),
    (LOGISTICS_CO, K.COMPANY, "跨境电商仓储项目（已终止）。"),
    (HARDWARE_CO, K.COMPANY, "原土地使用权人，低效工业用地收回。"),
)

# -- contacts: (name, organisation, role, topic, phones, handles) -------------------------
# phones: "m" a mobile, "l" a Ningbo landline, "x" a landline with an extension (转);
# handles: "w" WeChat, "d" DingTalk. The topic picks the notes of random traffic.

CONTACTS: tuple[tuple[str, str | None, str, str, str, str], ...] = (
    ("林晓雯", OFFICE, "招商专员", "colleague", "m", "wd"),
    ("赵启航", OFFICE, "办公室主任", "colleague", "m+x", "wd"),
    ("何佳宁", OFFICE, "综合科员", "colleague", "m", "wd"),
    ("吴建斌", PARK, "招商服务科科长", "park", "m+x", "wd"),
    ("孙雨桐", PARK, "企业服务专员", "park", "m", "w"),
    ("施佳怡", PARK, "厂房租赁与物业", "park", "l+m", "w"),
    ("郑丽华", MARKET, "登记注册科科长", "market", "x+m", "d"),
    ("钱梓轩", MARKET, "登记窗口", "market", "x", ""),
    ("冯晨曦", MARKET, "外资登记专员", "market", "m", "wd"),
    ("韩立新", SEAL, "印章刻制窗口", "seal", "l", ""),
    ("柯雨萱", SEAL, "备案专员", "seal", "x", "d"),
    ("曹文静", TAX, "纳税服务科副科长", "tax", "x+m", "d"),
    ("彭志强", TAX, "办税服务厅", "tax", "l", ""),
    ("许婉清", HR, "社保登记窗口", "hr", "l", "d"),
    ("蒋浩然", HR, "人才服务科", "hr", "m", "wd"),
    ("魏承泽", NDRC, "外资与利用外债科科长", "ndrc", "x+m", "d"),
    ("贺嘉伟", NDRC, "外资与利用外债科", "ndrc", "m", "d"),
    ("沈亦舟", COMMERCE, "外资科科长", "commerce", "m+x", "wd"),
    ("杜若琳", COMMERCE, "外资科", "commerce", "m", "d"),
    ("邱鸣远", NEIGHBOUR, "投资项目科科长", "neighbour", "m+l", "d"),
    ("莫晨阳", NEIGHBOUR, "审批窗口", "neighbour", "l", ""),
    ("唐思琪", TALENT_OFFICE, "副主任", "talent_office", "m", "wd"),
    ("范国栋", LAND, "土地利用科", "land", "m+x", "d"),
    ("蔡明辉", TRADE, "土地交易部", "trade", "x", "d"),
    ("叶嘉怡", BANK_LOCAL, "对公客户经理", "bank", "m", "w"),
    ("董一鸣", BANK_LOCAL, "运营主管", "bank", "x", "w"),
    ("俞晓峰", BANK_FOREX, "国际业务部经理", "forex", "m+x", "w"),
    ("潘雅琴", BANK_FOREX, "客户经理", "forex", "m", "w"),
    ("卢景行", FUND, "投资总监", "fund", "m", "w"),
    ("黄振宇", AOI_CO, "总经理", "company", "m+m", "w"),
    ("罗欣然", AOI_CO, "行政主管", "company", "m", "w"),
    ("梁志远", AOI_CO, "财务总监", "company", "m", "w"),
    ("高文博", FILING_CO, "中方总经理", "company", "m", "w"),
    ("谢雨晴", FILING_CO, "项目经理", "company", "m", "w"),
    ("石俊杰", BOND_CO, "财务总监", "company", "m+x", "w"),
    ("江雪莹", BOND_CO, "董事会秘书", "company", "m", "w"),
    ("孟凡宇", BOND_CO, "法务经理", "company", "m", "wd"),
    ("袁振华", BATTERY_CO, "董事长", "company", "m", "w"),
    ("宋晓琳", BATTERY_CO, "人力资源总监", "company", "m", "w"),
    ("周博文", None, "拟引进人才（某日资汽车企业前研究员）", "talent_person", "m", "w"),
    ("邵宏亮", EQUIPMENT_CO, "总经理", "company", "m", "w"),
    ("姚倩", EQUIPMENT_CO, "报建专员", "company", "m", "w"),
    ("顾明轩", MOULD_CO, "项目负责人", "company", "m", "w"),
    ("陆佳琪", DIGITAL_CO, "行政总监", "company", "m", "w"),
    ("薛峻", OCEAN_CO, "财务经理", "company", "m+x", "w"),
    ("方一帆", LOGISTICS_CO, "总经理", "company", "m", "w"),
    ("戴国平", HARDWARE_CO, "法定代表人", "company", "m", ""),
)

# -- notes of the everyday traffic: (direction or None for either, text) -------------------
# Looked up as "topic:kind of case" first, then "topic" (see _Scenario._notes).

Note = tuple[Direction | None, str]

NOTES: dict[str, tuple[Note, ...]] = {
    "company:landing": (
        (IN, "询问营业执照进度，已答复下午出照"),
        (IN, "企业询问公章刻好后是否需要本人去取，已答复可代领"),
        (IN, "企业发来租赁协议盖章页照片，已核对无误"),
        (IN, "企业询问税控设备和发票领用流程，已说明"),
        (IN, "企业问社保开户后员工参保怎么操作，已发操作指引"),
        (IN, "企业询问厂房水电增容办理，已转园区"),
        (OUT, "提醒企业明早带公章原件和法定代表人身份证到银行"),
        (OUT, "发送开户所需材料清单"),
        (OUT, "通知企业章程按市场监管局意见修改后重新签字"),
        (OUT, "告知企业营业执照已出，电子执照可在手机端下载"),
        (OUT, "与企业确认财务负责人和办税人员名单"),
        (None, "与企业核对注册资本和经营范围表述"),
    ),
    "company:bond": (
        (IN, "企业财务询问外债登记所需材料清单，已发送"),
        (IN, "企业反馈境外簿记建档已完成，票面利率待定"),
        (IN, "企业询问增资后外商投资信息变更报告怎么填"),
        (IN, "企业称募集说明书中文译本本周内可提供"),
        (IN, "企业询问资金入账后结汇用途限制"),
        (OUT, "催企业尽快提交募集说明书中文译本和审计报告"),
        (OUT, "提醒企业董事会增资决议需全体董事签字"),
        (OUT, "与企业确认资金入账的时间倒排表"),
        (OUT, "告知企业变更登记材料已转交市场监管局窗口"),
        (None, "与企业法务讨论外债币种和期限安排"),
    ),
    "company:filing": (
        (IN, "企业询问备案通知书原件何时可取"),
        (IN, "企业反馈外方股东对办理速度很满意"),
        (OUT, "将备案通知书电子版发给企业"),
        (OUT, "提醒企业投资方主体资格证明需公证认证"),
        (None, "与企业核对项目总投资和外方出资比例"),
    ),
    "company:talent": (
        (IN, "企业人事询问人才认定申报材料"),
        (IN, "企业询问人才公寓和子女入学政策"),
        (IN, "企业反馈候选人薪酬期望，需再沟通"),
        (OUT, "与企业确认面谈时间和参会人员"),
        (OUT, "提醒企业劳动合同签订后扫描一份发我"),
        (None, "讨论关键岗位：固态电池电芯研发负责人"),
    ),
    "company:land": (
        (IN, "原土地使用权人询问收回补偿款支付节点"),
        (IN, "询问厂房设备搬迁期限，已答复以收回协议为准"),
        (OUT, "通知原使用权人签署土地收回协议"),
        (OUT, "请原使用权人提供地块历史环评资料"),
        (None, "与原使用权人核对地上建筑物清单"),
    ),
    "company:general": (
        (IN, "企业询问项目进度"),
        (IN, "企业询问园区人才公寓申请条件"),
        (OUT, "回访企业，了解投产后用工需求"),
        (OUT, "通知企业参加下周政策宣讲会"),
        (None, "与企业沟通项目投资进度和到位资金"),
    ),
    "talent_person": (
        (IN, "询问落户手续和配偶随迁，已发办事指南"),
        (IN, "反馈已与原单位办理离职，下月可入职"),
        (OUT, "确认到甬能公司面谈的时间"),
        (OUT, "发送人才认定政策和安家补贴说明"),
    ),
    "park": (
        (OUT, "联系园区确认厂房面积和注册地址"),
        (IN, "园区反馈空置厂房约3200平方米，可即租即用"),
        (IN, "园区询问企业入驻协议签订时间"),
        (OUT, "请园区出具住所使用证明"),
        (IN, "园区通知本周五召开入驻企业座谈会"),
        (OUT, "与园区核对企业用电增容需求"),
    ),
    "market:landing": (
        (OUT, "发送企业登记材料请市场监管局预审"),
        (IN, "市场监管局反馈章程第七条需修改，已转告企业"),
        (IN, "登记窗口：材料齐全，预计一小时内出照"),
        (OUT, "催办营业执照，窗口答复正在审核"),
        (IN, "窗口提醒股东会决议需全体股东签字"),
    ),
    "market:bond": (
        (IN, "外资登记专员告知变更登记需附商务信息报告回执"),
        (OUT, "询问注册资本变更登记进度"),
        (OUT, "催办外资变更登记，窗口答复正在审核"),
    ),
    "market": ((OUT, "询问登记窗口今日办件排队情况"),),
    "seal": (
        (OUT, "联系印章中心加急刻制公章和财务章"),
        (IN, "印章中心：印章已刻好，可凭执照复印件领取"),
        (OUT, "询问印章备案进度"),
    ),
    "tax": (
        (OUT, "联系税务局预约税务登记和发票申领"),
        (IN, "税务局确认今日可完成税务登记"),
        (IN, "税务局提醒企业办税人员需先完成实名认证"),
        (OUT, "询问税控设备发放时间"),
    ),
    "hr:talent": (
        (IN, "人才服务科询问人才认定申报材料是否齐全"),
        (OUT, "询问人才认定评审会时间"),
        (OUT, "咨询安家补贴申领条件"),
    ),
    "hr": (
        (OUT, "联系人社局办理社保登记开户"),
        (IN, "人社局反馈社保开户已完成"),
    ),
    "ndrc": (
        (OUT, "与发改局外资科沟通外债审核登记材料"),
        (IN, "发改局反馈募集说明书需补充中文译本"),
        (IN, "发改局询问外债资金用途说明"),
        (OUT, "催办外债审核登记，对方答复材料补齐后三个工作日内办结"),
    ),
    "commerce:filing": (
        (OUT, "请区商务局出具项目情况说明"),
        (IN, "区商务局已与邻区审批局通话，可即时受理"),
    ),
    "commerce": (
        (IN, "区商务局确认外商投资信息报告已提交"),
        (IN, "商务局询问项目合同外资金额和到位计划"),
        (OUT, "向商务局报送本月外资到位数据"),
    ),
    "neighbour": (
        (OUT, "与邻区行政审批局沟通外资项目备案"),
        (IN, "邻区审批局同意即时受理，材料电子版先发"),
        (IN, "邻区审批局告知备案通知书已出"),
    ),
    "forex": (
        (IN, "银行要求补充外债合同中英文对照本"),
        (OUT, "与银行确认外债签约登记预审进度"),
        (IN, "银行答复资金入账前需完成外债签约登记"),
        (IN, "银行询问企业境外债券托管行信息"),
    ),
    "bank": (
        (IN, "银行要求补充法人身份证复印件"),
        (OUT, "预约银行对公开户，约定上门核实时间"),
        (IN, "银行反馈基本户已开立，账号已发企业"),
        (IN, "银行询问企业预留印鉴卡何时送达"),
        (OUT, "请银行开通开户绿色通道"),
    ),
    "talent_office": (
        (OUT, "与区人才办沟通首席人才官对接需求"),
        (IN, "人才办推荐两位候选人简历"),
        (IN, "人才办询问面谈安排"),
        (OUT, "报送企业关键人才需求表"),
    ),
    "land": (
        (OUT, "与资规分局确认地块规划条件"),
        (IN, "资规分局反馈土地估价报告已备案"),
        (IN, "资规分局询问地块现状测绘报告原件"),
    ),
    "trade": (
        (OUT, "与交易中心确认挂牌公告发布时间"),
        (IN, "交易中心反馈挂牌文件需补充规划条件附图"),
        (IN, "交易中心询问意向竞买企业数量"),
    ),
    "fund": (
        (IN, "产业基金询问项目融资需求"),
        (OUT, "向产业基金推荐项目，约下周面谈"),
    ),
    "colleague": (
        (IN, "同事来电：下午有企业来考察，请一起接待"),
        (OUT, "汇报本案办理进度"),
        (None, "与同事沟通本案下一步分工"),
        (OUT, "请同事帮忙把材料原件送到窗口"),
    ),
}

UNFILED_RAW: tuple[str, ...] = (
    "陌生号码来电咨询落户政策，已留联系方式，待确认是哪家企业",
    "自称某投资公司，询问低效工业用地挂牌时间，需核实身份",
    "来电询问厂房出租信息，已转告园区",
    "未接来电，回拨无人接听",
    "快递员来电：寄来的回执原件已到传达室",
    "外地企业来电了解高新技术企业认定政策",
    "来电询问营业执照代办收费，已说明全程代办不收费",
)
UNFILED_KNOWN: tuple[tuple[str, str], ...] = (
    ("林晓雯", "转来一家新能源企业的考察意向，暂未立项"),
    ("孙雨桐", "园区询问下周招商推介会企业名单"),
    ("沈亦舟", "通知本月外资统计报表周五前报送"),
    ("赵启航", "通知明天上午开全年招商指标调度会"),
    ("卢景行", "产业基金询问有无适合跟投的项目"),
    ("何佳宁", "提醒本周廉政学习材料已发群里"),
)

MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139",
    "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "180", "181", "182", "183", "185", "186", "187", "188", "189",
)  # fmt: skip


@dataclass(frozen=True)
class DemoSummary:
    """What the demo wrote (counted from the store once it is built)."""

    organisations: int
    contacts: int
    cases: int
    open_cases: int
    actions: int
    documents: int
    communications: int
    unfiled_communications: int
    open_follow_ups: int

    def __str__(self) -> str:
        return (
            f"cases={self.cases} (open {self.open_cases}), contacts={self.contacts}, "
            f"organisations={self.organisations}, communications={self.communications} "
            f"(unfiled {self.unfiled_communications}, open follow-ups {self.open_follow_ups}), "
            f"actions={self.actions}, documents={self.documents}"
        )


@dataclass(frozen=True)
class _Comm:
    """One communication to log (resolved to ids when it runs)."""

    contact: str | None
    raw: str
    case: str | None
    channel: Channel
    direction: Direction
    duration: int
    notes: str
    follow_up_due: datetime | None
    key: str | None


@dataclass(frozen=True)
class _Step:
    at: datetime
    rank: int  # state changes before communications logged at the same second
    seq: int
    run: Callable[[], object] | None = None
    comm: _Comm | None = None


@dataclass(frozen=True)
class _CaseSpec:
    title: str
    company: str | None
    template_key: str | None = None
    kind: str = ""
    fast_track: bool = False
    amount: Decimal | None = None
    currency: str = "CNY"
    target_at: datetime | None = None
    tags: tuple[str, ...] = ()
    notes: str = ""


@dataclass
class _CasePlan:
    """What the random traffic needs to know about a case."""

    key: str
    kind: str  # which notes its people's calls carry (see NOTES)
    opened: datetime
    until: datetime  # talked about until then (a little after closing)
    parties: tuple[str, ...]  # organisations whose people talk about it
    weight: float
    focus: frozenset[date]  # days on which it fills the officer's phone


def build_demo(store: Store, now: datetime | None = None) -> DemoSummary:
    """Fill an empty store with the demo scenario, every date relative to ``now``.

    Raises :class:`ConflictError` if the store already holds cases, contacts or
    communications, and :class:`ValidationError` if one of the shipped case templates
    was deleted; nothing of the scenario is written then (the shipped templates are
    installed first if they never were, as the app itself does).
    """
    moment = (now or store.clock()).replace(microsecond=0)
    with store.read() as session:
        used = any(
            session.scalar(select(func.count()).select_from(model))
            for model in (Case, Contact, Communication)
        )
    if used:
        raise ConflictError(
            N_(
                "The demo can only fill an empty store: this one already holds cases, "
                "contacts or communications."
            )
        )
    scenario = _Scenario(store, moment)
    scenario.install_templates()
    with store.read() as session:
        present = set(session.scalars(select(Template.key)))
    missing = [key for key in TEMPLATE_KEYS if key not in present]
    if missing:  # the officer deleted a shipped template: nothing else is written
        raise ValidationError(N_("There is no case template “{key}”."), key=missing[0])
    scenario.run()
    _count_indicators(store, moment)
    return _summary(store)


# The tags the scenario's cases carry, and the yearly indicator each one feeds.
_INDICATOR_TAGS: dict[str, Indicator] = {
    "市外内资": Indicator.DOMESTIC_OUTSIDE_CITY,
    "省外内资": Indicator.OUTSIDE_PROVINCE,
    "合同外资": Indicator.FOREIGN_CONTRACTED,
    "实际利用外资": Indicator.FOREIGN_USED,
}
# Annual targets for the demo year, set so the indicators report has something to say.
_DEMO_TARGETS: dict[Indicator, str] = {
    Indicator.DOMESTIC_OUTSIDE_CITY: "360000000",
    Indicator.OUTSIDE_PROVINCE: "250000000",
    Indicator.FOREIGN_CONTRACTED: "50000000",
    Indicator.FOREIGN_USED: "20000000",
}


def _count_indicators(store: Store, moment: datetime) -> None:
    """Count each case's amount towards the indicators its tags name.

    Contracted amounts count when the case opens, the others when it is done (money
    actually in); cancelled cases count for nothing. The events are dated ``moment``, the
    demo's "now", like the rest of the scenario.
    """
    real_clock = store.clock
    store.clock = lambda: moment
    try:
        _add_indicator_amounts(store, moment)
    finally:
        store.clock = real_clock


def _add_indicator_amounts(store: Store, moment: datetime) -> None:
    for case in case_queries.list_cases(store):
        if case.status == CaseStatus.CANCELLED or case.amount is None:
            continue
        for tag in case.tags:
            which = _INDICATOR_TAGS.get(tag)
            if which is None or case.currency != indicators.CURRENCY[which]:
                continue
            when = case.opened_at if which == Indicator.FOREIGN_CONTRACTED else case.closed_at
            if when is None:
                continue
            indicators.add_amount(store, case.id, which, case.amount, counted_on=when.date())
    for which, target in _DEMO_TARGETS.items():
        indicators.set_target(store, moment.year, which, target)


def _summary(store: Store) -> DemoSummary:
    def count(model: type[Base], *where: ColumnElement[bool]) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    with store.read() as session:
        return DemoSummary(
            organisations=count(Organisation),
            contacts=count(Contact),
            cases=count(Case),
            open_cases=count(Case, Case.status == CaseStatus.OPEN),
            actions=count(Action),
            documents=count(Document),
            communications=count(Communication),
            unfiled_communications=count(Communication, Communication.case_id.is_(None)),
            open_follow_ups=count(
                Communication,
                Communication.follow_up_due.is_not(None),
                Communication.follow_up_done_at.is_(None),
            ),
        )


class _Scenario:
    def __init__(self, store: Store, now: datetime) -> None:
        self.store = store
        self.now = now
        self.today = now.date()
        self.cal: WorkingCalendar = store.calendar()
        self.rng = random.Random(SEED)
        self.steps: list[_Step] = []
        self.plans: list[_CasePlan] = []
        self._clock_at = now
        self._workdays = self._past_workdays(120)
        self.setup_at = self.t(90, "08:30")  # the address book is older than every case
        self._numbers: set[str] = set()
        self._handles: set[tuple[Channel, str]] = set()
        # registries filled while the steps run
        self.org_ids: dict[str, int] = {}
        self.contact_ids: dict[str, int] = {}
        self.contact_phone: dict[str, str] = {}
        self.contact_topic = {name: topic for name, _, _, topic, _, _ in CONTACTS}
        self.contact_handles = {name: handles for name, _, _, _, _, handles in CONTACTS}
        self.case_ids: dict[str, int] = {}
        self.action_ids: dict[tuple[str, str], int] = {}
        self.document_ids: dict[tuple[str, str], int] = {}
        self.comm_ids: dict[str, int] = {}

    # -- time --------------------------------------------------------------------------

    def _past_workdays(self, count: int) -> list[date]:
        days: list[date] = []
        day = self.today
        while len(days) < count:
            day -= timedelta(days=1)
            if self.cal.is_workday(day):
                days.append(day)
        return days

    def day(self, k: int) -> date:
        """Today for 0, else the k-th working day before today."""
        return self.today if k == 0 else self._workdays[k - 1]

    def t(self, k: int, hhmm: str) -> datetime:
        hour, minute = hhmm.split(":")
        return datetime.combine(self.day(k), time(int(hour), int(minute)))

    def later_today(self) -> datetime:
        """A moment still to come today (17:00 if the afternoon is not over)."""
        five = datetime.combine(self.today, time(17, 0))
        if self.now < five:
            return five
        midnight = datetime.combine(self.today + timedelta(days=1), time.min)
        return (self.now + (midnight - self.now) / 2).replace(microsecond=0)

    @contextmanager
    def _simulated_clock(self) -> Iterator[None]:
        original = self.store.clock
        self.store.clock = self._clock
        try:
            yield
        finally:
            self.store.clock = original

    def _clock(self) -> datetime:
        return self._clock_at

    # -- scheduling --------------------------------------------------------------------

    def do(self, at: datetime, run: Callable[[], object]) -> None:
        if at > self.now:
            raise AssertionError(f"demo step in the future: {at} > {self.now}")
        self.steps.append(_Step(at, 0, len(self.steps), run=run))

    def say(
        self,
        at: datetime,
        who: str | None,
        notes: str,
        *,
        case: str | None = None,
        channel: Channel = Channel.PHONE,
        direction: Direction = IN,
        duration: int | None = None,
        raw: str = "",
        follow_up: datetime | None = None,
        key: str | None = None,
    ) -> None:
        if at > self.now:
            raise AssertionError(f"demo call in the future: {at} > {self.now}")
        if duration is None:
            duration = self._duration(channel)
        self.steps.append(
            _Step(
                at,
                1,
                len(self.steps),
                comm=_Comm(who, raw, case, channel, direction, duration, notes, follow_up, key),
            )
        )

    def _duration(self, channel: Channel) -> int:
        if channel == Channel.PHONE:
            return self.rng.randint(25, 420)
        if channel == Channel.IN_PERSON:
            return self.rng.randint(10, 40) * 60
        if channel == Channel.MEETING:
            return self.rng.randint(30, 90) * 60
        return 0

    # -- running -----------------------------------------------------------------------

    def install_templates(self) -> None:
        """The shipped case templates (if not installed yet), at the start of the story."""
        self._clock_at = self.setup_at
        with self._simulated_clock():
            templates.install_builtin(self.store)

    def run(self) -> None:
        self._plan_directory()
        self._plan_aoi_landing()
        self._plan_cross_district_filing()
        self._plan_bond_capital_increase()
        self._plan_talent_match()
        self._plan_equipment_landing()
        self._plan_land_auction()
        self._plan_history()
        self._plan_loose_ends()
        self._plan_traffic()
        steps = sorted(self.steps, key=lambda s: (s.at, s.rank, s.seq))
        with self._simulated_clock():
            index = 0
            while index < len(steps):
                step = steps[index]
                self._clock_at = step.at
                if step.run is not None:
                    step.run()
                    index += 1
                    continue
                end = index
                while end < len(steps) and steps[end].comm is not None:
                    end += 1
                with self.store.work() as work:
                    for batched in steps[index:end]:
                        assert batched.comm is not None
                        work.now = batched.at  # logged as the call comes in
                        self._log(work, batched.at, batched.comm)
                index = end

    def _log(self, work: Work, at: datetime, comm: _Comm) -> None:
        contact_id = self.contact_ids[comm.contact] if comm.contact else None
        raw = comm.raw
        if not raw and comm.contact and comm.channel in (Channel.PHONE, Channel.SMS):
            raw = self.contact_phone[comm.contact]
        row = communications.log_in(
            work,
            at=at,
            channel=comm.channel,
            direction=comm.direction,
            contact_id=contact_id,
            raw_number=raw,
            case_id=self.case_ids[comm.case] if comm.case else None,
            duration_seconds=comm.duration,
            notes=comm.notes,
            follow_up_due=comm.follow_up_due,
        )
        if comm.key:
            self.comm_ids[comm.key] = row.id

    # -- the operations a step runs ----------------------------------------------------

    def _make_directory(self) -> None:
        with self.store.work() as work:
            for name, kind, notes in ORGANISATIONS:
                existing = work.session.scalar(
                    select(Organisation).where(Organisation.name == name)
                )
                org = existing or organisations.create_in(work, name, kind, notes)
                self.org_ids[name] = org.id
            for name, org_name, role, _topic, phone_spec, handle_spec in CONTACTS:
                phones = self._phones(phone_spec)
                handles = self._contact_handles(name, handle_spec)
                contact = contacts.create_in(
                    work,
                    name,
                    organisation_id=self.org_ids[org_name] if org_name else None,
                    role=role,
                    phones=phones,
                    handles=handles,
                )
                self.contact_ids[name] = contact.id
                self.contact_phone[name] = phones[0][0].split(" 转 ")[0]

    def _open(self, key: str, at: datetime, spec: _CaseSpec) -> None:
        with self.store.work() as work:
            case = cases.open_case_in(
                work,
                spec.title,
                company_id=self.org_ids[spec.company] if spec.company else None,
                template_key=spec.template_key,
                kind=spec.kind,
                fast_track=spec.fast_track,
                owner=OFFICER,
                opened_at=at,
                target_at=spec.target_at,
                amount=spec.amount,
                currency=spec.currency,
                tags=spec.tags,
                notes=spec.notes,
            )
            self.case_ids[key] = case.id
            for action_id, template_key in work.session.execute(
                select(Action.id, Action.template_key).where(Action.case_id == case.id)
            ):
                self.action_ids[(key, template_key)] = action_id
            for document_id, doc_title in work.session.execute(
                select(Document.id, Document.title).where(Document.case_id == case.id)
            ):
                self.document_ids[(key, doc_title)] = document_id

    def _add_action(
        self,
        case: str,
        key: str,
        department: str,
        title: str,
        promised_hours: float,
        normal_hours: float,
        depends_on: Sequence[str],
        contact: str | None,
    ) -> None:
        record = actions.add(
            self.store,
            self.case_ids[case],
            self.org_ids[department],
            title,
            contact_id=self.contact_ids[contact] if contact else None,
            promised_limit_hours=promised_hours,
            normal_duration_hours=normal_hours,
            depends_on=[self.action_ids[(case, dep)] for dep in depends_on],
        ).value
        self.action_ids[(case, key)] = record.id

    def _add_document(
        self, case: str, title: str, source: str | None, destination: str, original: bool
    ) -> None:
        record = documents.add(
            self.store,
            self.case_ids[case],
            title,
            source_id=self.org_ids[source] if source else None,
            destination_id=self.org_ids[destination],
            is_original=original,
            stamped=True,
        ).value
        self.document_ids[(case, title)] = record.id

    # -- scheduling helpers ------------------------------------------------------------

    def open_case(self, key: str, at: datetime, spec: _CaseSpec) -> None:
        self.do(at, partial(self._open, key, at, spec))

    def step(
        self, case: str, action: str, status: ActionStatus, at: datetime, why: str = ""
    ) -> None:
        self.do(
            at,
            lambda: actions.set_status(
                self.store, self.action_ids[(case, action)], status, at=at, reason=why
            ),
        )

    def held(self, case: str, action: str, start: datetime, done: datetime) -> None:
        """An action worked on from ``start`` and done at ``done``."""
        self.step(case, action, A.IN_PROGRESS, start)
        self.step(case, action, A.DONE, done)

    def assign(
        self,
        case: str,
        action: str,
        at: datetime,
        contact: str | None = None,
        department: str | None = None,
    ) -> None:
        def run() -> None:
            actions.update(
                self.store,
                self.action_ids[(case, action)],
                contact_id=self.contact_ids[contact] if contact else KEEP,
                department_id=self.org_ids[department] if department else None,
            )

        self.do(at, run)

    def doc(
        self,
        case: str,
        title: str,
        state: DocumentState,
        at: datetime,
        *,
        reason: str = "",
        missing_items: str = "",
        promised: datetime | None = None,
        destination: str | None = None,
    ) -> None:
        def run() -> None:
            documents.transition(
                self.store,
                self.document_ids[(case, title)],
                state,
                at=at,
                reason=reason,
                missing_items=missing_items,
                promised_completion_at=promised,
                destination_id=self.org_ids[destination] if destination else None,
            )

        self.do(at, run)

    def relay(
        self,
        case: str,
        title: str,
        received: datetime,
        forwarded: datetime | None = None,
        accepted: datetime | None = None,
        destination: str | None = None,
    ) -> None:
        """Received, then (optionally) forwarded, then (optionally) accepted."""
        self.doc(case, title, D.RECEIVED, received)
        if forwarded is not None:
            self.doc(case, title, D.FORWARDED, forwarded, destination=destination)
        if accepted is not None:
            self.doc(case, title, D.ACCEPTED, accepted)

    def close(
        self, case: str, at: datetime, reason: str = "", status: CaseStatus = CaseStatus.CLOSED
    ) -> None:
        self.do(
            at,
            lambda: cases.set_status(self.store, self.case_ids[case], status, at=at, reason=reason),
        )

    def file(self, at: datetime, keys: Sequence[str], case: str) -> None:
        self.do(
            at,
            lambda: communications.file_to_case(
                self.store, [self.comm_ids[k] for k in keys], self.case_ids[case]
            ),
        )

    def follow_up_done(self, key: str, at: datetime) -> None:
        self.do(
            at,
            lambda: communications.complete_follow_up(self.store, self.comm_ids[key], at=at),
        )

    def plan(
        self,
        key: str,
        kind: str,
        opened: datetime,
        closed: datetime | None,
        parties: Sequence[str],
        weight: float = 1.0,
        focus: Sequence[int] = (),
    ) -> None:
        until = self.now if closed is None else self.cal.add_working_days(closed, 2)
        self.plans.append(
            _CasePlan(
                key,
                kind,
                opened,
                min(until, self.now),
                tuple(parties),
                weight,
                frozenset(self.day(k) for k in focus),
            )
        )

    # -- random but plausible values ---------------------------------------------------

    def _digits(self, n: int) -> str:
        return "".join(str(self.rng.randrange(10)) for _ in range(n))

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + self._digits(8)
            if number not in self._numbers:
                self._numbers.add(number)
                return number

    def landline(self) -> str:
        while True:
            number = f"0574-8{self.rng.choice('3567')}{self._digits(6)}"
            if number not in self._numbers:
                self._numbers.add(number)
                return number

    def _phones(self, spec: str) -> list[tuple[str, str]]:
        phones: list[tuple[str, str]] = []
        for kind in spec.split("+"):
            if kind == "m":
                label = "手机" if not any(lbl == "手机" for _, lbl in phones) else "备用手机"
                phones.append((self.mobile(), label))
            elif kind == "l":
                phones.append((self.landline(), "办公室"))
            else:
                phones.append((f"{self.landline()} 转 8{self._digits(2)}", "办公室"))
        return phones

    def _contact_handles(self, name: str, spec: str) -> list[tuple[Channel, str]]:
        base = name_keys(name).pinyin.split()
        handles: list[tuple[Channel, str]] = []
        for kind in spec:
            while True:
                if kind == "w":
                    handle = f"{''.join(base)}_{self._digits(self.rng.choice((2, 4)))}"
                    channel = Channel.WECHAT
                else:
                    handle = f"{base[0]}{''.join(s[0] for s in base[1:])}{self._digits(3)}"
                    channel = Channel.DINGTALK
                if (channel, handle) not in self._handles:
                    self._handles.add((channel, handle))
                    handles.append((channel, handle))
                    break
        return handles

    # -- the scenario ------------------------------------------------------------------

    def _plan_directory(self) -> None:
        self.do(self.setup_at, self._make_directory)

    def _plan_aoi_landing(self) -> None:
        """The AOI project lands in half a day (normally 3–4 working days)."""
        k, case = 7, "aoi"
        t = partial(self.t, k)
        first = "aoi:first-call"
        self.say(
            t("08:31"),
            "黄振宇",
            "澄明光电黄总来电：接到海外柔性线路板大额订单，AOI 检测项目急需注册新主体扩产，"
            "请求全程代办、特事特办",
            duration=380,
            key=first,
        )
        self.open_case(
            case,
            t("08:40"),
            _CaseSpec(
                "澄明光电 AOI 自动光学检测项目注册落地",
                company=AOI_CO,
                template_key="company_landing",
                fast_track=True,
                amount=Decimal("150000000"),
                currency="CNY",
                target_at=t("17:30"),
                tags=("全程代办", "特事特办", "市外内资", "省外内资"),
                notes="企业接海外大额订单，需当天完成注册、刻章、开户、税务登记以便承接产能。"
                "园区、市场监管、税务、银行联动办理。",
            ),
        )
        self.file(t("08:41"), [first], case)
        self.assign(case, "park", t("08:42"), contact="吴建斌")
        self.assign(case, "licence", t("08:42"), contact="郑丽华")
        self.assign(case, "seal", t("08:42"), contact="韩立新")
        self.assign(case, "tax", t("08:42"), contact="曹文静")
        self.assign(case, "social", t("08:42"), contact="许婉清")
        self.assign(case, "bank", t("08:43"), contact="叶嘉怡", department=BANK_LOCAL)
        self.say(
            t("08:44"),
            "吴建斌",
            "联系园区确认厂房及注册地址，园区同意特事特办，九点半前出具入驻确认",
            case=case,
            direction=OUT,
        )
        self.held(case, "park", t("08:45"), t("09:20"))
        self.say(
            t("08:47"),
            "罗欣然",
            "微信发送落地材料清单，请企业半小时内提供扫描件",
            case=case,
            channel=Channel.WECHAT,
            direction=OUT,
        )
        self.say(
            t("08:52"),
            "郑丽华",
            "钉钉联系市场监管局登记科预审企业材料，对方承诺十点半前出照",
            case=case,
            channel=Channel.DINGTALK,
            direction=OUT,
        )
        mr_docs = ("公司登记（备案）申请书", "公司章程")
        for i, title in enumerate(mr_docs):
            self.relay(case, title, t(f"08:5{5 + i}"), t("09:12"), t("10:15"))
        self.relay(case, "住所使用证明（园区租赁协议）", t("08:58"), t("09:05"), t("09:18"))
        shareholder = "股东主体资格证明"
        self.relay(case, shareholder, t("09:00"), t("09:12"))
        self.doc(
            case,
            shareholder,
            D.ACCEPTED_MISSING,
            t("09:40"),
            missing_items="境外股东主体资格证明的公证认证原件（已先提供扫描件）",
            promised=self.cal.add_working_days(t("17:00"), 10),
        )
        officers = "法定代表人及董事、监事、经理任职文件及身份证明"
        self.relay(case, officers, t("09:02"), t("09:13"))
        self.doc(case, officers, D.RETURNED, t("09:30"), reason="法定代表人签字页漏签，需补签")
        self.say(
            t("09:31"),
            "罗欣然",
            "转告企业：法定代表人签字页漏签，请补签后拍照发来，原件随后送达",
            case=case,
            direction=OUT,
            duration=95,
        )
        self.doc(case, officers, D.RESUBMITTED, t("09:45"))
        self.doc(case, officers, D.FORWARDED, t("09:48"))
        self.doc(case, officers, D.ACCEPTED, t("10:20"))
        self.held(case, "licence", t("09:22"), t("10:28"))
        self.say(
            t("10:29"),
            "郑丽华",
            "市场监管局：营业执照已核发，电子执照同步推送",
            case=case,
            channel=Channel.DINGTALK,
        )
        self.say(
            t("10:31"),
            "韩立新",
            "联系印章中心加急刻制公章、财务章，十一点前可取",
            case=case,
            direction=OUT,
        )
        self.held(case, "seal", t("10:30"), t("10:55"))
        self.held(case, "tax", t("10:32"), t("11:20"))
        self.relay(case, "财务负责人及办税人员身份证明", t("10:33"), t("10:35"), t("11:10"))
        self.held(case, "social", t("10:35"), t("11:30"))
        self.relay(
            case,
            "银行开户申请书及预留印鉴卡",
            t("10:56"),
            t("11:00"),
            t("11:35"),
            destination=BANK_LOCAL,
        )
        self.say(
            t("10:50"),
            "叶嘉怡",
            "预约银行对公开户绿色通道，客户经理十一点到园区上门核实",
            case=case,
            direction=OUT,
        )
        self.held(case, "bank", t("10:58"), t("11:42"))
        self.say(t("11:05"), "叶嘉怡", "银行要求补充法人身份证复印件", case=case)
        self.say(
            t("11:08"),
            "罗欣然",
            "转告企业补充法人身份证复印件，已拍照发银行",
            case=case,
            channel=Channel.WECHAT,
            direction=OUT,
        )
        self.say(t("11:25"), "曹文静", "税务局确认税务登记已完成，发票可网上申领", case=case)
        self.close(case, t("11:50"), "特事特办：半天办结（常规 3–4 个工作日）")
        self.say(
            t("11:52"),
            "罗欣然",
            "提醒企业：境外股东主体资格证明公证认证原件到后第一时间送市场监管局",
            case=case,
            channel=Channel.WECHAT,
            direction=OUT,
        )
        self.say(
            t("12:06"),
            "黄振宇",
            "黄总微信致谢：执照、公章、账户、税务半天全部办妥，下午即可签海外订单",
            case=case,
            channel=Channel.WECHAT,
        )
        self.plan(
            case,
            "landing",
            t("08:40"),
            t("11:50"),
            (AOI_CO, PARK, MARKET, SEAL, TAX, HR, BANK_LOCAL),
            weight=1.0,
            focus=(k,),
        )
        # The missing originals are on their way: a promise to chase, due yesterday.
        reminder = "aoi:originals"
        self.say(
            self.t(3, "10:12"),
            "梁志远",
            "企业称境外公证认证原件已寄出，请到货后提醒；待确认快递单号",
            case=case,
            channel=Channel.WECHAT,
            follow_up=self.t(1, "10:00"),
            key=reminder,
        )

    def _plan_cross_district_filing(self) -> None:
        """A foreign-investment filing from the neighbouring district in half an hour."""
        k, case = 11, "filing"
        t = partial(self.t, k)
        first = "filing:first-call"
        self.say(
            t("13:58"),
            "高文博",
            "甬港精密来电：2260 万美元外资项目需邻区审批局出具备案，外方股东明天要结果",
            duration=240,
            key=first,
        )
        self.open_case(
            case,
            t("14:03"),
            _CaseSpec(
                "甬港精密外资扩产项目跨区备案",
                company=FILING_CO,
                template_key="cross_district_filing",
                fast_track=True,
                amount=Decimal("22600000"),
                currency="USD",
                tags=("合同外资", "跨区协调", "特事特办"),
                notes="项目总投资超过 2200 万美元，需邻区行政审批局备案；常规 2–3 个工作日。",
            ),
        )
        self.file(t("14:04"), [first], case)
        self.assign(case, "commerce", t("14:04"), contact="沈亦舟")
        self.assign(case, "filing", t("14:04"), contact="邱鸣远")
        self.held(case, "commerce", t("14:05"), t("14:16"))
        self.say(
            t("14:06"),
            "沈亦舟",
            "请区商务局出具项目情况说明，并由区里与邻区行政审批局对接",
            case=case,
            direction=OUT,
        )
        self.relay(case, "项目备案申请表", t("14:06"), t("14:18"), t("14:28"))
        self.relay(case, "投资方主体资格证明（经公证认证）", t("14:07"), t("14:18"), t("14:28"))
        self.relay(case, "项目情况说明", t("14:10"), t("14:11"), t("14:15"))
        self.held(case, "filing", t("14:17"), t("14:30"))
        self.say(
            t("14:18"),
            "邱鸣远",
            "与邻区行政审批局投资项目科通话，对方同意即时受理，材料电子版先发",
            case=case,
            direction=OUT,
        )
        self.say(
            t("14:31"),
            "高文博",
            "备案通知书已出，电子版已微信发企业",
            case=case,
            channel=Channel.WECHAT,
            direction=OUT,
        )
        self.close(case, t("14:32"), "经区级部门协调，半小时办结（常规 2–3 个工作日）")
        self.plan(
            case,
            "filing",
            t("14:03"),
            t("14:32"),
            (FILING_CO, COMMERCE, NEIGHBOUR),
            weight=0.6,
            focus=(k,),
        )

    def _plan_bond_capital_increase(self) -> None:
        """USD 27.48 million raised by overseas bonds, due by the end of January: open."""
        case = "bond"
        # The end of the coming January (this one while it is still early in the month).
        year = self.today.year if self.today < date(self.today.year, 1, 10) else self.today.year + 1
        january = date(year, 1, 31)
        while not self.cal.is_workday(january):
            january -= timedelta(days=1)
        self.open_case(
            case,
            self.t(14, "09:30"),
            _CaseSpec(
                "恒屹新材料境外发债增资 2748 万美元",
                company=BOND_CO,
                template_key="capital_increase",
                fast_track=True,
                amount=Decimal("27480000"),
                currency="USD",
                target_at=datetime.combine(january, time(17, 0)),
                tags=("合同外资", "实际利用外资", "特事特办"),
                notes="外资企业境外发行债券募资并增资，资金须于 1 月底前到位。",
            ),
        )
        self.say(
            self.t(14, "09:35"),
            "石俊杰",
            "上门对接：企业拟境外发行 2748 万美元债券用于增资，资金须 1 月底前到位，梳理办理路径",
            case=case,
            channel=Channel.IN_PERSON,
            direction=OUT,
            duration=55 * 60,
        )
        self.assign(case, "ndrc", self.t(14, "10:40"), contact="魏承泽")
        self.assign(case, "commerce", self.t(14, "10:40"), contact="杜若琳")
        self.assign(case, "registration", self.t(14, "10:40"), contact="冯晨曦")
        self.assign(case, "forex", self.t(14, "10:41"), contact="俞晓峰", department=BANK_FOREX)
        self.held(case, "commerce", self.t(13, "09:00"), self.t(13, "11:20"))
        plan = "境外发债方案及募集说明书"
        self.relay(case, plan, self.t(13, "08:50"), self.t(13, "09:04"))
        self.step(case, "ndrc", A.IN_PROGRESS, self.t(13, "09:05"))
        self.doc(
            case,
            plan,
            D.RETURNED,
            self.t(12, "14:40"),
            reason="募集说明书需附中文译本，审计报告需加盖骑缝章",
        )
        self.step(
            case,
            "ndrc",
            A.WAITING_COMPANY,
            self.t(12, "15:00"),
            "等待企业补充募集说明书中文译本及审计报告",
        )
        self.say(
            self.t(12, "15:05"),
            "江雪莹",
            "转告企业：发改局要求募集说明书附中文译本、审计报告加盖骑缝章",
            case=case,
            direction=OUT,
        )
        resolution = "董事会增资决议"
        self.relay(case, resolution, self.t(6, "10:00"), self.t(5, "09:40"))
        self.step(case, "registration", A.IN_PROGRESS, self.t(5, "10:00"))
        self.say(
            self.t(3, "11:15"),
            "冯晨曦",
            "催办外资变更登记，对方答复需省局系统审核，明天中午前回复",
            case=case,
            direction=OUT,
            follow_up=self.t(2, "12:00"),
            key="bond:registration-chase",
        )
        self.do(
            self.t(2, "16:00"),
            lambda: actions.update(
                self.store,
                self.action_ids[(case, "registration")],
                notes="窗口反馈需省局系统审核，已多次催办",
            ),
        )
        self.say(
            self.t(2, "16:30"),
            "石俊杰",
            "催企业尽快提交募集说明书中文译本",
            case=case,
            channel=Channel.WECHAT,
            direction=OUT,
            follow_up=self.t(1, "10:00"),
            key="bond:translation",
        )
        self.follow_up_done("bond:translation", self.t(1, "09:40"))
        self.say(
            self.t(1, "09:40"),
            "石俊杰",
            "企业回复：中文译本翻译公司周内交稿",
            case=case,
            channel=Channel.WECHAT,
        )
        forex_docs = "外债登记申请材料"
        self.relay(case, forex_docs, self.t(1, "15:00"))
        self.doc(case, forex_docs, D.FORWARDED, self.t(1, "15:08"), destination=BANK_FOREX)
        self.step(case, "forex", A.IN_PROGRESS, self.t(1, "15:10"))
        self.do(
            self.t(1, "15:12"),
            lambda: actions.update(
                self.store,
                self.action_ids[(case, "forex")],
                due_at=self.later_today(),
                notes="银行承诺今日完成外债签约登记预审",
            ),
        )
        self.say(
            self.t(1, "17:10"),
            "俞晓峰",
            "银行：外债签约登记预审今天下班前给结果，届时回电确认",
            case=case,
            follow_up=self.later_today(),
            key="bond:forex-result",
        )
        self.plan(
            case,
            "bond",
            self.t(14, "09:30"),
            None,
            (BOND_CO, NDRC, COMMERCE, MARKET, BANK_FOREX),
            weight=1.4,
            focus=(14, 12, 5, 1),
        )

    def _plan_talent_match(self) -> None:
        case = "talent"
        self.open_case(
            case,
            self.t(18, "10:00"),
            _CaseSpec(
                "甬能动力电池首席人才官对接：固态电池研发负责人",
                company=BATTERY_CO,
                template_key="talent_match",
                tags=("人才引进", "首席人才官"),
                notes="为企业董事长对接关键人才：某日资汽车企业前研究员，拟任固态电池研发负责人。",
            ),
        )
        self.assign(case, "needs", self.t(18, "10:10"), contact="唐思琪")
        self.assign(case, "policy", self.t(18, "10:10"), contact="蒋浩然")
        self.held(case, "needs", self.t(18, "10:30"), self.t(16, "16:00"))
        self.relay(
            case, "人才需求表", self.t(18, "11:00"), self.t(18, "11:10"), self.t(17, "09:30")
        )
        self.held(case, "interview", self.t(16, "16:10"), self.t(4, "11:00"))
        self.say(
            self.t(9, "14:00"),
            "周博文",
            "陪同周博文（某日资汽车企业前研究员）到甬能公司与袁董面谈，双方初步达成意向",
            case=case,
            channel=Channel.MEETING,
            direction=OUT,
            duration=80 * 60,
        )
        self.relay(case, "人才简历及学历证明", self.t(5, "16:20"), self.t(4, "11:15"))
        self.step(case, "policy", A.IN_PROGRESS, self.t(4, "11:10"))
        self.say(
            self.t(4, "11:20"),
            "宋晓琳",
            "企业确认录用，劳动合同拟下周签订",
            case=case,
            channel=Channel.WECHAT,
        )
        self.plan(
            case,
            "talent",
            self.t(18, "10:00"),
            None,
            (BATTERY_CO, TALENT_OFFICE, HR, "周博文"),
            weight=0.8,
            focus=(9, 4),
        )

    def _plan_equipment_landing(self) -> None:
        """An ordinary landing in progress, its business licence overdue."""
        case = "equipment"
        self.open_case(
            case,
            self.t(3, "09:10"),
            _CaseSpec(
                "澜拓智能装备生产基地项目注册落地",
                company=EQUIPMENT_CO,
                template_key="company_landing",
                amount=Decimal("50000000"),
                currency="CNY",
                tags=("全程代办", "市外内资"),
            ),
        )
        self.assign(case, "licence", self.t(3, "09:15"), contact="钱梓轩")
        self.assign(case, "bank", self.t(3, "09:15"), department=BANK_LOCAL)
        self.held(case, "park", self.t(3, "09:20"), self.t(2, "10:40"))
        self.relay(case, "住所使用证明（园区租赁协议）", self.t(3, "09:22"), self.t(3, "09:25"))
        self.doc(case, "住所使用证明（园区租赁协议）", D.ACCEPTED, self.t(2, "10:35"))
        for title in ("公司登记（备案）申请书", "公司章程"):
            self.relay(case, title, self.t(3, "14:00"), self.t(2, "10:50"))
        self.relay(case, "股东主体资格证明", self.t(3, "14:05"))
        self.doc(
            case,
            "股东主体资格证明",
            D.RETURNED,
            self.t(2, "15:00"),
            reason="股东营业执照复印件需加盖公章",
        )
        self.step(case, "licence", A.IN_PROGRESS, self.t(2, "10:45"))
        self.say(
            self.t(2, "15:02"),
            "姚倩",
            "通知企业：股东营业执照复印件需加盖公章后重新提交",
            case=case,
            direction=OUT,
            follow_up=self.later_today(),
            key="equipment:stamp",
        )
        self.plan(
            case,
            "landing",
            self.t(3, "09:10"),
            None,
            (EQUIPMENT_CO, PARK, MARKET, TAX, BANK_LOCAL),
            weight=1.2,
            focus=(3, 2),
        )

    def _plan_land_auction(self) -> None:
        """Bringing under-used industrial land back to market."""
        case = "land"
        self.open_case(
            case,
            self.t(26, "09:00"),
            _CaseSpec(
                "原永骏五金厂低效工业用地收回并挂牌出让",
                company=HARDWARE_CO,
                kind="低效用地盘活",
                amount=Decimal("38600000"),
                currency="CNY",
                tags=("低效用地", "土地出让"),
                notes="地块约 26 亩，收回后挂牌出让给先进制造业项目；挂牌起始价 3860 万元。",
            ),
        )
        at = self.t(26, "09:05")
        self.do(
            at,
            partial(
                self._add_action, case, "zoning", LAND, "地块规划条件核定", 15, 30, (), "范国栋"
            ),
        )
        self.do(
            at,
            partial(
                self._add_action,
                case,
                "valuation",
                LAND,
                "土地估价报告备案",
                22.5,
                45,
                ("zoning",),
                "范国栋",
            ),
        )
        self.do(
            at,
            partial(
                self._add_action,
                case,
                "listing",
                TRADE,
                "挂牌出让公告发布",
                15,
                22.5,
                ("valuation",),
                "蔡明辉",
            ),
        )
        self.do(
            at,
            partial(
                self._add_action,
                case,
                "bidders",
                TRADE,
                "竞买资格审查",
                37.5,
                75,
                ("listing",),
                "蔡明辉",
            ),
        )
        survey, valuation, agreement = "地块现状测绘报告", "土地估价报告", "土地收回协议"
        self.do(at, partial(self._add_document, case, survey, HARDWARE_CO, LAND, True))
        self.do(at, partial(self._add_document, case, valuation, LAND, TRADE, True))
        self.do(at, partial(self._add_document, case, agreement, HARDWARE_CO, LAND, True))
        self.held(case, "zoning", self.t(25, "09:30"), self.t(20, "16:00"))
        self.relay(case, survey, self.t(24, "10:00"), self.t(24, "10:30"), self.t(22, "15:00"))
        self.held(case, "valuation", self.t(20, "16:10"), self.t(12, "11:00"))
        self.relay(case, valuation, self.t(12, "11:30"), self.t(2, "09:20"))
        self.step(case, "listing", A.IN_PROGRESS, self.t(2, "09:30"))
        self.do(
            self.t(2, "09:35"),
            lambda: actions.update(
                self.store,
                self.action_ids[(case, "listing")],
                due_at=self.later_today(),
                notes="交易中心答复今日发布挂牌公告",
            ),
        )
        self.plan(
            case,
            "land",
            self.t(26, "09:00"),
            None,
            (HARDWARE_CO, LAND, TRADE),
            weight=0.7,
            focus=(24, 12, 2),
        )

    def _plan_history(self) -> None:
        """Cases of the past months: they make the yearly indicators and the archive."""
        # A regional headquarters from Hangzhou, fast-track, a day and a half.
        hq = "hq"
        self.open_case(
            hq,
            self.t(70, "09:00"),
            _CaseSpec(
                "云岫数字科技区域总部注册落地",
                company=DIGITAL_CO,
                template_key="company_landing",
                fast_track=True,
                amount=Decimal("80000000"),
                currency="CNY",
                tags=("全程代办", "特事特办", "市外内资"),
            ),
        )
        self._landing_done(hq, self.t(70, "09:00"), 70, 69, fast=True)
        self.close(hq, self.t(69, "11:30"))
        self.plan(
            hq,
            "landing",
            self.t(70, "09:00"),
            self.t(69, "11:30"),
            (DIGITAL_CO, PARK, MARKET, TAX, BANK_LOCAL),
            focus=(70, 69),
        )

        # A mould maker from Jiangsu: the ordinary pace, four working days.
        mould = "mould"
        self.open_case(
            mould,
            self.t(48, "10:00"),
            _CaseSpec(
                "岚峰精密模具项目注册落地",
                company=MOULD_CO,
                template_key="company_landing",
                amount=Decimal("120000000"),
                currency="CNY",
                tags=("全程代办", "市外内资", "省外内资"),
            ),
        )
        self._landing_done(mould, self.t(48, "10:00"), 48, 44, fast=False)
        self.close(mould, self.t(44, "16:00"))
        self.plan(
            mould,
            "landing",
            self.t(48, "10:00"),
            self.t(44, "16:00"),
            (MOULD_CO, PARK, MARKET, SEAL, TAX, HR, BANK_LOCAL),
            focus=(48, 47, 45),
        )

        # An earlier capital increase by overseas bonds, closed a month and a half ago.
        ocean = "ocean"
        self.open_case(
            ocean,
            self.t(36, "09:30"),
            _CaseSpec(
                "海汐海洋科技境外发债增资 860 万美元",
                company=OCEAN_CO,
                template_key="capital_increase",
                amount=Decimal("8600000"),
                currency="USD",
                tags=("合同外资", "实际利用外资"),
            ),
        )
        self.assign(ocean, "forex", self.t(36, "09:40"), department=BANK_FOREX)
        self.held(ocean, "commerce", self.t(36, "10:00"), self.t(35, "11:00"))
        self.held(ocean, "ndrc", self.t(36, "10:10"), self.t(33, "15:00"))
        self.held(ocean, "registration", self.t(35, "11:10"), self.t(34, "16:00"))
        self.held(ocean, "forex", self.t(33, "15:10"), self.t(31, "11:00"))
        for title, at in (
            ("董事会增资决议", "10:20"),
            ("境外发债方案及募集说明书", "10:25"),
            ("外债登记申请材料", "10:30"),
        ):
            self.relay(
                ocean,
                title,
                self.t(36, at),
                self.t(35, "09:00"),
                self.t(34, "10:00"),
                BANK_FOREX if title == "外债登记申请材料" else None,
            )
        self.close(ocean, self.t(31, "11:30"))
        self.plan(
            ocean,
            "bond",
            self.t(36, "09:30"),
            self.t(31, "11:30"),
            (OCEAN_CO, NDRC, COMMERCE, MARKET, BANK_FOREX),
            focus=(36, 33),
        )

        # A logistics warehouse that went to another province in the end.
        gone = "logistics"
        self.open_case(
            gone,
            self.t(30, "14:00"),
            _CaseSpec(
                "迅舟跨境电商仓储项目选址",
                company=LOGISTICS_CO,
                kind="项目选址",
                amount=Decimal("30000000"),
                currency="CNY",
                tags=("市外内资",),
            ),
        )
        self.do(
            self.t(30, "14:05"),
            partial(
                self._add_action,
                gone,
                "site",
                PARK,
                "仓储用地选址与厂房踏勘",
                15,
                22.5,
                (),
                "吴建斌",
            ),
        )
        self.step(gone, "site", A.IN_PROGRESS, self.t(29, "09:00"))
        self.step(gone, "site", A.CANCELLED, self.t(24, "10:00"))
        self.close(
            gone, self.t(24, "10:05"), "企业决定落户外省，项目终止", status=CaseStatus.CANCELLED
        )
        self.plan(
            gone,
            "general",
            self.t(30, "14:00"),
            self.t(24, "10:05"),
            (LOGISTICS_CO, PARK),
            weight=0.5,
        )

    def _landing_done(self, case: str, opened: datetime, k0: int, k1: int, *, fast: bool) -> None:
        """Every step of a landing done between working days ``k0`` and ``k1``."""
        mid = (k0 + k1) // 2
        if fast:
            times = {
                "park": ((k0, "09:10"), (k0, "10:00")),
                "licence": ((k0, "10:05"), (k0, "15:00")),
                "seal": ((k0, "15:05"), (k0, "16:30")),
                "tax": ((k0, "15:10"), (k1, "09:30")),
                "social": ((k0, "15:15"), (k1, "10:00")),
                "bank": ((k0, "16:35"), (k1, "11:00")),
            }
        else:
            times = {
                "park": ((k0, "10:30"), (k0, "16:00")),
                "licence": ((k0 - 1, "09:00"), (mid, "11:00")),
                "seal": ((mid, "11:10"), (mid, "15:00")),
                "tax": ((mid, "11:20"), (k1 + 1, "10:00")),
                "social": ((mid, "11:30"), (k1 + 1, "11:00")),
                "bank": ((mid, "15:10"), (k1, "15:30")),
            }
        self.assign(case, "bank", opened + timedelta(minutes=2), department=BANK_LOCAL)
        for action, ((ks, start), (kd, done)) in times.items():
            self.held(case, action, self.t(ks, start), self.t(kd, done))
        spec = template_queries.get(self.store, "company_landing")
        licence_done = self.t(*times["licence"][1])
        for i, document in enumerate(spec.documents):
            received = opened + timedelta(minutes=10 + 3 * i)
            forwarded = received + timedelta(minutes=20)
            accepted = licence_done if document.destination == MARKET else self.t(*times["bank"][1])
            if document.destination == PARK:
                accepted = self.t(*times["park"][1])
            destination = BANK_LOCAL if document.destination == "开户银行" else None
            self.relay(case, document.title, received, forwarded, accepted, destination)

    def _plan_loose_ends(self) -> None:
        """The inbox: unfiled calls, promises made, follow-ups due and overdue."""
        self.say(
            self.t(1, "16:40"),
            None,
            "陌生号码来电：自称某投资公司，询问骆驼街道低效工业用地挂牌时间，需核实身份后回电",
            raw=self.mobile(),
            duration=150,
            follow_up=datetime.combine(self.today, time(10, 0)),
        )
        self.say(
            self.t(2, "11:35"),
            "林晓雯",
            "林晓雯转来一家新能源企业的考察意向，暂未立项，先记下",
            channel=Channel.WECHAT,
        )
        self.say(
            self.t(4, "17:45"),
            "赵启航",
            "赵主任通知：周五上午召开全年招商指标调度会，准备各项目到位资金数据",
            channel=Channel.DINGTALK,
            follow_up=self.t(2, "17:00"),
            key="loose:indicators",
        )
        self.follow_up_done("loose:indicators", self.t(2, "16:20"))
        self.say(
            self.t(5, "09:15"),
            "卢景行",
            "产业基金询问有无适合跟投的项目，答应整理一份清单",
            channel=Channel.WECHAT,
            follow_up=self.t(3, "17:00"),
            key="loose:fund",
        )

    # -- the everyday traffic ----------------------------------------------------------

    def _plan_traffic(self) -> None:
        busy = {0, 1, 2, 3, 5, 7, 11, 12, 14}
        spans = self.cal.hours.spans
        for k in range(75, -1, -1):
            day = self.day(k)
            if not self.cal.is_workday(day):
                continue
            for start, end in spans:
                at = datetime.combine(day, start) + timedelta(minutes=self.rng.randint(0, 12))
                close = datetime.combine(day, end)
                while at < close and at <= self.now:
                    self._random_call(at, k)
                    if k in busy:
                        gap = self.rng.randint(5, 15)
                    elif k <= 22:
                        gap = self.rng.randint(25, 60)
                    else:
                        gap = self.rng.randint(70, 160)
                    at += timedelta(minutes=gap, seconds=self.rng.randint(0, 59))
            if k in busy:
                for _ in range(self.rng.randint(1, 3)):
                    at = datetime.combine(day, time(18, 30)) + timedelta(
                        minutes=self.rng.randint(0, 180), seconds=self.rng.randint(0, 59)
                    )
                    if at <= self.now:
                        self._random_call(at, k, evening=True)

    def _random_call(self, at: datetime, k: int, *, evening: bool = False) -> None:
        rng = self.rng
        unfiled_share = 0.07 if k <= 3 else 0.02  # the inbox: mostly the last few days
        if rng.random() < unfiled_share:
            self._random_unfiled(at)
            return
        live = [p for p in self.plans if p.opened <= at <= p.until]
        if not live:
            return
        weights = [p.weight * (6 if at.date() in p.focus else 1) for p in live]
        plan = rng.choices(live, weights)[0]
        people = [
            name
            for name, org, _, _, _, _ in CONTACTS
            if org in plan.parties or name in plan.parties
        ]
        company = [name for name in people if self.contact_topic[name] == "company"]
        pool = people + company  # the company calls twice as often
        who = (
            rng.choice(pool) if rng.random() > 0.08 else rng.choice(("林晓雯", "赵启航", "何佳宁"))
        )
        topic = self.contact_topic[who]
        direction, text = rng.choice(self._notes(topic, plan.kind))
        if direction is None:
            direction = rng.choice((IN, OUT))
        if evening:
            channel = rng.choice((Channel.WECHAT, Channel.WECHAT, Channel.DINGTALK))
        else:
            channel = rng.choices(
                (
                    Channel.PHONE,
                    Channel.WECHAT,
                    Channel.DINGTALK,
                    Channel.SMS,
                    Channel.IN_PERSON,
                    Channel.MEETING,
                ),
                (60, 22, 10, 2, 4, 2),
            )[0]
        handles = self.contact_handles[who]
        if channel == Channel.DINGTALK and "d" not in handles:
            channel = Channel.WECHAT
        if channel == Channel.WECHAT and "w" not in handles:
            channel = Channel.PHONE
        follow_up: datetime | None = None
        key: str | None = None
        if rng.random() < 0.08:
            follow_up = self.cal.add_working_hours(at, rng.choice((1, 2, 4, 7.5, 15)))
            key = f"random:{len(self.steps)}"
            start_of_today = datetime.combine(self.today, time.min)
            # Older promises were kept; a few of the last days' are still pending.
            if follow_up < start_of_today and (k > 5 or rng.random() < 0.7):
                span = int((follow_up - at).total_seconds() // 60) + 60
                done = min(at + timedelta(minutes=rng.randint(10, max(11, span))), self.now)
                self.follow_up_done(key, done)
        self.say(
            at,
            who,
            text,
            case=plan.key,
            channel=channel,
            direction=direction,
            follow_up=follow_up,
            key=key,
        )

    @staticmethod
    def _notes(topic: str, kind: str) -> tuple[Note, ...]:
        return NOTES.get(f"{topic}:{kind}") or NOTES[topic]

    def _random_unfiled(self, at: datetime) -> None:
        rng = self.rng
        if rng.random() < 0.6:
            self.say(
                at,
                None,
                rng.choice(UNFILED_RAW),
                raw=self.mobile() if rng.random() < 0.8 else self.landline(),
                direction=IN,
            )
            return
        who, text = rng.choice(UNFILED_KNOWN)
        self.say(
            at,
            who,
            text,
            channel=rng.choice((Channel.PHONE, Channel.WECHAT, Channel.DINGTALK)),
            direction=IN,
        )
