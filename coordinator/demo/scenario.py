"""The demo scenario's cast and lines: the organisations, the people and their numbers,
the notes of everyday calls, and the tags and targets of the yearly indicators.

The people, companies, phone numbers and notes are all invented; the cases they take
part in are told step by step in :mod:`coordinator.demo.story` and
:mod:`coordinator.demo.background`.
"""

from __future__ import annotations

from coordinator.kinds import (
    ActionStatus,
    Direction,
    DocumentState,
    Indicator,
    OrganisationKind,
)

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
# Looked up as "topic:kind of case" first, then "topic" (see background._notes).

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


# The tags the scenario's cases carry, and the yearly indicator each one feeds.
INDICATOR_TAGS: dict[str, Indicator] = {
    "市外内资": Indicator.DOMESTIC_OUTSIDE_CITY,
    "省外内资": Indicator.OUTSIDE_PROVINCE,
    "合同外资": Indicator.FOREIGN_CONTRACTED,
    "实际利用外资": Indicator.FOREIGN_USED,
}
# Annual targets for the demo year, set so the indicators report has something to say.
DEMO_TARGETS: dict[Indicator, str] = {
    Indicator.DOMESTIC_OUTSIDE_CITY: "360000000",
    Indicator.OUTSIDE_PROVINCE: "250000000",
    Indicator.FOREIGN_CONTRACTED: "50000000",
    Indicator.FOREIGN_USED: "20000000",
}
