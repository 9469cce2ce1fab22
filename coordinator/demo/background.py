"""What surrounds the demo's main cases: cases of past months (they make the yearly
indicators and the archive), the loose ends in the inbox, and the everyday calls, chats
and meetings about every case of the scenario, drawn at random from a fixed seed.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from coordinator.demo.runner import CaseSpec, Runner
from coordinator.demo.scenario import (
    BANK_FOREX,
    BANK_LOCAL,
    COMMERCE,
    CONTACTS,
    DIGITAL_CO,
    HR,
    IN,
    LOGISTICS_CO,
    MARKET,
    MOULD_CO,
    NDRC,
    NOTES,
    OCEAN_CO,
    OUT,
    PARK,
    SEAL,
    TAX,
    UNFILED_KNOWN,
    UNFILED_RAW,
    A,
    Note,
)
from coordinator.kinds import CaseStatus, Channel
from coordinator.queries import templates as template_queries


def plan(demo: Runner) -> None:
    """Schedule the past cases, the loose ends and the everyday traffic, in this order
    (the traffic talks about every case planned before it)."""
    history(demo)
    loose_ends(demo)
    traffic(demo)


def history(demo: Runner) -> None:
    """Cases of the past months: they make the yearly indicators and the archive."""
    # A regional headquarters from Hangzhou, fast-track, a day and a half.
    hq = "hq"
    demo.open_case(
        hq,
        demo.t(70, "09:00"),
        CaseSpec(
            "云岫数字科技区域总部注册落地",
            company=DIGITAL_CO,
            template_key="company_landing",
            fast_track=True,
            amount=Decimal("80000000"),
            currency="CNY",
            tags=("全程代办", "特事特办", "市外内资"),
        ),
    )
    _landing_done(demo, hq, demo.t(70, "09:00"), 70, 69, fast=True)
    demo.close(hq, demo.t(69, "11:30"))
    demo.plan(
        hq,
        "landing",
        demo.t(70, "09:00"),
        demo.t(69, "11:30"),
        (DIGITAL_CO, PARK, MARKET, TAX, BANK_LOCAL),
        focus=(70, 69),
    )

    # A mould maker from Jiangsu: the ordinary pace, four working days.
    mould = "mould"
    demo.open_case(
        mould,
        demo.t(48, "10:00"),
        CaseSpec(
            "岚峰精密模具项目注册落地",
            company=MOULD_CO,
            template_key="company_landing",
            amount=Decimal("120000000"),
            currency="CNY",
            tags=("全程代办", "市外内资", "省外内资"),
        ),
    )
    _landing_done(demo, mould, demo.t(48, "10:00"), 48, 44, fast=False)
    demo.close(mould, demo.t(44, "16:00"))
    demo.plan(
        mould,
        "landing",
        demo.t(48, "10:00"),
        demo.t(44, "16:00"),
        (MOULD_CO, PARK, MARKET, SEAL, TAX, HR, BANK_LOCAL),
        focus=(48, 47, 45),
    )

    # An earlier capital increase by overseas bonds, closed a month and a half ago.
    ocean = "ocean"
    demo.open_case(
        ocean,
        demo.t(36, "09:30"),
        CaseSpec(
            "海汐海洋科技境外发债增资 860 万美元",
            company=OCEAN_CO,
            template_key="capital_increase",
            amount=Decimal("8600000"),
            currency="USD",
            tags=("合同外资", "实际利用外资"),
        ),
    )
    demo.assign(ocean, "forex", demo.t(36, "09:40"), department=BANK_FOREX)
    demo.held(ocean, "commerce", demo.t(36, "10:00"), demo.t(35, "11:00"))
    demo.held(ocean, "ndrc", demo.t(36, "10:10"), demo.t(33, "15:00"))
    demo.held(ocean, "registration", demo.t(35, "11:10"), demo.t(34, "16:00"))
    demo.held(ocean, "forex", demo.t(33, "15:10"), demo.t(31, "11:00"))
    for title, at in (
        ("董事会增资决议", "10:20"),
        ("境外发债方案及募集说明书", "10:25"),
        ("外债登记申请材料", "10:30"),
    ):
        demo.relay(
            ocean,
            title,
            demo.t(36, at),
            demo.t(35, "09:00"),
            demo.t(34, "10:00"),
            BANK_FOREX if title == "外债登记申请材料" else None,
        )
    demo.close(ocean, demo.t(31, "11:30"))
    demo.plan(
        ocean,
        "bond",
        demo.t(36, "09:30"),
        demo.t(31, "11:30"),
        (OCEAN_CO, NDRC, COMMERCE, MARKET, BANK_FOREX),
        focus=(36, 33),
    )

    # A logistics warehouse that went to another province in the end.
    gone = "logistics"
    demo.open_case(
        gone,
        demo.t(30, "14:00"),
        CaseSpec(
            "迅舟跨境电商仓储项目选址",
            company=LOGISTICS_CO,
            kind="项目选址",
            amount=Decimal("30000000"),
            currency="CNY",
            tags=("市外内资",),
        ),
    )
    demo.new_action(
        demo.t(30, "14:05"), gone, "site", PARK, "仓储用地选址与厂房踏勘", 15, 22.5, (), "吴建斌"
    )
    demo.step(gone, "site", A.IN_PROGRESS, demo.t(29, "09:00"))
    demo.step(gone, "site", A.CANCELLED, demo.t(24, "10:00"))
    demo.close(gone, demo.t(24, "10:05"), "企业决定落户外省，项目终止", status=CaseStatus.CANCELLED)
    demo.plan(
        gone,
        "general",
        demo.t(30, "14:00"),
        demo.t(24, "10:05"),
        (LOGISTICS_CO, PARK),
        weight=0.5,
    )


def _landing_done(
    demo: Runner, case: str, opened: datetime, k0: int, k1: int, *, fast: bool
) -> None:
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
    demo.assign(case, "bank", opened + timedelta(minutes=2), department=BANK_LOCAL)
    for action, ((ks, start), (kd, done)) in times.items():
        demo.held(case, action, demo.t(ks, start), demo.t(kd, done))
    spec = template_queries.get(demo.store, "company_landing")
    licence_done = demo.t(*times["licence"][1])
    for i, document in enumerate(spec.documents):
        received = opened + timedelta(minutes=10 + 3 * i)
        forwarded = received + timedelta(minutes=20)
        accepted = licence_done if document.destination == MARKET else demo.t(*times["bank"][1])
        if document.destination == PARK:
            accepted = demo.t(*times["park"][1])
        destination = BANK_LOCAL if document.destination == "开户银行" else None
        demo.relay(case, document.title, received, forwarded, accepted, destination)


def loose_ends(demo: Runner) -> None:
    """The inbox: unfiled calls, promises made, follow-ups due and overdue."""
    demo.say(
        demo.t(1, "16:40"),
        None,
        "陌生号码来电：自称某投资公司，询问骆驼街道低效工业用地挂牌时间，需核实身份后回电",
        raw=demo.mobile(),
        duration=150,
        follow_up=datetime.combine(demo.today, time(10, 0)),
    )
    demo.say(
        demo.t(2, "11:35"),
        "林晓雯",
        "林晓雯转来一家新能源企业的考察意向，暂未立项，先记下",
        channel=Channel.WECHAT,
    )
    demo.say(
        demo.t(4, "17:45"),
        "赵启航",
        "赵主任通知：周五上午召开全年招商指标调度会，准备各项目到位资金数据",
        channel=Channel.DINGTALK,
        follow_up=demo.t(2, "17:00"),
        key="loose:indicators",
    )
    demo.follow_up_done("loose:indicators", demo.t(2, "16:20"))
    demo.say(
        demo.t(5, "09:15"),
        "卢景行",
        "产业基金询问有无适合跟投的项目，答应整理一份清单",
        channel=Channel.WECHAT,
        follow_up=demo.t(3, "17:00"),
        key="loose:fund",
    )


# -- the everyday traffic ----------------------------------------------------------


def traffic(demo: Runner) -> None:
    busy = {0, 1, 2, 3, 5, 7, 11, 12, 14}
    spans = demo.cal.hours.spans
    for k in range(75, -1, -1):
        day = demo.day(k)
        if not demo.cal.is_workday(day):
            continue
        for start, end in spans:
            at = datetime.combine(day, start) + timedelta(minutes=demo.rng.randint(0, 12))
            close = datetime.combine(day, end)
            while at < close and at <= demo.now:
                _random_call(demo, at, k)
                if k in busy:
                    gap = demo.rng.randint(5, 15)
                elif k <= 22:
                    gap = demo.rng.randint(25, 60)
                else:
                    gap = demo.rng.randint(70, 160)
                at += timedelta(minutes=gap, seconds=demo.rng.randint(0, 59))
        if k in busy:
            for _ in range(demo.rng.randint(1, 3)):
                at = datetime.combine(day, time(18, 30)) + timedelta(
                    minutes=demo.rng.randint(0, 180), seconds=demo.rng.randint(0, 59)
                )
                if at <= demo.now:
                    _random_call(demo, at, k, evening=True)


def _random_call(demo: Runner, at: datetime, k: int, *, evening: bool = False) -> None:
    rng = demo.rng
    unfiled_share = 0.07 if k <= 3 else 0.02  # the inbox: mostly the last few days
    if rng.random() < unfiled_share:
        _random_unfiled(demo, at)
        return
    live = [p for p in demo.plans if p.opened <= at <= p.until]
    if not live:
        return
    weights = [p.weight * (6 if at.date() in p.focus else 1) for p in live]
    plan = rng.choices(live, weights)[0]
    people = [
        name for name, org, _, _, _, _ in CONTACTS if org in plan.parties or name in plan.parties
    ]
    company = [name for name in people if demo.contact_topic[name] == "company"]
    pool = people + company  # the company calls twice as often
    who = rng.choice(pool) if rng.random() > 0.08 else rng.choice(("林晓雯", "赵启航", "何佳宁"))
    topic = demo.contact_topic[who]
    direction, text = rng.choice(_notes(topic, plan.kind))
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
    handles = demo.contact_handles[who]
    if channel == Channel.DINGTALK and "d" not in handles:
        channel = Channel.WECHAT
    if channel == Channel.WECHAT and "w" not in handles:
        channel = Channel.PHONE
    follow_up: datetime | None = None
    key: str | None = None
    if rng.random() < 0.08:
        follow_up = demo.cal.add_working_hours(at, rng.choice((1, 2, 4, 7.5, 15)))
        key = f"random:{len(demo.steps)}"
        start_of_today = datetime.combine(demo.today, time.min)
        # Older promises were kept; a few of the last days' are still pending.
        if follow_up < start_of_today and (k > 5 or rng.random() < 0.7):
            span = int((follow_up - at).total_seconds() // 60) + 60
            done = min(at + timedelta(minutes=rng.randint(10, max(11, span))), demo.now)
            demo.follow_up_done(key, done)
    demo.say(
        at,
        who,
        text,
        case=plan.key,
        channel=channel,
        direction=direction,
        follow_up=follow_up,
        key=key,
    )


def _notes(topic: str, kind: str) -> tuple[Note, ...]:
    return NOTES.get(f"{topic}:{kind}") or NOTES[topic]


def _random_unfiled(demo: Runner, at: datetime) -> None:
    rng = demo.rng
    if rng.random() < 0.6:
        demo.say(
            at,
            None,
            rng.choice(UNFILED_RAW),
            raw=demo.mobile() if rng.random() < 0.8 else demo.landline(),
            direction=IN,
        )
        return
    who, text = rng.choice(UNFILED_KNOWN)
    demo.say(
        at,
        who,
        text,
        channel=rng.choice((Channel.PHONE, Channel.WECHAT, Channel.DINGTALK)),
        direction=IN,
    )
