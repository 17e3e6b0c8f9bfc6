"""Synthetic demo data for the service-item catalogue (loaded by `govhub.catalog.demo`).

- `taxonomy`: themes, life events, responsible domains, fees and shared texts;
- `library`: application materials and form fields shared by the items;
- `person_items` / `enterprise_items`: the base items and how they are implemented;
- `EXTRA_IMPLEMENTATIONS`: implementations beyond the city/county pattern.

The city department of an item's domain implements it in 鹤岗市 (230400); an item's
`county` divisions implement it too, each through its own body (a county department where
the organisations demo has one, otherwise the district or county government).
"""

from __future__ import annotations

from govhub.catalog.demo_data.enterprise_items import ENTERPRISE_ITEMS
from govhub.catalog.demo_data.person_items import PERSON_ITEMS
from govhub.catalog.demo_data.specs import ExtraImplementation, ItemSpec

ITEMS: list[ItemSpec] = [*PERSON_ITEMS, *ENTERPRISE_ITEMS]

EXTRA_IMPLEMENTATIONS: list[ExtraImplementation] = [
    ExtraImplementation(
        109, "hg-amr", "230421", 2, "handed_down", "2025-01-01",
        "为方便群众就近办理，经鹤岗市人民政府同意，萝北县行政区域内的药品零售企业许可自2025年1月1日起"
        "下放至萝北县市场监督管理局实施，请向萝北县政务服务中心申请。",
        "230421",
    ),
    ExtraImplementation(
        125, "hg-housing", "230422", 2, "handed_down", "2025-07-01",
        "经鹤岗市人民政府同意，绥滨县行政区域内的建筑工程施工许可自2025年7月1日起下放至绥滨县实施，"
        "请向绥滨县政务服务中心申请。",
        "230422",
    ),
]  # fmt: skip

__all__ = ["EXTRA_IMPLEMENTATIONS", "ITEMS", "ExtraImplementation", "ItemSpec"]
