"""The synthetic Hegang registries, as plain data (no database; loaded by `demo.load`).

- `DEMO_RESIDENTS` / `DEMO_ENTITIES`: a few named people and enterprises with fixed ID
  numbers, USCCs and mobiles, for the docs, the other apps' demo data and the tests
  (docs/registries.md lists them).
- `generate_residents()` / `generate_entities()`: thousands more, from a seeded random
  generator, so every run gives the same people. Every ID number has a valid check
  character, its address code is the county of the person's household region and its
  birth date and sex digit agree with the record; every USCC is valid (GB 32100, with a
  GB 11714 organisation code inside) and its region code is the entity's county.

Everything here is made up: names are drawn from common surnames and given-name
characters, numbers are computed, and any likeness to a real person is chance.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from govhub.core.codes import id_number_check_character, uscc_check_character
from govhub.organizations import demo_data as org_data

SEED = 4_230_400
RESIDENT_COUNT = 5_000
ENTITY_COUNT = 1_000
# Demo "today": ages and dates are computed against it, so the data never drift.
REFERENCE_DATE = datetime.date(2026, 1, 1)


@dataclass(frozen=True)
class DemoResident:
    name: str
    id_number: str
    sex: str  # "male" / "female"
    birth_date: datetime.date
    region_code: str  # a village or community (12 digits)
    household_address: str
    status: str = "active"
    mobile: str = ""  # only for the named demo people (registries store no mobiles)
    key: str = ""  # a short handle for docs and tests, e.g. "zhang_wei"
    note: str = ""


@dataclass(frozen=True)
class DemoEntity:
    name: str
    uscc: str
    entity_type: str
    legal_representative_name: str
    legal_representative_id_number: str
    registered_address: str
    region_code: str  # county level (6 digits)
    established_on: datetime.date
    status: str = "active"
    key: str = ""
    note: str = ""


def _resident(
    key: str, name: str, id_number: str, mobile: str, village: str, address: str, **extra: str
) -> DemoResident:
    birth = datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return DemoResident(
        key=key,
        name=name,
        id_number=id_number,
        mobile=mobile,
        sex="male" if int(id_number[16]) % 2 else "female",
        birth_date=birth,
        region_code=village,
        household_address=address,
        **extra,
    )


# The named demo people. Mobiles are 1380000xxxx numbers reserved for the demo.
DEMO_RESIDENTS: tuple[DemoResident, ...] = (
    _resident("zhang_wei", "张伟", "230402198503120412", "13800000001", "230402001001",
              "黑龙江省鹤岗市向阳区红军街道红军社区红军路18号3栋2单元401室",
              note="鹤岗市北山煤炭机械有限公司法定代表人"),
    _resident("li_na", "李娜", "230403199007210620", "13800000002", "230403002001",
              "黑龙江省鹤岗市工农区湖滨街道湖滨社区湖滨路66号1栋1单元502室",
              note="北山煤炭机械公司的经办人"),
    _resident("wang_fang", "王芳", "23040419781105024X", "13800000003", "230404001001",
              "黑龙江省鹤岗市南山区麓林山街道麓林山社区麓林山路9号2栋3单元201室",
              note="南山区王芳便民超市经营者（身份证号码以X结尾）"),
    _resident("liu_yang", "刘洋", "230405199501300130", "13800000004", "230405001001",
              "黑龙江省鹤岗市兴安区兴安街道兴安社区兴安路26号5栋1单元101室",
              note="已吊销企业的法定代表人"),
    _resident("chen_jing", "陈静", "230406198209140864", "13800000005", "230406100201",
              "黑龙江省鹤岗市东山区新华镇新华村3组12号",
              note="已在窗口现场核验身份（L3）"),
    _resident("zhao_lei", "赵磊", "230421197004080350", "13800000006", "230421100201",
              "黑龙江省鹤岗市萝北县凤翔镇永丰村2组8号",
              note="萝北县永丰村水稻种植专业合作社法定代表人"),
    _resident("sun_li", "孙丽", "230422200112250485", "13800000007", "230422100001",
              "黑龙江省鹤岗市绥滨县绥滨镇中兴社区人民大街66号4栋2单元302室",
              note="尚未注册账号，可用于演示实名注册"),
    _resident("zhou_jianguo", "周建国", "230407194806010177", "13800000008", "230407001001",
              "黑龙江省鹤岗市兴山区沟北街道沟北社区沟北路12号1栋1单元102室",
              status="deceased", note="已死亡：实名注册应被拒绝"),
)  # fmt: skip

DEMO_RESIDENTS_BY_KEY = {person.key: person for person in DEMO_RESIDENTS}


def _entity(key: str, name: str, uscc: str, entity_type: str, representative: str,
            region: str, address: str, established: str, **extra: str) -> DemoEntity:  # fmt: skip
    person = DEMO_RESIDENTS_BY_KEY[representative]
    return DemoEntity(
        key=key,
        name=name,
        uscc=uscc,
        entity_type=entity_type,
        legal_representative_name=person.name,
        legal_representative_id_number=person.id_number,
        registered_address=address,
        region_code=region,
        established_on=datetime.date.fromisoformat(established),
        **extra,
    )


DEMO_ENTITIES: tuple[DemoEntity, ...] = (
    _entity("beishan_machinery", "鹤岗市北山煤炭机械有限公司", "91230402MA1C2K7E4J",
            "limited_company", "zhang_wei", "230402",
            "黑龙江省鹤岗市向阳区北山街道北山路108号", "2012-05-18"),
    _entity("wangfang_store", "鹤岗市南山区王芳便民超市", "92230404MA1D8Y3N4E",
            "individual_business", "wang_fang", "230404",
            "黑龙江省鹤岗市南山区铁西街道铁西路32号", "2016-09-01"),
    _entity("yongfeng_rice", "萝北县永丰村水稻种植专业合作社", "93230421MA1B5R2TXA",
            "cooperative", "zhao_lei", "230421",
            "黑龙江省鹤岗市萝北县凤翔镇永丰村村委会院内", "2014-03-26"),
    _entity("kuangji_parts", "鹤岗市兴山区矿机配件有限公司", "91230407MA1A9G6P3N",
            "limited_company", "liu_yang", "230407",
            "黑龙江省鹤岗市兴山区沟南街道兴山路77号", "2018-11-12",
            status="revoked", note="已吊销：企业注册应被拒绝"),
)  # fmt: skip

DEMO_ENTITIES_BY_KEY = {entity.key: entity for entity in DEMO_ENTITIES}


# --------------------------------------------------------------------------------------
# Regions of the organisations demo (same codes as govhub.organizations.demo)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Village:
    code: str
    county_code: str
    county: str
    township: str
    name: str


def _villages() -> list[_Village]:
    """Every demo village and community, in data order. Codes follow the organisations
    demo: communities (社区) 001, 002, … and villages (村) 201, 202, … per township."""
    result: list[_Village] = []
    for county_code, county, _en, townships in org_data.DIVISIONS:
        for township_code, township, _t_en, villages in townships:
            community = village = 0
            for name, _v_en in villages:
                if name.endswith("村"):
                    village += 1
                    code = f"{township_code}{200 + village:03d}"
                else:
                    community += 1
                    code = f"{township_code}{community:03d}"
                result.append(_Village(code, county_code, county, township, name))
    return result


VILLAGES = _villages()
COUNTY_NAMES = {code: name for code, name, _en, _t in org_data.DIVISIONS}

# --------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------

# Common surnames, roughly by frequency in Heilongjiang (weights are relative).
SURNAMES = (
    ("王", 80), ("李", 78), ("张", 76), ("刘", 60), ("陈", 32), ("杨", 30), ("赵", 28),
    ("孙", 26), ("于", 22), ("高", 20), ("徐", 18), ("马", 18), ("吴", 16), ("郭", 15),
    ("周", 15), ("林", 12), ("宋", 12), ("冯", 11), ("韩", 11), ("曲", 10), ("姜", 10),
    ("董", 9), ("崔", 9), ("田", 8), ("邢", 8), ("付", 8), ("曹", 7), ("金", 7),
    ("许", 7), ("程", 6), ("谭", 6), ("尹", 6), ("贾", 6), ("孟", 5), ("白", 5),
    ("常", 5), ("邵", 5), ("段", 4), ("侯", 4), ("卢", 4), ("梁", 4), ("何", 4),
    ("罗", 4), ("郑", 4), ("谢", 3), ("范", 3), ("姚", 3), ("蔡", 3), ("潘", 3),
    ("欧阳", 1), ("司马", 1),
)  # fmt: skip
_SURNAME_LIST = [name for name, _w in SURNAMES]
_SURNAME_WEIGHTS = [weight for _n, weight in SURNAMES]
MALE_GIVEN = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林洋东海峰建国庆志鸿博文"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞秀玲桂英华红梅琳雪慧颖婷晶欣佳悦蕾薇月瑶琪璐丹萍燕莉宁晨"

STREET_WORDS = ("建设", "胜利", "解放", "和平", "幸福", "团结", "光明", "新华", "友谊", "文化",
                "育才", "康庄", "振兴", "富强", "长江", "松花江", "工人", "矿山")  # fmt: skip

# --------------------------------------------------------------------------------------
# Generators
# --------------------------------------------------------------------------------------


def _given_name(rng: random.Random, sex: str) -> str:
    pool = MALE_GIVEN if sex == "male" else FEMALE_GIVEN
    length = 1 if rng.random() < 0.35 else 2
    return "".join(rng.choice(pool) for _ in range(length))


def _address(rng: random.Random, village: _Village) -> str:
    head = f"黑龙江省鹤岗市{village.county}{village.township}{village.name}"
    if village.name.endswith("村"):
        return f"{head}{rng.randint(1, 9)}组{rng.randint(1, 60)}号"
    street = rng.choice(STREET_WORDS)
    return (
        f"{head}{street}路{rng.randint(1, 200)}号{rng.randint(1, 12)}栋"
        f"{rng.randint(1, 6)}单元{rng.randint(1, 7)}0{rng.randint(1, 4)}室"
    )


def make_id_number(county_code: str, birth_date: datetime.date, sequence: int) -> str:
    """An ID number: county, birth date, 3-digit sequence (odd male, even female), check."""
    body = f"{county_code}{birth_date:%Y%m%d}{sequence:03d}"
    return body + id_number_check_character(body)


def generate_residents(count: int = RESIDENT_COUNT, *, seed: int = SEED) -> list[DemoResident]:
    """`count` synthetic residents, the same on every call; the named ones not included."""
    rng = random.Random(seed)  # noqa: S311 (reproducible demo data, not secrets)
    taken = {person.id_number for person in DEMO_RESIDENTS}
    start = datetime.date(1940, 1, 1).toordinal()
    end = datetime.date(2023, 12, 31).toordinal()
    residents: list[DemoResident] = []
    while len(residents) < count:
        village = rng.choice(VILLAGES)
        sex = "male" if rng.random() < 0.5 else "female"
        birth_date = datetime.date.fromordinal(rng.randint(start, end))
        # Last digit of the sequence: odd for men, even for women.
        sequence = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if sex == "male"
                                                        else (0, 2, 4, 6, 8))  # fmt: skip
        id_number = make_id_number(village.county_code, birth_date, sequence)
        if id_number in taken:
            continue
        taken.add(id_number)
        age = (REFERENCE_DATE - birth_date).days // 365
        roll = rng.random()
        if roll < (0.12 if age >= 75 else 0.01):
            status = "deceased"
        elif roll > 0.985:
            status = "emigrated"
        else:
            status = "active"
        residents.append(
            DemoResident(
                name=rng.choices(_SURNAME_LIST, _SURNAME_WEIGHTS)[0] + _given_name(rng, sex),
                id_number=id_number,
                sex=sex,
                birth_date=birth_date,
                region_code=village.code,
                household_address=_address(rng, village),
                status=status,
            )
        )
    return residents


# GB 11714 organisation code: 8 characters and a check character.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Letters of the USCC alphabet (no I, O, S, V, Z), for the "MA…" codes of new entities.
_ORG_LETTERS = "ABCDEFGHJKLMNPQRTUWXY"


def organisation_code(body8: str) -> str:
    """`body8` plus its GB 11714 check character (0-9 or X)."""
    total = sum(
        (int(ch) if ch.isdigit() else ord(ch) - 55) * weight
        for ch, weight in zip(body8, _ORG_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return body8 + ("X" if check == 10 else "0" if check == 11 else str(check))


def make_uscc(prefix: str, county_code: str, body8: str) -> str:
    """A USCC: authority + kind (`prefix`), region, organisation code, GB 32100 check."""
    first17 = f"{prefix}{county_code}{organisation_code(body8)}"
    return first17 + uscc_check_character(first17)


# (entity type, USCC prefix, weight, name pattern)
ENTITY_KINDS = (
    ("limited_company", "91", 45, "{city}{brand}{trade}有限公司"),
    ("individual_business", "92", 28, "{county}{brand}{shop}"),
    ("cooperative", "93", 8, "{county}{village}{crop}专业合作社"),
    ("sole_proprietorship", "91", 5, "{city}{county}{brand}{trade}个人独资企业"),
    ("partnership", "91", 4, "{city}{brand}{trade}合伙企业（有限合伙）"),
    ("joint_stock_company", "91", 3, "{city}{brand}{trade}股份有限公司"),
    ("social_organization", "51", 3, "{city}{trade}协会"),
    ("private_non_enterprise", "52", 4, "{county}{brand}{school}"),
)  # fmt: skip
BRANDS = ("鑫源", "宏达", "恒泰", "金山", "北方", "兴隆", "鹤城", "龙江", "华信", "昌盛", "瑞丰",
          "福瑞", "顺通", "天成", "嘉禾", "博远", "新锐", "东升", "中鹤", "林海", "金鹤", "三江",
          "黑土", "丰泽", "安达", "永盛", "聚源", "泰和", "益民", "和悦")  # fmt: skip
TRADES = ("煤炭", "商贸", "建材", "物流", "食品", "农业科技", "餐饮管理", "机械制造",
          "石墨新材料", "信息技术", "建筑工程", "物业管理", "医药", "文化传媒", "旅游开发",
          "汽车服务", "电力工程", "环保科技", "粮油", "木业")  # fmt: skip
SHOPS = ("便民超市", "小吃店", "理发店", "五金商店", "水果店", "早餐店", "烧烤店", "家电维修部",
         "日杂商店", "饺子馆", "药店", "服装店", "粮油店", "修车铺")  # fmt: skip
CROPS = ("水稻种植", "大豆种植", "蔬菜种植", "玉米种植", "食用菌", "生猪养殖", "黑木耳", "农机")
SCHOOLS = ("培训学校", "幼儿园", "养老院", "文化艺术中心", "社会工作服务中心")


def _entity_name(rng: random.Random, pattern: str, village: _Village) -> str:
    return pattern.format(
        city="鹤岗市",
        county=village.county if village.county.endswith("县") else f"鹤岗市{village.county}",
        village=village.name.removesuffix("社区"),
        brand=rng.choice(BRANDS),
        trade=rng.choice(TRADES),
        shop=rng.choice(SHOPS),
        crop=rng.choice(CROPS),
        school=rng.choice(SCHOOLS),
    )


def generate_entities(
    residents: list[DemoResident], count: int = ENTITY_COUNT, *, seed: int = SEED
) -> list[DemoEntity]:
    """`count` synthetic legal entities whose representatives are adult, living
    `residents`; the same on every call for the same residents."""
    rng = random.Random(seed + 1)  # noqa: S311 (reproducible demo data, not secrets)
    kinds = list(ENTITY_KINDS)
    weights = [kind[2] for kind in ENTITY_KINDS]
    adults = [
        person
        for person in residents
        if person.status == "active" and person.birth_date <= datetime.date(1998, 1, 1)
    ]
    names = {entity.name for entity in DEMO_ENTITIES}
    codes = {entity.uscc for entity in DEMO_ENTITIES}
    latest = (REFERENCE_DATE - datetime.timedelta(days=30)).toordinal()
    entities: list[DemoEntity] = []
    while len(entities) < count:
        entity_type, prefix, _weight, pattern = rng.choices(kinds, weights)[0]
        person = rng.choice(adults)
        village = rng.choice(VILLAGES)
        name = _entity_name(rng, pattern, village)
        if name in names:
            continue
        body8 = "MA1" + "".join(rng.choice(_ORG_LETTERS + "0123456789") for _ in range(5))
        uscc = make_uscc(prefix, village.county_code, body8)
        if uscc in codes:
            continue
        names.add(name)
        codes.add(uscc)
        # Established when the representative was at least 20, and not before 1995.
        earliest = max(
            datetime.date(person.birth_date.year + 20, 1, 1), datetime.date(1995, 1, 1)
        ).toordinal()
        roll = rng.random()
        entities.append(
            DemoEntity(
                name=name,
                uscc=uscc,
                entity_type=entity_type,
                legal_representative_name=person.name,
                legal_representative_id_number=person.id_number,
                registered_address=_address(rng, village),
                region_code=village.county_code,
                established_on=datetime.date.fromordinal(rng.randint(earliest, latest)),
                status="revoked" if roll < 0.04 else "deregistered" if roll < 0.10 else "active",
            )
        )
    return entities
