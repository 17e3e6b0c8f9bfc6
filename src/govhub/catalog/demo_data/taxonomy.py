"""Themes, life events, responsible domains, fees and shared texts of the catalogue demo."""

from __future__ import annotations

# (code, name, English name, audience)
THEMES: list[tuple[str, str, str, str]] = [
    ("birth-adoption", "生育收养", "Birth and adoption", "person"),
    ("household", "户籍办理", "Household registration", "person"),
    ("education", "教育科研", "Education and research", "person"),
    ("employment", "就业创业", "Employment and start-ups", "person"),
    ("social-security", "社会保障", "Social security", "person"),
    ("medical", "医疗卫生", "Medical care and health", "person"),
    ("housing", "住房保障", "Housing", "person"),
    ("transport", "交通出行", "Transport and travel", "person"),
    ("utilities", "水电气暖", "Water, electricity, gas and heating", "person"),
    ("tourism", "旅游观光", "Tourism and sightseeing", "person"),
    ("marriage", "婚姻登记", "Marriage registration", "person"),
    ("social-assistance", "社会救助", "Social assistance", "person"),
    ("disability", "残疾人服务", "Services for persons with disabilities", "person"),
    ("elderly", "养老服务", "Elderly care", "person"),
    ("funeral", "死亡殡葬", "Death and funerals", "person"),
    ("establishment", "设立变更", "Establishment and changes", "enterprise"),
    ("annual-report", "年检年报", "Annual inspections and reports", "enterprise"),
    ("deregistration", "注销", "Deregistration", "enterprise"),
    ("investment", "投资审批", "Investment project approval", "enterprise"),
    ("production", "生产经营", "Production and operation", "enterprise"),
    ("ip", "商标专利", "Trademarks and patents", "enterprise"),
    ("qualification", "资质认证", "Qualifications and certification", "enterprise"),
    ("tax", "税收财务", "Taxes and finance", "enterprise"),
    ("work-safety", "安全生产", "Work safety", "enterprise"),
    ("bidding", "招标拍卖", "Tendering and auctions", "enterprise"),
    ("construction", "建设工程", "Construction projects", "enterprise"),
]

# (code, name, English name, audience, description, English description)
LIFE_EVENTS: list[tuple[str, str, str, str, str, str]] = [
    ("birth", "出生", "Having a baby", "person",
     "新生儿出生医学证明、落户、参保和生育待遇", "Birth certificate, registration, insurance "
     "and maternity benefits for a newborn"),
    ("school", "入学", "Starting school", "person",
     "义务教育入学、学生资助", "Enrolling in compulsory education and student aid"),
    ("work", "就业", "Getting a job", "person",
     "就业失业登记、社保参保、技能培训和创业扶持", "Employment registration, social insurance, "
     "training and start-up support"),
    ("marriage", "结婚", "Getting married", "person",
     "结婚登记、户口迁移", "Marriage registration and moving household registration"),
    ("home", "购房", "Buying a home", "person",
     "不动产登记、住房保障", "Real estate registration and housing support"),
    ("driving", "驾车出行", "Driving", "person",
     "驾驶证换证、从业资格", "Driving licence renewal and driver qualifications"),
    ("hardship", "生活困难", "Facing hardship", "person",
     "最低生活保障、临时救助、取暖补贴", "Minimum living allowance, temporary relief and "
     "heating subsidies"),
    ("retire", "退休", "Retiring", "person",
     "养老保险待遇、老年人优待和高龄津贴", "Pension benefits, senior concessions and "
     "old-age allowances"),
    ("after-death", "身后", "After a death", "person",
     "死亡户口注销、丧葬补助和殡葬补贴", "Cancelling the household registration, funeral "
     "grants and subsidies"),
    ("start-business", "开办企业", "Starting a business", "enterprise",
     "设立登记、涉税事项、许可和社保登记", "Registration, tax matters, licences and "
     "social insurance registration"),
    ("business-change", "变更", "Changing a business", "enterprise",
     "变更登记、年报和资质调整", "Changes, annual reports and qualifications"),
    ("investment", "投资建设", "Investing and building", "enterprise",
     "项目核准备案、施工许可和预售许可", "Project approval, construction and pre-sale "
     "permits"),
    ("closing", "注销", "Closing a business", "enterprise",
     "税务注销、市场主体注销", "Tax deregistration and business deregistration"),
]  # fmt: skip

# domain: (city department code, responsible department kind, 3-digit code segment, window)
DOMAINS: dict[str, tuple[str, str, str, str]] = {
    "amr": ("hg-amr", "市场监督管理部门", "108", "04"),
    "hrss": ("hg-hrss", "人力资源和社会保障部门", "107", "05"),
    "police": ("hg-police", "公安机关", "109", "08"),
    "civil": ("hg-civil-affairs", "民政部门", "105", "01"),
    "health": ("hg-health", "卫生健康部门", "116", "02"),
    "education": ("hg-education", "教育行政部门", "115", "02"),
    "housing": ("hg-housing", "住房和城乡建设部门", "113", "09"),
    "transport": ("hg-transport", "交通运输部门", "114", "10"),
    "tax": ("hg-tax", "税务部门", "117", "07"),
    "realty": ("hg-real-estate", "不动产登记机构", "118", "06"),
    "ndrc": ("hg-ndrc", "发展改革部门", "103", "09"),
    "miit": ("hg-miit", "工业和信息化部门", "104", "09"),
    "finance": ("hg-finance", "财政部门", "106", "01"),
    "legal": ("hg-legal-affairs", "行政复议机构", "111", "01"),
    "establishment": ("hg-establishment", "机构编制部门", "110", "01"),
    "government": ("hg-gov", "县级以上人民政府", "101", "01"),
}

# County bodies that exist in the organisations demo; elsewhere the district or county
# government implements county-level items.
COUNTY_BODIES: dict[str, dict[str, str]] = {
    "amr": {"230421": "luobei-amr", "230422": "suibin-amr"},
    "hrss": {"230421": "luobei-hrss"},
    "civil": {"230422": "suibin-civil-affairs"},
}

# County halls: (hall code, window by domain, default window)
COUNTY_HALLS: dict[str, tuple[str, dict[str, str], str]] = {
    "230421": ("luobei-hall", {"amr": "02", "hrss": "03"}, "01"),
    "230422": ("suibin-hall", {"amr": "02", "civil": "03"}, "01"),
}

# fee key: (basis, [(name, standard, amount, basis, reductions)])
FEES: dict[str, tuple[str, list[tuple[str, str, str, str, str]]]] = {
    "id-card": (
        "《中华人民共和国居民身份证法》第二十条；《国家发展改革委 财政部关于居民身份证收费标准及"
        "有关问题的通知》（发改价格〔2003〕2322号）",
        [("居民身份证工本费", "每证20元", "20.00", "发改价格〔2003〕2322号",
          "享受城市最低生活保障的居民、农村五保供养对象和特困人员免收")],
    ),
    "driving-licence": (
        "《国家发展改革委 财政部关于公安交通管理收费标准的通知》（发改价格〔2004〕2831号）",
        [("机动车驾驶证工本费", "每证10元", "10.00", "发改价格〔2004〕2831号",
          "驾驶证有效期满换证且信息未变更的，按规定减免")],
    ),
    "realty": (
        "《财政部 国家发展改革委关于不动产登记收费有关政策问题的通知》（财税〔2016〕79号）",
        [("住宅类不动产登记费", "每件80元", "80.00", "财税〔2016〕79号",
          "小微企业（含个体工商户）申请不动产登记的免收；申请人为城市最低生活保障对象的免收"),
         ("非住宅类不动产登记费", "每件550元", "550.00", "财税〔2016〕79号",
          "小微企业（含个体工商户）申请不动产登记的免收"),
         ("不动产权属证书工本费", "每增加一本证书加收10元", "10.00", "财税〔2016〕79号",
          "核发一本不动产权属证书的不收取证书工本费")],
    ),
    "realty-mortgage": (
        "《财政部 国家发展改革委关于不动产登记收费有关政策问题的通知》（财税〔2016〕79号）",
        [("住宅类不动产抵押登记费", "每件80元", "80.00", "财税〔2016〕79号",
          "按规定减半或免收的，以登记机构核定为准"),
         ("非住宅类不动产抵押登记费", "每件550元", "550.00", "财税〔2016〕79号",
          "小微企业（含个体工商户）申请的免收")],
    ),
}  # fmt: skip

HALL_ADDRESS_SUFFIX = "号窗口"
COMPLAINT_PHONE = "12345"
PUBLISHED_AT = "2026-01-05T09:00:00+08:00"

RECONSIDERATION = (
    "申请人认为{department}作出的行政行为侵犯其合法权益的，可以自知道或者应当知道该行政行为之日起"
    "六十日内，依法向{body}申请行政复议。"
)
LITIGATION = (
    "申请人也可以自知道或者应当知道作出行政行为之日起六个月内，依法向有管辖权的人民法院提起"
    "行政诉讼；法律规定应当先申请行政复议的，依照其规定。"
)
