"""The demo's API keys, one per use the README shows, and the example request body for the collection API.

A key is shown once, so every run of the demo revokes the keys of the previous run and issues new ones.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path

from xinyong.accounts.models import ApiClient, Department
from xinyong.accounts.services import apiclient_create, apiclient_revoke
from xinyong.core.identifiers import generate_uscc
from xinyong.demo.county import COUNTY, DEMO_API_CLIENT, REGION
from xinyong.demo.decisions import add_years

# The collection API example of the README posts this file (relative to XINYONG_HOME).
API_EXAMPLE_DIR = "api"
API_EXAMPLE_FILE = "penalty.json"


@dataclass(frozen=True)
class DemoKeyUse:
    use: str  # what the README calls it
    label: str  # printed next to the key
    department: str
    scopes: tuple[str, ...]

    @property
    def client_name(self) -> str:
        return f"演示接口客户端（{self.label}）"


@dataclass(frozen=True)
class DemoKey:
    use: DemoKeyUse
    key: str
    department_name: str


DEMO_KEY_USES: tuple[DemoKeyUse, ...] = (
    DemoKeyUse("collection", "报送：市场监管局报送信用记录", "samr", ("records:write",)),
    DemoKeyUse("read", "读取：市场监管局读取记录、变更和主体", "samr", ("records:read", "subjects:read")),
    DemoKeyUse("reports", "报告：县信用办出具信用报告", "dev-reform", ("reports:issue",)),
)


def demo_api_keys(*, departments: dict[str, Department], now: dt.datetime) -> list[DemoKey]:
    """Revoke the demo's earlier keys and issue one per use in DEMO_KEY_USES."""
    names = [DEMO_API_CLIENT, *(use.client_name for use in DEMO_KEY_USES)]
    for client in ApiClient.objects.filter(name__in=names, revoked_at__isnull=True):
        apiclient_revoke(client=client, now=now)
    keys = []
    for use in DEMO_KEY_USES:
        department = departments[use.department]
        _, key = apiclient_create(
            name=use.client_name, department=department, scopes=list(use.scopes), now=now
        )
        keys.append(DemoKey(use=use, key=key, department_name=department.name))
    return keys


def demo_api_example(*, directory: Path, authority: Department, as_of: dt.date) -> Path:
    """Write the body of the README's collection API example: two penalties of the market regulator.

    Keyed by field code, decided a few days before ``as_of``, under document numbers of their own so that
    they are new records the first time and duplicates afterwards.
    """
    rng = random.Random("api-example")
    decided = as_of - dt.timedelta(days=3)
    rows = []
    for n, (name, fine) in enumerate(
        (("示范县接口示例商贸有限公司", "0.3"), ("示范县接口示例餐饮有限公司", "0.2")), 1
    ):
        rows.append(
            {
                "CF_XDR_MC": name,
                "CF_XDR_LB": "法人及非法人组织",
                "CF_XDR_SHXYM": generate_uscc(rng, category="91", division=REGION),
                "CF_FRDB": "李明",
                "CF_WSH": f"{COUNTY[:2]}市监罚〔{decided.year}〕接口示例{n}号",
                "CF_WFXW": "未按规定公示年度报告",
                "CF_SY": "该企业未在规定期限内公示上一年度年度报告",
                "CF_YJ": "《企业信息公示暂行条例》第十条",
                "CF_CFLB": "警告;罚款",
                "CF_NR": f"警告，并处罚款人民币{int(float(fine) * 10_000)}元",
                "CF_NR_FK": fine,
                "CF_JDRQ": decided.isoformat(),
                "CF_YXQ": add_years(decided, 1).isoformat(),
                "CF_CFJG": authority.name,
                "CF_CFJGDM": authority.uscc,
                "CF_SJLY": authority.name,
                "CF_SJLYDM": authority.uscc,
            }
        )
    path = directory / API_EXAMPLE_DIR / API_EXAMPLE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
