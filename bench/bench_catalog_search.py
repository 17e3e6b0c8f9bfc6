"""Catalogue search with 20,000 published implementation items (issue 3): the time to
reindex them all, and search latency (p95 ≤ 30 ms) over ~50 realistic queries — Chinese
words, pinyin, initials, a typo, with and without filters — in-process, query log included.

The items are synthetic: names are combinations of realistic licence and service words,
spread over the demo departments and their regions. If the database already holds 20,000
published items (another benchmark made them), they are reused.
"""

from __future__ import annotations

import itertools
import time

from common import Figure, latency_figures, percentile

TARGET_ITEMS = 20_000
SUBJECTS = [
    "营业执照",
    "食品经营许可证",
    "食品生产许可证",
    "药品经营许可证",
    "医疗机构执业许可证",
    "公共场所卫生许可证",
    "建设工程规划许可证",
    "建筑工程施工许可证",
    "排污许可证",
    "道路运输经营许可证",
    "烟草专卖零售许可证",
    "出版物经营许可证",
    "娱乐场所经营许可证",
    "危险化学品经营许可证",
    "特种设备使用登记证",
    "居民身份证",
    "居住证",
    "户口迁移",
    "出生医学证明",
    "结婚登记",
    "离婚登记",
    "社会保险登记",
    "城乡居民基本养老保险",
    "城乡居民基本医疗保险",
    "失业保险金",
    "工伤认定",
    "住房公积金提取",
    "住房公积金贷款",
    "机动车驾驶证",
    "机动车登记",
    "残疾人证",
    "最低生活保障",
    "教师资格证",
    "律师执业证",
    "二级建造师注册",
    "不动产登记",
    "林木采伐许可证",
    "取水许可",
    "动物防疫条件合格证",
    "兽药经营许可证",
]
ACTIONS = [
    "核发",
    "变更",
    "延续",
    "注销",
    "补办",
    "遗失补领",
    "申请",
    "备案",
    "审批",
    "查询",
    "换领",
    "认定",
]
QUALIFIERS = ["", "（个体工商户）", "（企业）", "（告知承诺制）", "（跨省通办）"]
ALIASES = {
    "营业执照": "执照",
    "社会保险登记": "社保登记",
    "住房公积金提取": "公积金提取",
    "机动车驾驶证": "驾照",
    "居民身份证": "身份证",
}
CONDITIONS = [
    "申请人具有完全民事行为能力。",
    "申请人在本市行政区域内有固定住所或者经营场所。",
    "有与经营项目相适应的场所、设备和专业技术人员。",
    "已依法取得营业执照等主体资格证明。",
    "无违法违规记录，信用状况良好。",
    "符合国家和本省规定的其他法定条件。",
]
MATERIALS = [
    "申请表",
    "居民身份证",
    "营业执照",
    "授权委托书",
    "经营场所使用证明",
    "户口簿",
    "结婚证",
    "房屋租赁合同",
    "健康证明",
    "专业技术人员资格证书",
    "环境影响评价文件",
    "安全生产管理制度",
    "法定代表人身份证明",
    "近期免冠照片",
]
SYNONYMS = {
    "社保": ["社会保险"],
    "低保": ["最低生活保障"],
    "出生证明": ["出生医学证明"],
    "失业金": ["失业保险金"],
    "开公司": ["企业设立"],
}
QUERIES = [
    {"query": "营业执照"},
    {"query": "营业执照注销"},
    {"query": "食品经营"},
    {"query": "食品经营许可证核发"},
    {"query": "药品"},
    {"query": "医疗机构"},
    {"query": "卫生许可"},
    {"query": "施工许可"},
    {"query": "排污"},
    {"query": "道路运输"},
    {"query": "烟草"},
    {"query": "身份证"},
    {"query": "居住证"},
    {"query": "户口迁移"},
    {"query": "出生证明"},
    {"query": "结婚登记"},
    {"query": "社保"},
    {"query": "养老保险"},
    {"query": "医疗保险"},
    {"query": "失业金"},
    {"query": "公积金提取"},
    {"query": "驾驶证补办"},
    {"query": "残疾人"},
    {"query": "低保"},
    {"query": "教师资格"},
    {"query": "不动产登记"},
    {"query": "怎么办理营业执照"},
    {"query": "个体工商户 变更"},
    {"query": "营业执招"},
    {"query": "证"},
    {"query": "yyzz"},
    {"query": "yingyezhizhao"},
    {"query": "shipin"},
    {"query": "gjj"},
    {"query": "jiashizheng"},
    {"query": "sbdj"},
    {"query": "jhdj"},
    {"query": "yiliao"},
    {"query": "yyzz", "audience": "enterprise"},
    {"query": "营业执照", "region": "REGION"},
    {"query": "营业执照", "department": "DEPARTMENT"},
    {"query": "社会保险", "audience": "person"},
    {"query": "公积金", "online_depth": 4},
    {"query": "食品", "fully_online": True},
    {"query": "许可证", "region": "REGION", "audience": "enterprise"},
    {"query": "登记", "theme": "THEME"},
    {"query": "", "region": "REGION"},
    {"query": "", "theme": "THEME", "audience": "person"},
    {"query": "注销", "offset": 20},
    {"query": "许可证核发", "offset": 40},
]


def _generate(count: int) -> int:
    from django.db import transaction
    from django.db.models import OuterRef, Subquery
    from django.utils import timezone

    from govhub.catalog.codes import implementation_code
    from govhub.catalog.models import (
        Audience,
        BaseItem,
        ImplementationItem,
        ItemVersion,
        Material,
        Theme,
    )
    from govhub.organizations.models import Department

    departments = list(Department.objects.filter(is_active=True).select_related("region"))
    assert departments, "the demo data has no departments"
    themes = list(Theme.objects.all())
    if not themes:
        themes = Theme.objects.bulk_create(
            Theme(code=f"bench-{code}", name=name, audience=audience, sort_order=i)
            for i, (code, name, audience) in enumerate(
                [
                    ("birth", "生育收养", "person"),
                    ("social-security", "社会保障", "person"),
                    ("housing", "住房保障", "person"),
                    ("establish", "设立变更", "enterprise"),
                    ("operation", "准营准办", "enterprise"),
                    ("tax", "税费办理", "enterprise"),
                ]
            )
        )
    names = [
        f"{subject}{action}{qualifier}"
        for qualifier, subject, action in itertools.product(QUALIFIERS, SUBJECTS, ACTIONS)
    ]
    per_base = max(1, -(-count // len(names)))
    now = timezone.now()
    made = 0
    with transaction.atomic():
        bases = BaseItem.objects.bulk_create(
            BaseItem(
                base_code=f"BS{n:010d}",
                name=name,
                item_type=BaseItem.ItemType.LICENSING,
                responsible_department_kind="主管部门",
            )
            for n, name in enumerate(names[: -(-count // per_base)])
        )
        items = []
        for n, base in enumerate(bases):
            for k in range(per_base):
                if len(items) >= count:
                    break
                department = departments[(n * 7 + k) % len(departments)]
                sequence = 1 + (n * 7 + k) // len(departments)
                items.append(
                    ImplementationItem(
                        implementation_code=implementation_code(
                            base.base_code, department.uscc, sequence
                        ),
                        base_item=base,
                        department=department,
                        region=department.region,
                        sequence=sequence,
                    )
                )
        ImplementationItem.objects.bulk_create(items, batch_size=2000)
        versions = []
        for n, item in enumerate(items):
            name = item.base_item.name
            subject = next((s for s in SUBJECTS if name.startswith(s)), "")
            online = [1, 2, 3, 4, 5, 6] if n % 3 == 0 else [1, 2] if n % 3 == 1 else []
            versions.append(
                ItemVersion(
                    item=item,
                    number=1,
                    status=ItemVersion.Status.PUBLISHED,
                    name=name,
                    aliases=[ALIASES[subject]] if subject in ALIASES else [],
                    summary=f"{item.department.name}办理{name}，依法审查申请材料并作出决定。",
                    audience=[Audience.PERSON, Audience.ENTERPRISE, Audience.BOTH][n % 3],
                    conditions=[CONDITIONS[n % 6], CONDITIONS[(n + 2) % 6]],
                    case_kind=ItemVersion.CaseKind.PROMISED,
                    legal_limit_value=20,
                    promised_limit_value=5,
                    handling_forms=["window", "online"],
                    visits_required=0 if n % 3 == 0 else 1,
                    online_depth=online,
                    published_at=now,
                )
            )
        ItemVersion.objects.bulk_create(versions, batch_size=2000)
        # One statement instead of a 20,000-row bulk_update.
        ImplementationItem.objects.filter(base_item__base_code__startswith="BS").update(
            published_version=Subquery(
                ItemVersion.objects.filter(item=OuterRef("pk"), number=1).values("pk")[:1]
            )
        )
        Material.objects.bulk_create(
            (
                Material(
                    version=version,
                    position=p + 1,
                    name=MATERIALS[(n + p * 5) % len(MATERIALS)],
                    kind=Material.Kind.ORIGINAL,
                    form=Material.Form.PAPER,
                    source=Material.Source.APPLICANT,
                    acceptance_criteria="真实有效。",
                )
                for n, version in enumerate(versions)
                for p in range(3)
            ),
            batch_size=5000,
        )
        through = ItemVersion.themes.through
        through.objects.bulk_create(
            (
                through(itemversion_id=version.pk, theme_id=themes[n % len(themes)].pk)
                for n, version in enumerate(versions)
            ),
            batch_size=5000,
        )
        made = len(items)
    return made


def run() -> list[Figure]:
    from govhub.catalog.models import ImplementationItem
    from govhub.catalog.search import reindex_all, search_items, search_synonym_save
    from govhub.catalog.search_models import SearchDocument, SearchSynonym
    from govhub.organizations.models import Department

    existing = ImplementationItem.objects.filter(published_version__isnull=False).count()
    start = time.perf_counter()
    generated = _generate(TARGET_ITEMS - existing) if existing < TARGET_ITEMS else 0
    generate_seconds = time.perf_counter() - start

    for term, equivalents in SYNONYMS.items():  # what an administrator would set up
        if not SearchSynonym.objects.filter(term=term).exists():
            search_synonym_save(actor=None, term=term, equivalents=equivalents)

    start = time.perf_counter()
    indexed = reindex_all()
    reindex_seconds = time.perf_counter() - start
    assert indexed == SearchDocument.objects.count() >= TARGET_ITEMS, indexed

    # Fill the filter placeholders with real values from the generated data.
    busy = (
        SearchDocument.objects.values_list("department_id", "region__code")
        .order_by("department_id")
        .first()
    )
    assert busy is not None
    department_id, region_code = busy
    theme = SearchDocument.objects.exclude(theme_codes="").values_list("theme_codes", flat=True)[0]
    placeholders = {
        "REGION": region_code,
        "DEPARTMENT": department_id,
        "THEME": theme.strip("|").split("|")[0],
    }
    assert Department.objects.filter(pk=department_id).exists()
    queries = [
        {
            key: placeholders.get(value, value) if isinstance(value, str) else value
            for key, value in q.items()
        }
        for q in QUERIES
    ]

    def one(q: dict) -> int:
        return search_items(**{"language": "zh-hans", "limit": 20, **q}).count

    found = {}
    for q in queries:  # warm up: jieba, synonyms, the did-you-mean vocabulary
        found[str(q)] = one(q)
    empty = [q for q, n in found.items() if n == 0]
    assert not empty, f"queries that found nothing: {empty}"

    samples: list[float] = []
    per_query: dict[str, list[float]] = {}
    for _ in range(8):
        for q in queries:
            begin = time.perf_counter()
            one(q)
            elapsed = (time.perf_counter() - begin) * 1000
            samples.append(elapsed)
            per_query.setdefault(str(q), []).append(elapsed)
    slowest = max(per_query.items(), key=lambda kv: percentile(kv[1], 50))
    note = f"{indexed:,} items, {len(queries)} queries × 8; slowest median {slowest[0]}"
    return [
        Figure(
            "catalog search: generate items",
            generate_seconds,
            "s",
            note=f"{generated:,} generated, {existing:,} existing",
        ),
        Figure("catalog search: reindex all", reindex_seconds, "s", note=f"{indexed:,} items"),
        *latency_figures("catalog search_items()", samples, p95_target=30.0, note=note),
    ]
