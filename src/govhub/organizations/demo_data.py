"""The synthetic Hegang demo directory, as plain data (loaded by `demo.load`).

Region names: the province, city and its eight county-level divisions are real (GB/T
2260). Township and village names are real where well known (e.g. 萝北县凤翔镇, 绥滨县绥滨镇)
and plausible otherwise; their 9- and 12-digit codes follow the pattern of the
statistical division codes (streets 0xx, towns 1xx, townships 2xx; communities 0xx,
villages 2xx) but are assigned for the demo, not copied from the official list.
Department names are the usual legal names; their codes, addresses and phone numbers
are synthetic.
"""

from __future__ import annotations

from typing import NamedTuple

HOURS = "工作日 8:30-11:30，13:30-17:00（法定节假日除外）"
HALL_HOURS = "工作日 8:30-11:30，13:30-17:00；周六 9:00-12:00 提供预约办理"
VILLAGE_HOURS = "工作日 8:30-11:30，13:30-16:30；其他时间可电话预约上门代办"

PROVINCE = ("230000", "黑龙江省", "Heilongjiang Province")
CITY = ("230400", "鹤岗市", "Hegang City")

# (code, name, English name, [(township code, name, English, [(village name, English)])])
Village = tuple[str, str]
Township = tuple[str, str, str, list[Village]]
DIVISIONS: list[tuple[str, str, str, list[Township]]] = [
    ("230402", "向阳区", "Xiangyang District", [
        ("230402001", "红军街道", "Hongjun Subdistrict", [
            ("红军社区", "Hongjun Community"), ("繁荣社区", "Fanrong Community"),
            ("建新社区", "Jianxin Community")]),
        ("230402002", "北山街道", "Beishan Subdistrict", [
            ("北山社区", "Beishan Community"), ("向阳社区", "Xiangyang Community")]),
        ("230402003", "南翼街道", "Nanyi Subdistrict", [
            ("南翼社区", "Nanyi Community"), ("新民社区", "Xinmin Community"),
            ("胜利社区", "Shengli Community")]),
        ("230402004", "光明街道", "Guangming Subdistrict", [
            ("光明社区", "Guangming Community"), ("团结社区", "Tuanjie Community")]),
    ]),
    ("230403", "工农区", "Gongnong District", [
        ("230403001", "红旗街道", "Hongqi Subdistrict", [
            ("红旗社区", "Hongqi Community"), ("建设社区", "Jianshe Community")]),
        ("230403002", "湖滨街道", "Hubin Subdistrict", [
            ("湖滨社区", "Hubin Community"), ("松鹤社区", "Songhe Community"),
            ("育才社区", "Yucai Community")]),
        ("230403003", "新建街道", "Xinjian Subdistrict", [
            ("新建社区", "Xinjian Community"), ("和平社区", "Heping Community")]),
    ]),
    ("230404", "南山区", "Nanshan District", [
        ("230404001", "麓林山街道", "Lulinshan Subdistrict", [
            ("麓林山社区", "Lulinshan Community"), ("富力社区", "Fuli Community")]),
        ("230404002", "铁西街道", "Tiexi Subdistrict", [
            ("铁西社区", "Tiexi Community"), ("六号社区", "Liuhao Community"),
            ("大陆社区", "Dalu Community")]),
    ]),
    ("230405", "兴安区", "Xing'an District", [
        ("230405001", "兴安街道", "Xing'an Subdistrict", [
            ("兴安社区", "Xing'an Community"), ("光宇社区", "Guangyu Community")]),
        ("230405002", "峻德街道", "Junde Subdistrict", [
            ("峻德社区", "Junde Community"), ("兴建社区", "Xingjian Community"),
            ("河东社区", "Hedong Community")]),
    ]),
    ("230406", "东山区", "Dongshan District", [
        ("230406001", "工人村街道", "Gongrencun Subdistrict", [
            ("工人村社区", "Gongrencun Community"), ("三街社区", "Sanjie Community")]),
        ("230406100", "新华镇", "Xinhua Town", [
            ("新华村", "Xinhua Village"), ("红星村", "Hongxing Village"),
            ("长胜村", "Changsheng Village")]),
        ("230406200", "蔬园乡", "Shuyuan Township", [
            ("蔬园村", "Shuyuan Village"), ("新兴村", "Xinxing Village")]),
    ]),
    ("230407", "兴山区", "Xingshan District", [
        ("230407001", "沟北街道", "Goubei Subdistrict", [
            ("沟北社区", "Goubei Community"), ("岭北社区", "Lingbei Community")]),
        ("230407002", "沟南街道", "Gounan Subdistrict", [
            ("沟南社区", "Gounan Community"), ("兴山社区", "Xingshan Community")]),
    ]),
    ("230421", "萝北县", "Luobei County", [
        ("230421100", "凤翔镇", "Fengxiang Town", [
            ("东胜社区", "Dongsheng Community"), ("永丰村", "Yongfeng Village"),
            ("新建村", "Xinjian Village")]),
        ("230421101", "鹤北镇", "Hebei Town", [
            ("鹤北社区", "Hebei Community"), ("建国村", "Jianguo Village")]),
        ("230421102", "名山镇", "Mingshan Town", [
            ("名山村", "Mingshan Village"), ("沿江村", "Yanjiang Village"),
            ("兴隆村", "Xinglong Village")]),
        ("230421103", "团结镇", "Tuanjie Town", [
            ("团结村", "Tuanjie Village"), ("红光村", "Hongguang Village")]),
    ]),
    ("230422", "绥滨县", "Suibin County", [
        ("230422100", "绥滨镇", "Suibin Town", [
            ("中兴社区", "Zhongxing Community"), ("新富村", "Xinfu Village"),
            ("永兴村", "Yongxing Village")]),
        ("230422101", "绥东镇", "Suidong Town", [
            ("绥东村", "Suidong Village"), ("东明村", "Dongming Village")]),
        ("230422102", "忠仁镇", "Zhongren Town", [
            ("忠仁村", "Zhongren Village"), ("太平村", "Taiping Village"),
            ("富强村", "Fuqiang Village")]),
    ]),
]  # fmt: skip

# Seat of each division's government (synthetic street addresses).
DIVISION_SEATS = {
    "230402": "鹤岗市向阳区红军路 55 号",
    "230403": "鹤岗市工农区湖滨路 18 号",
    "230404": "鹤岗市南山区麓林山路 9 号",
    "230405": "鹤岗市兴安区兴安路 26 号",
    "230406": "鹤岗市东山区东山路 31 号",
    "230407": "鹤岗市兴山区沟北路 12 号",
    "230421": "鹤岗市萝北县凤翔镇中心大街 88 号",
    "230422": "鹤岗市绥滨县绥滨镇人民大街 66 号",
}


class DepartmentSpec(NamedTuple):
    code: str
    serial: int  # fixed per department: its USCC and phone never change between runs
    name: str
    short_name: str
    name_en: str
    kind: str
    region: str
    functions: str
    functions_en: str
    address: str
    parent: str = ""


CITY_DEPARTMENTS: list[DepartmentSpec] = [
    DepartmentSpec(
        "hg-gov", 1, "鹤岗市人民政府", "市政府", "The People's Government of Hegang City",
        "government", "230400",
        "市人民政府是市人民代表大会的执行机关和全市的国家行政机关，领导市政府各部门和各区县人民政府的工作，"
        "统筹推进全市“一网通办”政务服务改革。",
        "The executive body of the Hegang Municipal People's Congress and the city's state "
        "administration. It directs the city departments and the district and county "
        "governments and leads the \"one network for all services\" reform.",
        "鹤岗市向阳区振兴路 1 号",
    ),
    DepartmentSpec(
        "hg-gov-office", 2, "鹤岗市人民政府办公室", "市政府办公室",
        "General Office of the Hegang Municipal People's Government", "office", "230400",
        "协助市政府领导处理日常工作，负责公文运转、政务信息、督查督办和政务公开，"
        "组织协调全市政务服务电子监察工作。",
        "Assists the city government's leaders with daily work; handles official documents, "
        "government information, follow-up supervision and open government, and coordinates "
        "the electronic supervision of government services across the city.",
        "鹤岗市向阳区振兴路 1 号", "hg-gov",
    ),
    DepartmentSpec(
        "hg-ndrc", 3, "鹤岗市发展和改革委员会", "市发改委",
        "Hegang Development and Reform Commission", "department", "230400",
        "拟订并组织实施全市国民经济和社会发展规划，负责固定资产投资项目的审批、核准和备案，"
        "牵头优化营商环境。",
        "Drafts and carries out the city's economic and social development plans, approves, "
        "authorises and registers fixed-asset investment projects, and leads the work on the "
        "business environment.",
        "鹤岗市向阳区振兴路 1 号综合办公楼 3 层", "hg-gov",
    ),
    DepartmentSpec(
        "hg-miit", 4, "鹤岗市工业和信息化委员会", "市工信委",
        "Hegang Commission of Industry and Information Technology", "department", "230400",
        "拟订并实施全市工业和信息化发展规划，推进产业结构调整和技术改造，负责工业投资项目备案和中小企业服务。",
        "Plans and promotes industry and information technology in the city, guides "
        "restructuring and technical upgrading, registers industrial investment projects and "
        "serves small and medium-sized enterprises.",
        "鹤岗市向阳区振兴路 1 号综合办公楼 4 层", "hg-gov",
    ),
    DepartmentSpec(
        "hg-civil-affairs", 5, "鹤岗市民政局", "市民政局", "Hegang Civil Affairs Bureau",
        "department", "230400",
        "负责婚姻登记、社会救助、养老服务、殡葬管理和社会组织登记管理等民政工作。",
        "Handles marriage registration, social assistance, elderly care, funeral services "
        "and the registration of social organisations.",
        "鹤岗市向阳区新兴路 21 号", "hg-gov",
    ),
    DepartmentSpec(
        "hg-finance", 6, "鹤岗市财政局", "市财政局", "Hegang Finance Bureau",
        "department", "230400",
        "负责全市财政收支管理、预算编制和执行，监督管理政府采购，管理非税收入。",
        "Manages the city's public revenue and spending, prepares and executes the budget, "
        "supervises government procurement and manages non-tax revenue.",
        "鹤岗市向阳区振兴路 1 号综合办公楼 5 层", "hg-gov",
    ),
    DepartmentSpec(
        "hg-hrss", 7, "鹤岗市人力资源和社会保障局", "市人社局",
        "Hegang Human Resources and Social Security Bureau", "department", "230400",
        "负责就业创业服务、社会保险登记和待遇核定、劳动关系协调和职业技能培训。",
        "Provides employment and start-up services, registers social insurance and sets "
        "benefits, mediates labour relations and organises vocational training.",
        "鹤岗市向阳区民生路 36 号", "hg-gov",
    ),
    DepartmentSpec(
        "hg-amr", 8, "鹤岗市市场监督管理局", "市市场监管局",
        "Hegang Administration for Market Regulation", "department", "230400",
        "负责市场主体登记注册，监管食品药品安全、产品质量和计量标准，查处违法经营行为，维护公平竞争的市场秩序。",
        "Registers businesses, supervises food and drug safety, product quality, metrology "
        "and standards, and acts against illegal business practices to keep competition fair.",
        "鹤岗市向阳区红旗路 120 号", "hg-gov",
    ),
    DepartmentSpec(
        "hg-police", 9, "鹤岗市公安局", "市公安局", "Hegang Public Security Bureau",
        "department", "230400",
        "负责维护社会治安秩序，办理户籍、居民身份证、出入境证件和机动车、驾驶人管理等公安政务服务。",
        "Keeps public order and provides household registration, resident identity cards, "
        "exit-entry documents and vehicle and driver services.",
        "鹤岗市向阳区平安路 110 号", "hg-gov",
    ),
    DepartmentSpec(
        "hg-establishment", 10, "中共鹤岗市委机构编制委员会办公室", "市编办",
        "Office of the Hegang Commission for Public Sector Reform", "department", "230400",
        "负责全市行政管理体制和机构改革，管理机构编制，承担事业单位登记管理，组织编制政务服务事项和权责清单。",
        "Leads reform of the administrative system and public bodies, manages staffing "
        "quotas, registers public institutions and compiles the lists of powers and "
        "service items.",
        "鹤岗市向阳区振兴路 1 号综合办公楼 6 层",
    ),
    DepartmentSpec(
        "hg-legal-affairs", 11, "鹤岗市人民政府法制办公室", "市政府法制办",
        "Legal Affairs Office of the Hegang Municipal People's Government", "agency", "230400",
        "负责政府规章和规范性文件的合法性审查，办理行政复议和行政应诉，监督行政执法工作。",
        "Reviews the legality of government rules and normative documents, handles "
        "administrative reconsideration and litigation, and oversees law enforcement.",
        "鹤岗市向阳区振兴路 1 号综合办公楼 7 层", "hg-gov",
    ),
    DepartmentSpec(
        "hg-service-centre", 12, "鹤岗市政务服务中心", "市政务服务中心",
        "Hegang Government Affairs Service Centre", "service_centre", "230400",
        "负责鹤岗市政务服务大厅的运行管理，组织各部门进驻大厅集中办理政务服务事项，推行“一窗受理、集成服务”，"
        "提供帮办代办和统一出件服务。",
        "Runs the Hegang government service hall, brings departments together to handle "
        "their services in one place under \"one window, integrated service\", and provides "
        "help, agency and result-collection services.",
        "鹤岗市向阳区解放路 166 号", "hg-gov",
    ),
    DepartmentSpec(
        "hg-housing", 13, "鹤岗市住房和城乡建设局", "市住建局",
        "Hegang Housing and Urban-Rural Development Bureau", "department", "230400",
        "负责建筑工程施工许可，监管房地产开发和物业管理，推进城市建设和住房保障工作。",
        "Issues construction permits, regulates property development and property "
        "management, and oversees urban construction and housing support.",
        "鹤岗市向阳区建设路 58 号", "hg-gov",
    ),
    DepartmentSpec(
        "hg-transport", 14, "鹤岗市交通运输局", "市交通运输局", "Hegang Transport Bureau",
        "department", "230400",
        "负责道路运输经营许可、公路和客运管理、交通基础设施建设和运输市场监管。",
        "Licenses road transport operators, manages highways and passenger transport, builds "
        "transport infrastructure and regulates the transport market.",
        "鹤岗市工农区交通路 8 号", "hg-gov",
    ),
    DepartmentSpec(
        "hg-education", 15, "鹤岗市教育局", "市教育局", "Hegang Education Bureau",
        "department", "230400",
        "统筹管理全市各级各类教育，办理民办学校设立、教师资格认定和学籍管理等事项。",
        "Oversees education at every level in the city and handles private school "
        "licensing, teacher qualifications and student records.",
        "鹤岗市向阳区育才路 17 号", "hg-gov",
    ),
    DepartmentSpec(
        "hg-health", 16, "鹤岗市卫生健康委员会", "市卫健委", "Hegang Health Commission",
        "department", "230400",
        "负责医疗机构和医师执业许可，组织公共卫生和疾病预防控制，提供妇幼健康服务。",
        "Licenses medical institutions and doctors, leads public health and disease "
        "prevention, and provides maternal and child health services.",
        "鹤岗市向阳区健康路 29 号", "hg-gov",
    ),
    DepartmentSpec(
        "hg-tax", 17, "国家税务总局鹤岗市税务局", "市税务局",
        "Hegang Municipal Tax Service, State Taxation Administration", "vertical", "230400",
        "负责辖区内各项税收、社会保险费和有关非税收入的征收管理，办理税务登记、发票领用和纳税申报等涉税事项。",
        "Collects taxes, social insurance contributions and some non-tax revenue in the "
        "city, and handles tax registration, invoices and tax returns.",
        "鹤岗市向阳区税务路 6 号",
    ),
    DepartmentSpec(
        "hg-real-estate", 18, "鹤岗市不动产登记中心", "市不动产登记中心",
        "Hegang Real Estate Registration Centre", "agency", "230400",
        "负责全市不动产统一登记，办理土地、房屋等不动产的首次登记、转移登记、抵押登记和登记资料查询。",
        "Keeps the city's single real estate register: first registration, transfers and "
        "mortgages of land and buildings, and searches of the register.",
        "鹤岗市向阳区解放路 166 号政务服务中心 2 层",
    ),
]  # fmt: skip

# County-level governments: (code, serial, division code, pinyin slug)
DIVISION_GOVERNMENTS = [
    ("xiangyang-gov", 21, "230402"),
    ("gongnong-gov", 22, "230403"),
    ("nanshan-gov", 23, "230404"),
    ("xingan-gov", 24, "230405"),
    ("dongshan-gov", 25, "230406"),
    ("xingshan-gov", 26, "230407"),
    ("luobei-gov", 27, "230421"),
    ("suibin-gov", 28, "230422"),
]

COUNTY_DEPARTMENTS: list[DepartmentSpec] = [
    DepartmentSpec(
        "luobei-service-centre", 31, "萝北县政务服务中心", "县政务服务中心",
        "Luobei County Government Affairs Service Centre", "service_centre", "230421",
        "负责萝北县政务服务大厅的运行管理，组织县直部门集中办理政务服务事项，指导乡镇便民服务中心工作。",
        "Runs the Luobei County service hall, brings county departments together to handle "
        "their services, and guides the township service centres.",
        "鹤岗市萝北县凤翔镇中心大街 100 号", "luobei-gov",
    ),
    DepartmentSpec(
        "luobei-amr", 32, "萝北县市场监督管理局", "县市场监管局",
        "Luobei County Administration for Market Regulation", "department", "230421",
        "负责全县市场主体登记注册，监管食品药品安全和产品质量，维护市场秩序。",
        "Registers businesses in the county, supervises food and drug safety and product "
        "quality, and keeps the market in order.",
        "鹤岗市萝北县凤翔镇中心大街 102 号", "luobei-gov",
    ),
    DepartmentSpec(
        "luobei-hrss", 33, "萝北县人力资源和社会保障局", "县人社局",
        "Luobei County Human Resources and Social Security Bureau", "department", "230421",
        "负责全县就业服务、社会保险经办和劳动关系协调工作。",
        "Provides employment services, administers social insurance and mediates labour "
        "relations in the county.",
        "鹤岗市萝北县凤翔镇中心大街 106 号", "luobei-gov",
    ),
    DepartmentSpec(
        "suibin-service-centre", 34, "绥滨县政务服务中心", "县政务服务中心",
        "Suibin County Government Affairs Service Centre", "service_centre", "230422",
        "负责绥滨县政务服务大厅的运行管理，组织县直部门集中办理政务服务事项，指导乡镇便民服务中心工作。",
        "Runs the Suibin County service hall, brings county departments together to handle "
        "their services, and guides the township service centres.",
        "鹤岗市绥滨县绥滨镇人民大街 80 号", "suibin-gov",
    ),
    DepartmentSpec(
        "suibin-amr", 35, "绥滨县市场监督管理局", "县市场监管局",
        "Suibin County Administration for Market Regulation", "department", "230422",
        "负责全县市场主体登记注册，监管食品药品安全和产品质量，维护市场秩序。",
        "Registers businesses in the county, supervises food and drug safety and product "
        "quality, and keeps the market in order.",
        "鹤岗市绥滨县绥滨镇人民大街 82 号", "suibin-gov",
    ),
    DepartmentSpec(
        "suibin-civil-affairs", 36, "绥滨县民政局", "县民政局",
        "Suibin County Civil Affairs Bureau",
        "department", "230422",
        "负责全县婚姻登记、社会救助、养老服务和殡葬管理等民政工作。",
        "Handles marriage registration, social assistance, elderly care and funeral services "
        "in the county.",
        "鹤岗市绥滨县绥滨镇人民大街 90 号", "suibin-gov",
    ),
]  # fmt: skip


class HallSpec(NamedTuple):
    code: str
    name: str
    name_en: str
    region: str
    operator: str
    address: str
    phone: str
    # (number, name, English name, kind, department codes)
    windows: list[tuple[str, str, str, str, list[str]]]


HALLS: list[HallSpec] = [
    HallSpec(
        "hg-city-hall", "鹤岗市政务服务中心", "Hegang Government Service Hall", "230400",
        "hg-service-centre", "鹤岗市向阳区解放路 166 号", "0468-3612345",
        [
            ("01", "综合受理窗口（一）", "Comprehensive Window 1", "comprehensive",
             ["hg-amr", "hg-hrss", "hg-civil-affairs"]),
            ("02", "综合受理窗口（二）", "Comprehensive Window 2", "comprehensive",
             ["hg-housing", "hg-transport", "hg-education", "hg-health"]),
            ("03", "企业开办专区", "Business Start-up Window", "dedicated",
             ["hg-amr", "hg-police", "hg-tax"]),
            ("04", "市场监管窗口", "Market Regulation Window", "dedicated", ["hg-amr"]),
            ("05", "人力资源和社会保障窗口", "Human Resources and Social Security Window",
             "dedicated", ["hg-hrss"]),
            ("06", "不动产登记窗口", "Real Estate Registration Window", "dedicated",
             ["hg-real-estate", "hg-tax"]),
            ("07", "税务窗口", "Tax Window", "dedicated", ["hg-tax"]),
            ("08", "公安户政窗口", "Household Registration Window", "dedicated", ["hg-police"]),
            ("09", "工程建设项目审批窗口", "Construction Project Approval Window", "dedicated",
             ["hg-housing", "hg-ndrc", "hg-miit"]),
            ("10", "交通运输窗口", "Transport Window", "dedicated", ["hg-transport"]),
            ("11", "统一出件窗口", "Result Collection Window", "collection",
             ["hg-service-centre"]),
            ("12", "帮办代办窗口", "Help and Agency Window", "help", ["hg-service-centre"]),
        ],
    ),
    HallSpec(
        "luobei-hall", "萝北县政务服务中心", "Luobei County Government Service Hall", "230421",
        "luobei-service-centre", "鹤岗市萝北县凤翔镇中心大街 100 号", "0468-3820001",
        [
            ("01", "综合受理窗口", "Comprehensive Window", "comprehensive",
             ["luobei-amr", "luobei-hrss"]),
            ("02", "市场监管窗口", "Market Regulation Window", "dedicated", ["luobei-amr"]),
            ("03", "人社窗口", "Human Resources and Social Security Window", "dedicated",
             ["luobei-hrss"]),
            ("04", "统一出件及帮办代办窗口", "Collection and Help Window", "collection",
             ["luobei-service-centre"]),
        ],
    ),
    HallSpec(
        "suibin-hall", "绥滨县政务服务中心", "Suibin County Government Service Hall", "230422",
        "suibin-service-centre", "鹤岗市绥滨县绥滨镇人民大街 80 号", "0468-3830001",
        [
            ("01", "综合受理窗口", "Comprehensive Window", "comprehensive",
             ["suibin-amr", "suibin-civil-affairs"]),
            ("02", "市场监管窗口", "Market Regulation Window", "dedicated", ["suibin-amr"]),
            ("03", "民政窗口", "Civil Affairs Window", "dedicated", ["suibin-civil-affairs"]),
            ("04", "统一出件及帮办代办窗口", "Collection and Help Window", "collection",
             ["suibin-service-centre"]),
        ],
    ),
]  # fmt: skip


class StaffSpec(NamedTuple):
    username: str
    full_name: str
    department: str
    employee_number: str
    title: str
    # (role, department code, region code, window "hall/number" or "", service point code or "")
    positions: list[tuple[str, str, str, str, str]]
    superuser: bool = False


# Synthetic people. Service point codes are "township-<region>" / "village-<region>".
STAFF: list[StaffSpec] = [
    StaffSpec("demo-sysadmin", "郑伟", "hg-service-centre", "HGDEMO001", "信息化科科员",
              [("system_admin", "hg-service-centre", "230400", "", "")], superuser=True),
    StaffSpec("demo-supervisor", "孙海燕", "hg-gov-office", "HGDEMO002", "电子监察科科长",
              [("supervisor", "hg-gov-office", "230400", "", "")]),
    StaffSpec("demo-amr-admin", "王志强", "hg-amr", "HGDEMO003", "办公室主任",
              [("department_admin", "hg-amr", "230400", "", "")]),
    StaffSpec("demo-amr-reviewer", "张丽娜", "hg-amr", "HGDEMO004", "登记注册科科员",
              [("reviewer", "hg-amr", "230400", "", "")]),
    StaffSpec("demo-amr-approver", "刘洋", "hg-amr", "HGDEMO005", "登记注册科科长",
              [("approver", "hg-amr", "230400", "", "")]),
    StaffSpec("demo-amr-clerk", "陈静", "hg-amr", "HGDEMO006", "窗口受理员",
              [("window_clerk", "hg-amr", "230400", "hg-city-hall/04", "")]),
    StaffSpec("demo-hrss-admin", "赵磊", "hg-hrss", "HGDEMO007", "办公室副主任",
              [("department_admin", "hg-hrss", "230400", "", "")]),
    StaffSpec("demo-hrss-clerk", "吴婷", "hg-hrss", "HGDEMO008", "窗口受理员",
              [("window_clerk", "hg-hrss", "230400", "hg-city-hall/05", ""),
               ("reviewer", "hg-hrss", "230400", "", "")]),
    StaffSpec("demo-centre-clerk", "李晓梅", "hg-service-centre", "HGDEMO009", "综合窗口受理员",
              [("window_clerk", "hg-service-centre", "230400", "hg-city-hall/01", "")]),
    StaffSpec("demo-luobei-agent", "周明", "luobei-gov", "HGDEMO010", "凤翔镇便民服务中心代办员",
              [("grassroots_agent", "luobei-gov", "230421100", "", "township-230421100")]),
    StaffSpec("demo-village-agent", "冯雪", "luobei-gov", "HGDEMO011", "永丰村代办员",
              [("grassroots_agent", "luobei-gov", "230421100201", "",
                "village-230421100201")]),
    StaffSpec("demo-luobei-supervisor", "何军", "luobei-gov", "HGDEMO012", "县电子监察员",
              [("supervisor", "luobei-gov", "230421", "", "")]),
    StaffSpec("demo-hrss-approver", "马立军", "hg-hrss", "HGDEMO013", "就业服务科科长",
              [("approver", "hg-hrss", "230400", "", "")]),
    StaffSpec("demo-hotline", "高敏", "hg-service-centre", "HGDEMO014", "12345热线坐席",
              [("hotline_operator", "hg-service-centre", "230400", "", "")]),
]  # fmt: skip
