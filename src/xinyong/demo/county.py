"""The demo county (示范县): its departments, staff, what each department licenses and penalises, and how
each department sends its files.

Plain data only; :mod:`xinyong.demo.generate` (with its pieces ``people``, ``decisions``, ``mistakes``
and ``files``) turns it into subjects, records and files, and :mod:`xinyong.demo.services` loads them.
"""

from __future__ import annotations

from dataclasses import dataclass

from xinyong.accounts.models import Role

REGION = "360499"  # a fictional county under a real prefecture code
COUNTY = "示范县"
DEMO_PASSWORD = "Xinyong@Demo2026"
DEMO_API_CLIENT = "演示接口客户端（市场监管局）"

# (code, name, parent code) — the county government and its departments; the court stands apart.
DEPARTMENTS: list[tuple[str, str, str | None]] = [
    ("gov", f"{COUNTY}人民政府", None),
    ("dev-reform", f"{COUNTY}发展和改革委员会（县信用办）", "gov"),
    ("samr", f"{COUNTY}市场监督管理局", "gov"),
    ("tax", f"国家税务总局{COUNTY}税务局", None),
    ("court", f"{COUNTY}人民法院", None),
    ("emergency", f"{COUNTY}应急管理局", "gov"),
    ("ecology", f"示范市生态环境局{COUNTY}分局", "gov"),
    ("hrss", f"{COUNTY}人力资源和社会保障局", "gov"),
    ("finance", f"{COUNTY}财政局", "gov"),
    ("housing", f"{COUNTY}住房和城乡建设局", "gov"),
    ("transport", f"{COUNTY}交通运输局", "gov"),
    ("civil-affairs", f"{COUNTY}民政局", "gov"),
    ("staffing", f"中共{COUNTY}委机构编制委员会办公室", None),
    ("public-security", f"{COUNTY}公安局", "gov"),
    ("agriculture", f"{COUNTY}农业农村局", "gov"),
    ("natural-resources", f"{COUNTY}自然资源局", "gov"),
    ("health", f"{COUNTY}卫生健康委员会", "gov"),
    ("education", f"{COUNTY}教育体育局", "gov"),
    ("culture-tourism", f"{COUNTY}文化广电旅游局", "gov"),
    ("water", f"{COUNTY}水利局", "gov"),
    ("commerce", f"{COUNTY}商务局", "gov"),
    ("medical-insurance", f"{COUNTY}医疗保障局", "gov"),
    ("urban-management", f"{COUNTY}综合行政执法局", "gov"),
    ("approval", f"{COUNTY}行政审批局", "gov"),
    ("fire", f"{COUNTY}消防救援大队", None),
]

# (username, role, department code, display name): the platform's own staff. Every department that sends
# records also gets a data officer "<code>_data" (see UPLOADS).
STAFF: list[tuple[str, str, str, str]] = [
    ("xinban", Role.OPERATOR, "dev-reform", "信用办管理员"),
    ("samr_review", Role.REVIEWER, "samr", "市场监管局审核员"),
    ("chuangkou", Role.WINDOW_CLERK, "approval", "政务服务窗口"),
    ("shenji", Role.AUDITOR, "dev-reform", "审计员"),
]


@dataclass(frozen=True)
class Upload:
    """How a department sends its files: format, header style, date style, and how punctual it is."""

    short: str  # short name, for the data officer and messages
    format: str  # xlsx | csv-gbk | csv-utf8 | csv-utf8-bom
    headers: str  # code (CF_WSH) | name (行政处罚决定书文号) | synonym (处罚决定书文号) | legacy (2016 codes)
    dates: str  # cell (XLSX date cells) | iso | slash | compact | chinese
    abbr: str  # department abbreviation in document numbers (示市监罚〔2025〕12号)
    on_time: float = 0.93  # share of records sent within 7 working days of the decision
    source_columns: bool = True  # False: the file leaves 数据来源单位 to the platform


# Departments that send licensing and penalty decisions, and how they do it. Formats follow what their
# systems export: the tax and public-security systems give GBK CSV, offices working in Excel send XLSX.
UPLOADS: dict[str, Upload] = {
    "samr": Upload("市场监管局", "xlsx", "name", "cell", "市监"),
    "approval": Upload("行政审批局", "csv-utf8", "name", "iso", "审批"),
    "tax": Upload("税务局", "csv-gbk", "code", "compact", "税", on_time=0.97),
    "housing": Upload("住建局", "xlsx", "synonym", "chinese", "建", on_time=0.8),
    "transport": Upload("交通运输局", "csv-gbk", "synonym", "slash", "交"),
    "health": Upload("卫健委", "xlsx", "name", "cell", "卫"),
    "ecology": Upload("生态环境分局", "csv-utf8-bom", "code", "iso", "环", on_time=0.88),
    "culture-tourism": Upload("文广旅局", "csv-gbk", "name", "chinese", "文旅", source_columns=False),
    "education": Upload("教体局", "xlsx", "name", "cell", "教"),
    "civil-affairs": Upload("民政局", "csv-gbk", "name", "slash", "民", on_time=0.85),
    "water": Upload("水利局", "csv-utf8", "synonym", "iso", "水", source_columns=False),
    "natural-resources": Upload("自然资源局", "xlsx", "code", "cell", "自然资源", on_time=0.75),
    "agriculture": Upload("农业农村局", "csv-gbk", "synonym", "iso", "农"),
    "public-security": Upload("公安局", "csv-gbk", "legacy", "compact", "公"),
    "emergency": Upload("应急管理局", "xlsx", "synonym", "cell", "应急"),
    "fire": Upload("消防救援大队", "csv-utf8-bom", "name", "slash", "消"),
    "urban-management": Upload("综合行政执法局", "csv-gbk", "name", "iso", "综执"),
    "hrss": Upload("人社局", "xlsx", "name", "cell", "人社", on_time=0.85),
    "medical-insurance": Upload("医保局", "csv-utf8", "code", "iso", "医保"),
    "commerce": Upload("商务局", "csv-gbk", "name", "chinese", "商", source_columns=False),
}

# Departments that enter list entries and honours in the console form rather than sending files (see
# demo.other_items); they get a data officer "<code>_data" too.
FORM_OFFICERS: dict[str, str] = {"court": "法院", "dev-reform": "信用办"}

# Subject groups: e enterprise (91), c farmers' cooperative (93), s social organisation (51/52/53),
# b 个体工商户 (92, or the no-code USCC with a 工商注册号), p natural person. Shares of the registry:
GROUP_SHARES = {"e": 0.52, "c": 0.03, "s": 0.05, "b": 0.22, "p": 0.18}
NO_CODE_SHARE = 0.15  # 个体工商户 registered before 2016 that still have no USCC


@dataclass(frozen=True)
class LicenceType:
    department: str
    certificate: str  # 许可证书名称
    matter: str  # 许可事项; the decision is “{matter}决定书”
    category: str  # 许可类别 (code list license_kind)
    contents: tuple[str, ...]  # 许可内容, one drawn per licence
    years: int  # validity in years; 0 = long-term (2099-12-31)
    groups: str  # subject groups it is issued to
    weight: float
    prefix: str  # 许可编号 prefix
    sectors: tuple[str, ...] = ()  # enterprises it is issued to, by industry (empty: any)


@dataclass(frozen=True)
class PenaltyType:
    department: str
    act: str  # 违法行为类型
    fact: str  # 违法事实 (completed with the date and circumstances)
    basis: str  # 处罚依据
    groups: str
    sanctions: tuple[tuple[tuple[str, ...], float], ...]  # (处罚类别, weight)
    fines: tuple[float, ...]  # typical fines in 万元
    weight: float
    sectors: tuple[str, ...] = ()  # enterprises it concerns, by industry (empty: any)


# Industries (INDUSTRIES below) that the decisions concern.
FOOD = ("食品", "餐饮管理", "商贸", "酒店管理", "茶业")
BUILDING = ("建筑工程", "房地产开发", "建材")
HAULAGE = ("物流", "运输", "建材", "矿业")
FACTORIES = ("化工", "建材", "机械制造", "矿业", "家具", "纺织", "电子", "食品")
RETAIL = ("商贸", "餐饮管理", "酒店管理", "医药连锁", "汽车销售服务", "食品")
VENUES = ("酒店管理", "文化传媒", "餐饮管理", "商贸")
FARMING = ("农业开发", "商贸", "茶业")

LICENCES: list[LicenceType] = [
    LicenceType(
        "samr",
        "食品经营许可证",
        "食品经营许可",
        "普通",
        (
            "预包装食品（含冷藏冷冻食品）销售",
            "散装食品（不含冷藏冷冻食品）销售",
            "热食类食品制售",
            "冷食类食品制售",
        ),
        5,
        "eb",
        12,
        "JY1",
        sectors=FOOD,
    ),
    LicenceType(
        "samr",
        "食品生产许可证",
        "食品生产许可",
        "普通",
        ("糕点", "饮料", "调味品", "茶叶及相关制品"),
        5,
        "e",
        2,
        "SC1",
        sectors=("食品", "茶业"),
    ),
    LicenceType(
        "samr",
        "特种设备使用登记证",
        "特种设备使用登记",
        "登记",
        ("电梯", "压力容器", "场（厂）内专用机动车辆"),
        0,
        "e",
        3,
        "TS",
        sectors=("机械制造", "化工", "房地产开发", "酒店管理", "物流", "建材"),
    ),
    LicenceType(
        "approval",
        "建筑工程施工许可证",
        "建筑工程施工许可",
        "普通",
        ("住宅楼新建工程", "厂房新建工程", "商业综合体新建工程"),
        0,
        "e",
        4,
        "SG",
        sectors=BUILDING,
    ),
    LicenceType(
        "approval",
        "人力资源服务许可证",
        "人力资源服务许可",
        "普通",
        ("职业介绍", "人才信息网络服务"),
        5,
        "e",
        1,
        "RL",
        sectors=("劳务",),
    ),
    LicenceType(
        "approval",
        "企业投资项目核准批复",
        "企业投资项目核准",
        "核准",
        ("年产 5 万吨项目核准", "技术改造项目核准"),
        2,
        "e",
        1,
        "HZ",
    ),
    LicenceType(
        "housing",
        "商品房预售许可证",
        "商品房预售许可",
        "普通",
        ("住宅预售", "商业用房预售"),
        0,
        "e",
        1,
        "YS",
        sectors=("房地产开发",),
    ),
    LicenceType(
        "housing",
        "建筑业企业资质证书",
        "建筑业企业资质核准",
        "认可",
        ("施工总承包三级", "专业承包三级"),
        5,
        "e",
        2,
        "JZ",
        sectors=("建筑工程", "劳务"),
    ),
    LicenceType(
        "transport",
        "道路运输经营许可证",
        "道路运输经营许可",
        "普通",
        ("道路普通货物运输", "道路旅客运输（县内班车客运）"),
        4,
        "eb",
        4,
        "YY",
        sectors=("物流", "运输"),
    ),
    LicenceType(
        "transport",
        "道路运输从业资格证",
        "道路运输从业人员从业资格",
        "认可",
        ("经营性道路货物运输驾驶员", "经营性道路旅客运输驾驶员"),
        6,
        "p",
        4,
        "CY",
    ),
    LicenceType(
        "health",
        "公共场所卫生许可证",
        "公共场所卫生许可",
        "普通",
        ("住宿场所", "沐浴场所", "美容美发场所"),
        4,
        "eb",
        6,
        "WS",
        sectors=("酒店管理", "餐饮管理", "文化传媒"),
    ),
    LicenceType(
        "health",
        "医疗机构执业许可证",
        "医疗机构执业登记",
        "登记",
        ("内科", "口腔科", "中医科"),
        5,
        "es",
        1,
        "YL",
        sectors=("医药连锁",),
    ),
    LicenceType(
        "health",
        "医师执业证书",
        "医师执业注册",
        "认可",
        ("临床类别 内科专业", "中医类别 中医专业", "口腔类别 口腔专业"),
        0,
        "p",
        2,
        "YS",
    ),
    LicenceType(
        "ecology",
        "排污许可证",
        "排污许可",
        "普通",
        ("大气污染物排放", "水污染物排放"),
        5,
        "e",
        2,
        "PW",
        sectors=FACTORIES,
    ),
    LicenceType(
        "culture-tourism",
        "娱乐经营许可证",
        "娱乐场所经营许可",
        "普通",
        ("歌舞娱乐场所", "游艺娱乐场所"),
        0,
        "eb",
        2,
        "YL",
        sectors=("文化传媒", "酒店管理"),
    ),
    LicenceType(
        "culture-tourism",
        "网络文化经营许可证",
        "互联网上网服务营业场所经营许可",
        "普通",
        ("互联网上网服务营业场所",),
        0,
        "eb",
        1,
        "WW",
        sectors=("文化传媒", "科技"),
    ),
    LicenceType(
        "education",
        "教师资格证书",
        "教师资格认定",
        "认可",
        ("幼儿园教师资格", "小学教师资格", "初级中学教师资格"),
        0,
        "p",
        5,
        "JS",
    ),
    LicenceType(
        "education",
        "民办学校办学许可证",
        "民办学校办学许可",
        "普通",
        ("学前教育", "文化教育培训"),
        5,
        "s",
        1,
        "JM",
    ),
    LicenceType(
        "civil-affairs",
        "社会组织登记证书",
        "社会组织成立登记",
        "登记",
        ("社会团体成立登记", "民办非企业单位成立登记"),
        5,
        "s",
        2,
        "MZ",
    ),
    LicenceType(
        "water",
        "取水许可证",
        "取水许可",
        "普通",
        ("地表水取水", "地下水取水"),
        5,
        "e",
        1,
        "QS",
        sectors=("食品", "化工", "纺织", "农业开发", "矿业"),
    ),
    LicenceType(
        "natural-resources",
        "建设用地规划许可证",
        "建设用地规划许可",
        "普通",
        ("工业用地", "商业服务业设施用地"),
        0,
        "e",
        1,
        "GH",
        sectors=("房地产开发", "机械制造", "电子", "家具"),
    ),
    LicenceType(
        "natural-resources",
        "采矿许可证",
        "采矿权新立",
        "特许",
        ("建筑用砂石土矿开采",),
        5,
        "e",
        0.5,
        "CK",
        sectors=("矿业", "建材"),
    ),
    LicenceType(
        "agriculture",
        "农药经营许可证",
        "农药经营许可",
        "普通",
        ("农药（不含限制使用农药）经营",),
        5,
        "ebc",
        2,
        "NY",
        sectors=FARMING,
    ),
    LicenceType(
        "agriculture",
        "兽药经营许可证",
        "兽药经营许可",
        "普通",
        ("兽用化学药品、中药经营",),
        5,
        "ebc",
        1,
        "SY",
        sectors=("农业开发", "商贸"),
    ),
    LicenceType(
        "public-security",
        "特种行业许可证",
        "旅馆业特种行业许可",
        "普通",
        ("旅馆业",),
        0,
        "eb",
        2,
        "TH",
        sectors=("酒店管理",),
    ),
    LicenceType(
        "emergency",
        "危险化学品经营许可证",
        "危险化学品经营许可",
        "普通",
        ("汽油、柴油零售", "工业气体经营（不带储存）"),
        3,
        "e",
        1,
        "WH",
        sectors=("化工", "商贸", "汽车销售服务"),
    ),
    LicenceType(
        "emergency",
        "烟花爆竹经营（零售）许可证",
        "烟花爆竹零售经营许可",
        "普通",
        ("烟花爆竹零售",),
        1,
        "b",
        2,
        "YH",
    ),
    LicenceType(
        "fire",
        "公众聚集场所投入使用、营业前消防安全检查合格证",
        "公众聚集场所投入使用、营业前消防安全检查",
        "普通",
        ("商场", "宾馆", "歌舞厅"),
        0,
        "eb",
        2,
        "XF",
        sectors=VENUES,
    ),
]

_FINE = ("罚款",)
_WARN = ("警告",)
PENALTIES: list[PenaltyType] = [
    PenaltyType(
        "samr",
        "销售不符合食品安全标准的食品",
        "在经营场所销售超过保质期的预包装食品",
        "《中华人民共和国食品安全法》第一百二十四条第一款",
        "eb",
        (
            (("罚款", "没收违法所得"), 5),
            (("罚款", "没收违法所得", "没收非法财物"), 2),
            (_FINE, 2),
            (("吊销许可证件", "罚款"), 0.3),
        ),
        (0.5, 1, 2, 5, 10),
        8,
        sectors=FOOD,
    ),
    PenaltyType(
        "samr",
        "未取得食品经营许可从事食品经营活动",
        "未取得食品经营许可证擅自从事食品经营",
        "《中华人民共和国食品安全法》第一百二十二条第一款",
        "b",
        ((("罚款", "没收违法所得", "没收非法财物"), 3), (("罚款", "没收违法所得"), 2)),
        (0.5, 1, 2),
        4,
    ),
    PenaltyType(
        "samr",
        "虚假宣传",
        "对商品的性能、功能作虚假的商业宣传",
        "《中华人民共和国反不正当竞争法》第二十条第一款",
        "e",
        ((_FINE, 1),),
        (2, 5, 10, 20),
        2,
        sectors=("商贸", "科技", "医药连锁", "环保科技", "电子", "汽车销售服务"),
    ),
    PenaltyType(
        "samr",
        "不按规定明码标价",
        "未按规定对所售商品明码标价",
        "《明码标价和禁止价格欺诈规定》第二十一条",
        "eb",
        ((_WARN, 3), (_FINE, 1)),
        (0.1, 0.2, 0.5),
        3,
        sectors=RETAIL,
    ),
    PenaltyType(
        "emergency",
        "未按规定对从业人员进行安全生产教育和培训",
        "未如实记录安全生产教育和培训情况，部分从业人员未经培训上岗",
        "《中华人民共和国安全生产法》第九十七条第三项",
        "e",
        ((_FINE, 3), (_WARN, 1)),
        (1, 2, 3, 5),
        3,
        sectors=(*FACTORIES, "建筑工程"),
    ),
    PenaltyType(
        "ecology",
        "超过大气污染物排放标准排放大气污染物",
        "经监测，废气排放口颗粒物浓度超过排放标准",
        "《中华人民共和国大气污染防治法》第九十九条第二项",
        "e",
        ((_FINE, 4), (("责令停产停业", "罚款"), 0.5)),
        (10, 20, 30, 50),
        3,
        sectors=FACTORIES,
    ),
    PenaltyType(
        "ecology",
        "建设项目未依法报批环境影响评价文件擅自开工建设",
        "建设项目环境影响报告表未经批准擅自开工建设",
        "《中华人民共和国环境影响评价法》第三十一条第一款",
        "e",
        ((_FINE, 1),),
        (5, 8, 12),
        1,
        sectors=FACTORIES,
    ),
    PenaltyType(
        "tax",
        "未按照规定期限办理纳税申报和报送纳税资料",
        "未按照规定期限办理增值税纳税申报",
        "《中华人民共和国税收征收管理法》第六十二条",
        "ebp",
        ((_FINE, 1),),
        (0.005, 0.01, 0.02, 0.05, 0.2),
        8,
    ),
    PenaltyType(
        "tax",
        "未按照规定开具发票",
        "销售货物未按照规定开具发票",
        "《中华人民共和国发票管理办法》第三十五条第一项",
        "eb",
        ((_FINE, 2), (("罚款", "没收违法所得"), 1)),
        (0.05, 0.1, 0.5, 1),
        3,
    ),
    PenaltyType(
        "transport",
        "未取得道路运输经营许可擅自从事道路运输经营",
        "未取得道路运输经营许可，驾驶车辆从事道路旅客运输经营",
        "《中华人民共和国道路运输条例》第六十三条",
        "bp",
        ((("罚款", "没收违法所得"), 2), (_FINE, 3)),
        (0.5, 1, 2, 3),
        4,
    ),
    PenaltyType(
        "transport",
        "车辆违法超限运输",
        "驾驶的货运车辆车货总质量超过限定标准在公路上行驶",
        "《公路安全保护条例》第六十四条",
        "ep",
        ((_FINE, 1),),
        (0.05, 0.1, 0.3, 1, 3),
        3,
        sectors=HAULAGE,
    ),
    PenaltyType(
        "fire",
        "消防设施、器材未保持完好有效",
        "经营场所室内消火栓无水、灭火器压力不足",
        "《中华人民共和国消防法》第六十条第一款第一项",
        "eb",
        ((_FINE, 3), (_WARN, 1)),
        (0.5, 1, 2, 5),
        3,
        sectors=(*VENUES, "纺织", "家具"),
    ),
    PenaltyType(
        "public-security",
        "殴打他人",
        "因琐事与他人发生纠纷并殴打他人，致人轻微伤",
        "《中华人民共和国治安管理处罚法》第四十三条第一款",
        "p",
        ((("行政拘留", "罚款"), 3), (("行政拘留",), 1), (_FINE, 1)),
        (0.02, 0.03, 0.05),
        4,
    ),
    PenaltyType(
        "public-security",
        "赌博",
        "以营利为目的参与赌博，赌资较大",
        "《中华人民共和国治安管理处罚法》第七十条",
        "p",
        ((_FINE, 3), (("行政拘留", "罚款"), 1)),
        (0.05, 0.1, 0.3),
        3,
    ),
    PenaltyType(
        "public-security",
        "旅馆业工作人员对住宿旅客不按规定登记",
        "旅馆工作人员对住宿旅客不按规定登记姓名、身份证件种类和号码",
        "《中华人民共和国治安管理处罚法》第五十六条第一款",
        "b",
        ((_FINE, 2), (_WARN, 1)),
        (0.02, 0.05),
        1,
    ),
    PenaltyType(
        "urban-management",
        "擅自占用城市道路摆摊设点",
        "未经批准在城区主干道人行道上摆摊设点经营",
        "《城市市容和环境卫生管理条例》第三十六条第二项",
        "bp",
        ((_WARN, 3), (_FINE, 2)),
        (0.005, 0.01, 0.02, 0.05),
        5,
    ),
    PenaltyType(
        "urban-management",
        "未取得建设工程规划许可证进行建设",
        "未取得建设工程规划许可证擅自建设",
        "《中华人民共和国城乡规划法》第六十四条",
        "ep",
        ((_FINE, 2), (("罚款", "没收非法财物"), 0.5)),
        (0.5, 1, 3, 5),
        2,
    ),
    PenaltyType(
        "housing",
        "未取得施工许可证擅自施工",
        "建设工程未取得施工许可证擅自开工",
        "《建筑工程施工许可管理办法》第十二条",
        "e",
        ((_FINE, 1),),
        (1, 2, 3),
        2,
        sectors=BUILDING,
    ),
    PenaltyType(
        "health",
        "未依法取得公共场所卫生许可证擅自营业",
        "未取得公共场所卫生许可证擅自从事美容美发经营",
        "《公共场所卫生管理条例实施细则》第三十五条第一款",
        "b",
        ((_WARN, 2), (_FINE, 2)),
        (0.05, 0.1, 0.5),
        3,
    ),
    PenaltyType(
        "health",
        "使用非卫生技术人员从事医疗卫生技术工作",
        "聘用未取得执业资格的人员从事诊疗活动",
        "《医疗机构管理条例》第四十七条",
        "es",
        ((_FINE, 1),),
        (1, 3, 5),
        1,
        sectors=("医药连锁",),
    ),
    PenaltyType(
        "agriculture",
        "经营劣质农药",
        "经营的农药经抽检有效成分含量不符合标准",
        "《农药管理条例》第五十六条第一款",
        "ebc",
        ((("罚款", "没收违法所得", "没收非法财物"), 2), (_FINE, 1)),
        (0.5, 1, 2),
        2,
        sectors=FARMING,
    ),
    PenaltyType(
        "agriculture",
        "在禁渔期内进行捕捞",
        "在禁渔期内使用禁用渔具在河道内进行捕捞",
        "《中华人民共和国渔业法》第三十八条第一款",
        "p",
        ((("罚款", "没收非法财物"), 2), (_FINE, 1)),
        (0.05, 0.1, 0.2),
        3,
    ),
    PenaltyType(
        "natural-resources",
        "未经批准非法占用土地",
        "未经批准擅自占用集体土地建设厂房",
        "《中华人民共和国土地管理法》第七十七条第一款",
        "ep",
        ((("罚款", "没收非法财物"), 1), (_FINE, 2)),
        (1, 3, 5, 10),
        2,
        sectors=("建材", "机械制造", "家具", "农业开发", "矿业"),
    ),
    PenaltyType(
        "hrss",
        "安排劳动者延长工作时间超过法定限制",
        "安排劳动者延长工作时间，每月超过三十六小时",
        "《劳动保障监察条例》第二十五条",
        "e",
        ((_WARN, 1), (_FINE, 2)),
        (0.5, 1, 2),
        2,
        sectors=("纺织", "电子", "机械制造", "家具", "劳务", "食品"),
    ),
    PenaltyType(
        "medical-insurance",
        "定点医药机构串换药品",
        "将医保目录外药品串换为目录内药品进行医保结算",
        "《医疗保障基金使用监督管理条例》第三十八条第二项",
        "eb",
        ((_FINE, 2), (("罚款", "暂扣许可证件"), 0.3)),
        (0.5, 1, 2, 5),
        2,
        sectors=("医药连锁",),
    ),
    PenaltyType(
        "culture-tourism",
        "娱乐场所未按规定悬挂警示标志",
        "未在显著位置悬挂未成年人禁入标志",
        "《娱乐场所管理条例》第四十九条第三项",
        "eb",
        ((_WARN, 2), (_FINE, 1)),
        (0.1, 0.5),
        1,
        sectors=("文化传媒", "酒店管理"),
    ),
    PenaltyType(
        "water",
        "未经批准擅自取水",
        "未取得取水许可擅自从河道抽取地表水用于生产",
        "《中华人民共和国水法》第六十九条第一项",
        "ep",
        ((_FINE, 1),),
        (2, 5, 10),
        1,
        sectors=("食品", "化工", "纺织", "矿业"),
    ),
    PenaltyType(
        "commerce",
        "单用途商业预付卡发卡企业未按规定备案",
        "发行单用途商业预付卡后未按规定向商务主管部门备案",
        "《单用途商业预付卡管理办法（试行）》第三十六条",
        "e",
        ((_WARN, 1), (_FINE, 1)),
        (0.5, 1),
        1,
        sectors=("商贸", "餐饮管理", "酒店管理", "汽车销售服务"),
    ),
    PenaltyType(
        "civil-affairs",
        "社会组织未按规定接受年度检查",
        "连续两年未按规定参加年度检查",
        "《社会团体登记管理条例》第三十条第一款第五项",
        "s",
        ((_WARN, 1),),
        (),
        1,
    ),
]

# Names.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文辉鹏飞玲燕萍春兰海波宇浩俊峰婷雪琴欣怡晨阳斌林金荣"
TRADE_FIRST = "恒宏鑫华金瑞新益诚永天众博润盛泰嘉德富兴佳和隆丰源信达安康昌"
TRADE_SECOND = "信达源兴盛丰锐民安昌成和远泽邦宇辉通利旺业发鼎新阳晟茂祥顺创"
INDUSTRIES = [
    ("商贸", "有限公司"),
    ("建筑工程", "有限公司"),
    ("食品", "有限公司"),
    ("物流", "有限公司"),
    ("农业开发", "有限公司"),
    ("科技", "有限公司"),
    ("餐饮管理", "有限公司"),
    ("化工", "有限公司"),
    ("运输", "有限公司"),
    ("环保科技", "有限公司"),
    ("房地产开发", "有限公司"),
    ("建材", "有限责任公司"),
    ("医药连锁", "有限公司"),
    ("酒店管理", "有限公司"),
    ("机械制造", "有限公司"),
    ("纺织", "有限公司"),
    ("电子", "股份有限公司"),
    ("文化传媒", "有限公司"),
    ("矿业", "有限公司"),
    ("劳务", "有限公司"),
    ("汽车销售服务", "有限公司"),
    ("家具", "有限公司"),
    ("茶业", "有限公司"),
]
TOWNS = ["城关镇", "东山镇", "西河镇", "南岭乡", "北坪乡", "青石镇", "桃源乡", "白沙镇", "黄岗镇", "龙潭镇"]
SHOPS = [
    "便利店",
    "小吃店",
    "五金店",
    "理发店",
    "农资店",
    "超市",
    "饭店",
    "水果店",
    "副食店",
    "服装店",
    "早餐店",
    "烟酒店",
    "建材店",
    "家电维修部",
    "茶馆",
    "旅馆",
]
ASSOCIATIONS = [
    "个体劳动者协会",
    "餐饮行业协会",
    "建筑业协会",
    "物流协会",
    "茶叶协会",
    "电子商务协会",
    "书法家协会",
    "摄影家协会",
    "老年人体育协会",
    "青年企业家协会",
    "家庭农场协会",
    "养蜂协会",
    "乡村旅游协会",
    "钓鱼协会",
    "篮球协会",
]
NON_PROFITS = ["幼儿园", "培训学校", "养老院", "康复中心", "社会工作服务中心", "民办医院"]
FOUNDATIONS = ["教育发展基金会", "助学基金会", "慈善基金会", "乡村振兴基金会"]
COOPS = ["蔬菜种植", "茶叶种植", "水产养殖", "生猪养殖", "果业", "中药材种植", "食用菌", "家禽养殖"]
