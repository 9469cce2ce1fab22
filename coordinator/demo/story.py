"""The demo's cases of the last weeks, step by step: the four of the article (a landing
in half a day, a cross-district filing in half an hour, a capital increase by overseas
bonds, a talent match) and two ordinary ones still open.

Times are a working day counted back from today and a time of that day
(``demo.t(k, "hh:mm")``: the k-th working day before today), so the story always ends
today.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

from coordinator.demo.runner import CaseSpec, Runner
from coordinator.demo.scenario import (
    AOI_CO,
    BANK_FOREX,
    BANK_LOCAL,
    BATTERY_CO,
    BOND_CO,
    COMMERCE,
    EQUIPMENT_CO,
    FILING_CO,
    HARDWARE_CO,
    HR,
    LAND,
    MARKET,
    NDRC,
    NEIGHBOUR,
    OUT,
    PARK,
    SEAL,
    TALENT_OFFICE,
    TAX,
    TRADE,
    A,
    D,
)
from coordinator.kinds import Channel
from coordinator.services import actions


def plan(demo: Runner) -> None:
    """Schedule every step of these cases."""
    aoi_landing(demo)
    cross_district_filing(demo)
    bond_capital_increase(demo)
    talent_match(demo)
    equipment_landing(demo)
    land_auction(demo)


def aoi_landing(demo: Runner) -> None:
    """The AOI project lands in half a day (normally 3–4 working days)."""
    k, case = 7, "aoi"
    t = partial(demo.t, k)
    first = "aoi:first-call"
    demo.say(
        t("08:31"),
        "黄振宇",
        "澄明光电黄总来电：接到海外柔性线路板大额订单，AOI 检测项目急需注册新主体扩产，"
        "请求全程代办、特事特办",
        duration=380,
        key=first,
    )
    demo.open_case(
        case,
        t("08:40"),
        CaseSpec(
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
    demo.file(t("08:41"), [first], case)
    demo.assign(case, "park", t("08:42"), contact="吴建斌")
    demo.assign(case, "licence", t("08:42"), contact="郑丽华")
    demo.assign(case, "seal", t("08:42"), contact="韩立新")
    demo.assign(case, "tax", t("08:42"), contact="曹文静")
    demo.assign(case, "social", t("08:42"), contact="许婉清")
    demo.assign(case, "bank", t("08:43"), contact="叶嘉怡", department=BANK_LOCAL)
    demo.say(
        t("08:44"),
        "吴建斌",
        "联系园区确认厂房及注册地址，园区同意特事特办，九点半前出具入驻确认",
        case=case,
        direction=OUT,
    )
    demo.held(case, "park", t("08:45"), t("09:20"))
    demo.say(
        t("08:47"),
        "罗欣然",
        "微信发送落地材料清单，请企业半小时内提供扫描件",
        case=case,
        channel=Channel.WECHAT,
        direction=OUT,
    )
    demo.say(
        t("08:52"),
        "郑丽华",
        "钉钉联系市场监管局登记科预审企业材料，对方承诺十点半前出照",
        case=case,
        channel=Channel.DINGTALK,
        direction=OUT,
    )
    mr_docs = ("公司登记（备案）申请书", "公司章程")
    for i, title in enumerate(mr_docs):
        demo.relay(case, title, t(f"08:5{5 + i}"), t("09:12"), t("10:15"))
    demo.relay(case, "住所使用证明（园区租赁协议）", t("08:58"), t("09:05"), t("09:18"))
    shareholder = "股东主体资格证明"
    demo.relay(case, shareholder, t("09:00"), t("09:12"))
    demo.doc(
        case,
        shareholder,
        D.ACCEPTED_MISSING,
        t("09:40"),
        missing_items="境外股东主体资格证明的公证认证原件（已先提供扫描件）",
        promised=demo.cal.add_working_days(t("17:00"), 10),
    )
    officers = "法定代表人及董事、监事、经理任职文件及身份证明"
    demo.relay(case, officers, t("09:02"), t("09:13"))
    demo.doc(case, officers, D.RETURNED, t("09:30"), reason="法定代表人签字页漏签，需补签")
    demo.say(
        t("09:31"),
        "罗欣然",
        "转告企业：法定代表人签字页漏签，请补签后拍照发来，原件随后送达",
        case=case,
        direction=OUT,
        duration=95,
    )
    demo.doc(case, officers, D.RESUBMITTED, t("09:45"))
    demo.doc(case, officers, D.FORWARDED, t("09:48"))
    demo.doc(case, officers, D.ACCEPTED, t("10:20"))
    demo.held(case, "licence", t("09:22"), t("10:28"))
    demo.say(
        t("10:29"),
        "郑丽华",
        "市场监管局：营业执照已核发，电子执照同步推送",
        case=case,
        channel=Channel.DINGTALK,
    )
    demo.say(
        t("10:31"),
        "韩立新",
        "联系印章中心加急刻制公章、财务章，十一点前可取",
        case=case,
        direction=OUT,
    )
    demo.held(case, "seal", t("10:30"), t("10:55"))
    demo.held(case, "tax", t("10:32"), t("11:20"))
    demo.relay(case, "财务负责人及办税人员身份证明", t("10:33"), t("10:35"), t("11:10"))
    demo.held(case, "social", t("10:35"), t("11:30"))
    demo.relay(
        case,
        "银行开户申请书及预留印鉴卡",
        t("10:56"),
        t("11:00"),
        t("11:35"),
        destination=BANK_LOCAL,
    )
    demo.say(
        t("10:50"),
        "叶嘉怡",
        "预约银行对公开户绿色通道，客户经理十一点到园区上门核实",
        case=case,
        direction=OUT,
    )
    demo.held(case, "bank", t("10:58"), t("11:42"))
    demo.say(t("11:05"), "叶嘉怡", "银行要求补充法人身份证复印件", case=case)
    demo.say(
        t("11:08"),
        "罗欣然",
        "转告企业补充法人身份证复印件，已拍照发银行",
        case=case,
        channel=Channel.WECHAT,
        direction=OUT,
    )
    demo.say(t("11:25"), "曹文静", "税务局确认税务登记已完成，发票可网上申领", case=case)
    demo.close(case, t("11:50"), "特事特办：半天办结（常规 3–4 个工作日）")
    demo.say(
        t("11:52"),
        "罗欣然",
        "提醒企业：境外股东主体资格证明公证认证原件到后第一时间送市场监管局",
        case=case,
        channel=Channel.WECHAT,
        direction=OUT,
    )
    demo.say(
        t("12:06"),
        "黄振宇",
        "黄总微信致谢：执照、公章、账户、税务半天全部办妥，下午即可签海外订单",
        case=case,
        channel=Channel.WECHAT,
    )
    demo.plan(
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
    demo.say(
        demo.t(3, "10:12"),
        "梁志远",
        "企业称境外公证认证原件已寄出，请到货后提醒；待确认快递单号",
        case=case,
        channel=Channel.WECHAT,
        follow_up=demo.t(1, "10:00"),
        key=reminder,
    )


def cross_district_filing(demo: Runner) -> None:
    """A foreign-investment filing from the neighbouring district in half an hour."""
    k, case = 11, "filing"
    t = partial(demo.t, k)
    first = "filing:first-call"
    demo.say(
        t("13:58"),
        "高文博",
        "甬港精密来电：2260 万美元外资项目需邻区审批局出具备案，外方股东明天要结果",
        duration=240,
        key=first,
    )
    demo.open_case(
        case,
        t("14:03"),
        CaseSpec(
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
    demo.file(t("14:04"), [first], case)
    demo.assign(case, "commerce", t("14:04"), contact="沈亦舟")
    demo.assign(case, "filing", t("14:04"), contact="邱鸣远")
    demo.held(case, "commerce", t("14:05"), t("14:16"))
    demo.say(
        t("14:06"),
        "沈亦舟",
        "请区商务局出具项目情况说明，并由区里与邻区行政审批局对接",
        case=case,
        direction=OUT,
    )
    demo.relay(case, "项目备案申请表", t("14:06"), t("14:18"), t("14:28"))
    demo.relay(case, "投资方主体资格证明（经公证认证）", t("14:07"), t("14:18"), t("14:28"))
    demo.relay(case, "项目情况说明", t("14:10"), t("14:11"), t("14:15"))
    demo.held(case, "filing", t("14:17"), t("14:30"))
    demo.say(
        t("14:18"),
        "邱鸣远",
        "与邻区行政审批局投资项目科通话，对方同意即时受理，材料电子版先发",
        case=case,
        direction=OUT,
    )
    demo.say(
        t("14:31"),
        "高文博",
        "备案通知书已出，电子版已微信发企业",
        case=case,
        channel=Channel.WECHAT,
        direction=OUT,
    )
    demo.close(case, t("14:32"), "经区级部门协调，半小时办结（常规 2–3 个工作日）")
    demo.plan(
        case,
        "filing",
        t("14:03"),
        t("14:32"),
        (FILING_CO, COMMERCE, NEIGHBOUR),
        weight=0.6,
        focus=(k,),
    )


def bond_capital_increase(demo: Runner) -> None:
    """USD 27.48 million raised by overseas bonds, due by the end of January: open."""
    case = "bond"
    # The end of the coming January (this one while it is still early in the month).
    year = demo.today.year if demo.today < date(demo.today.year, 1, 10) else demo.today.year + 1
    january = date(year, 1, 31)
    while not demo.cal.is_workday(january):
        january -= timedelta(days=1)
    demo.open_case(
        case,
        demo.t(14, "09:30"),
        CaseSpec(
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
    demo.say(
        demo.t(14, "09:35"),
        "石俊杰",
        "上门对接：企业拟境外发行 2748 万美元债券用于增资，资金须 1 月底前到位，梳理办理路径",
        case=case,
        channel=Channel.IN_PERSON,
        direction=OUT,
        duration=55 * 60,
    )
    demo.assign(case, "ndrc", demo.t(14, "10:40"), contact="魏承泽")
    demo.assign(case, "commerce", demo.t(14, "10:40"), contact="杜若琳")
    demo.assign(case, "registration", demo.t(14, "10:40"), contact="冯晨曦")
    demo.assign(case, "forex", demo.t(14, "10:41"), contact="俞晓峰", department=BANK_FOREX)
    demo.held(case, "commerce", demo.t(13, "09:00"), demo.t(13, "11:20"))
    plan = "境外发债方案及募集说明书"
    demo.relay(case, plan, demo.t(13, "08:50"), demo.t(13, "09:04"))
    demo.step(case, "ndrc", A.IN_PROGRESS, demo.t(13, "09:05"))
    demo.doc(
        case,
        plan,
        D.RETURNED,
        demo.t(12, "14:40"),
        reason="募集说明书需附中文译本，审计报告需加盖骑缝章",
    )
    demo.step(
        case,
        "ndrc",
        A.WAITING_COMPANY,
        demo.t(12, "15:00"),
        "等待企业补充募集说明书中文译本及审计报告",
    )
    demo.say(
        demo.t(12, "15:05"),
        "江雪莹",
        "转告企业：发改局要求募集说明书附中文译本、审计报告加盖骑缝章",
        case=case,
        direction=OUT,
    )
    resolution = "董事会增资决议"
    demo.relay(case, resolution, demo.t(6, "10:00"), demo.t(5, "09:40"))
    demo.step(case, "registration", A.IN_PROGRESS, demo.t(5, "10:00"))
    demo.say(
        demo.t(3, "11:15"),
        "冯晨曦",
        "催办外资变更登记，对方答复需省局系统审核，明天中午前回复",
        case=case,
        direction=OUT,
        follow_up=demo.t(2, "12:00"),
        key="bond:registration-chase",
    )
    demo.do(
        demo.t(2, "16:00"),
        lambda: actions.update(
            demo.store,
            demo.action_ids[(case, "registration")],
            notes="窗口反馈需省局系统审核，已多次催办",
        ),
    )
    demo.say(
        demo.t(2, "16:30"),
        "石俊杰",
        "催企业尽快提交募集说明书中文译本",
        case=case,
        channel=Channel.WECHAT,
        direction=OUT,
        follow_up=demo.t(1, "10:00"),
        key="bond:translation",
    )
    demo.follow_up_done("bond:translation", demo.t(1, "09:40"))
    demo.say(
        demo.t(1, "09:40"),
        "石俊杰",
        "企业回复：中文译本翻译公司周内交稿",
        case=case,
        channel=Channel.WECHAT,
    )
    forex_docs = "外债登记申请材料"
    demo.relay(case, forex_docs, demo.t(1, "15:00"))
    demo.doc(case, forex_docs, D.FORWARDED, demo.t(1, "15:08"), destination=BANK_FOREX)
    demo.step(case, "forex", A.IN_PROGRESS, demo.t(1, "15:10"))
    demo.do(
        demo.t(1, "15:12"),
        lambda: actions.update(
            demo.store,
            demo.action_ids[(case, "forex")],
            due_at=demo.later_today(),
            notes="银行承诺今日完成外债签约登记预审",
        ),
    )
    demo.say(
        demo.t(1, "17:10"),
        "俞晓峰",
        "银行：外债签约登记预审今天下班前给结果，届时回电确认",
        case=case,
        follow_up=demo.later_today(),
        key="bond:forex-result",
    )
    demo.plan(
        case,
        "bond",
        demo.t(14, "09:30"),
        None,
        (BOND_CO, NDRC, COMMERCE, MARKET, BANK_FOREX),
        weight=1.4,
        focus=(14, 12, 5, 1),
    )


def talent_match(demo: Runner) -> None:
    case = "talent"
    demo.open_case(
        case,
        demo.t(18, "10:00"),
        CaseSpec(
            "甬能动力电池首席人才官对接：固态电池研发负责人",
            company=BATTERY_CO,
            template_key="talent_match",
            tags=("人才引进", "首席人才官"),
            notes="为企业董事长对接关键人才：某日资汽车企业前研究员，拟任固态电池研发负责人。",
        ),
    )
    demo.assign(case, "needs", demo.t(18, "10:10"), contact="唐思琪")
    demo.assign(case, "policy", demo.t(18, "10:10"), contact="蒋浩然")
    demo.held(case, "needs", demo.t(18, "10:30"), demo.t(16, "16:00"))
    demo.relay(case, "人才需求表", demo.t(18, "11:00"), demo.t(18, "11:10"), demo.t(17, "09:30"))
    demo.held(case, "interview", demo.t(16, "16:10"), demo.t(4, "11:00"))
    demo.say(
        demo.t(9, "14:00"),
        "周博文",
        "陪同周博文（某日资汽车企业前研究员）到甬能公司与袁董面谈，双方初步达成意向",
        case=case,
        channel=Channel.MEETING,
        direction=OUT,
        duration=80 * 60,
    )
    demo.relay(case, "人才简历及学历证明", demo.t(5, "16:20"), demo.t(4, "11:15"))
    demo.step(case, "policy", A.IN_PROGRESS, demo.t(4, "11:10"))
    demo.say(
        demo.t(4, "11:20"),
        "宋晓琳",
        "企业确认录用，劳动合同拟下周签订",
        case=case,
        channel=Channel.WECHAT,
    )
    demo.plan(
        case,
        "talent",
        demo.t(18, "10:00"),
        None,
        (BATTERY_CO, TALENT_OFFICE, HR, "周博文"),
        weight=0.8,
        focus=(9, 4),
    )


def equipment_landing(demo: Runner) -> None:
    """An ordinary landing in progress, its business licence overdue."""
    case = "equipment"
    demo.open_case(
        case,
        demo.t(3, "09:10"),
        CaseSpec(
            "澜拓智能装备生产基地项目注册落地",
            company=EQUIPMENT_CO,
            template_key="company_landing",
            amount=Decimal("50000000"),
            currency="CNY",
            tags=("全程代办", "市外内资"),
        ),
    )
    demo.assign(case, "licence", demo.t(3, "09:15"), contact="钱梓轩")
    demo.assign(case, "bank", demo.t(3, "09:15"), department=BANK_LOCAL)
    demo.held(case, "park", demo.t(3, "09:20"), demo.t(2, "10:40"))
    demo.relay(case, "住所使用证明（园区租赁协议）", demo.t(3, "09:22"), demo.t(3, "09:25"))
    demo.doc(case, "住所使用证明（园区租赁协议）", D.ACCEPTED, demo.t(2, "10:35"))
    for title in ("公司登记（备案）申请书", "公司章程"):
        demo.relay(case, title, demo.t(3, "14:00"), demo.t(2, "10:50"))
    demo.relay(case, "股东主体资格证明", demo.t(3, "14:05"))
    demo.doc(
        case,
        "股东主体资格证明",
        D.RETURNED,
        demo.t(2, "15:00"),
        reason="股东营业执照复印件需加盖公章",
    )
    demo.step(case, "licence", A.IN_PROGRESS, demo.t(2, "10:45"))
    demo.say(
        demo.t(2, "15:02"),
        "姚倩",
        "通知企业：股东营业执照复印件需加盖公章后重新提交",
        case=case,
        direction=OUT,
        follow_up=demo.later_today(),
        key="equipment:stamp",
    )
    demo.plan(
        case,
        "landing",
        demo.t(3, "09:10"),
        None,
        (EQUIPMENT_CO, PARK, MARKET, TAX, BANK_LOCAL),
        weight=1.2,
        focus=(3, 2),
    )


def land_auction(demo: Runner) -> None:
    """Bringing under-used industrial land back to market."""
    case = "land"
    demo.open_case(
        case,
        demo.t(26, "09:00"),
        CaseSpec(
            "原永骏五金厂低效工业用地收回并挂牌出让",
            company=HARDWARE_CO,
            kind="低效用地盘活",
            amount=Decimal("38600000"),
            currency="CNY",
            tags=("低效用地", "土地出让"),
            notes="地块约 26 亩，收回后挂牌出让给先进制造业项目；挂牌起始价 3860 万元。",
        ),
    )
    at = demo.t(26, "09:05")
    demo.new_action(at, case, "zoning", LAND, "地块规划条件核定", 15, 30, (), "范国栋")
    demo.new_action(
        at, case, "valuation", LAND, "土地估价报告备案", 22.5, 45, ("zoning",), "范国栋"
    )
    demo.new_action(
        at, case, "listing", TRADE, "挂牌出让公告发布", 15, 22.5, ("valuation",), "蔡明辉"
    )
    demo.new_action(at, case, "bidders", TRADE, "竞买资格审查", 37.5, 75, ("listing",), "蔡明辉")
    survey, valuation, agreement = "地块现状测绘报告", "土地估价报告", "土地收回协议"
    demo.new_document(at, case, survey, HARDWARE_CO, LAND, True)
    demo.new_document(at, case, valuation, LAND, TRADE, True)
    demo.new_document(at, case, agreement, HARDWARE_CO, LAND, True)
    demo.held(case, "zoning", demo.t(25, "09:30"), demo.t(20, "16:00"))
    demo.relay(case, survey, demo.t(24, "10:00"), demo.t(24, "10:30"), demo.t(22, "15:00"))
    demo.held(case, "valuation", demo.t(20, "16:10"), demo.t(12, "11:00"))
    demo.relay(case, valuation, demo.t(12, "11:30"), demo.t(2, "09:20"))
    demo.step(case, "listing", A.IN_PROGRESS, demo.t(2, "09:30"))
    demo.do(
        demo.t(2, "09:35"),
        lambda: actions.update(
            demo.store,
            demo.action_ids[(case, "listing")],
            due_at=demo.later_today(),
            notes="交易中心答复今日发布挂牌公告",
        ),
    )
    demo.plan(
        case,
        "land",
        demo.t(26, "09:00"),
        None,
        (HARDWARE_CO, LAND, TRADE),
        weight=0.7,
        focus=(24, 12, 2),
    )
