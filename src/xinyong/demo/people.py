"""The demo county's subjects: enterprises, cooperatives, social organisations, 个体工商户 and natural persons,
with valid codes (and, for some 个体工商户, only a 工商注册号), drawn from one ``random.Random``."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from stdnum.iso7064 import mod_11_10

from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import USCC_NO_CODE, generate_ric, generate_uscc
from xinyong.demo.county import (
    ASSOCIATIONS,
    COOPS,
    COUNTY,
    FOUNDATIONS,
    GIVEN,
    GROUP_SHARES,
    INDUSTRIES,
    NO_CODE_SHARE,
    NON_PROFITS,
    REGION,
    SHOPS,
    SURNAMES,
    TOWNS,
    TRADE_FIRST,
    TRADE_SECOND,
)


@dataclass(frozen=True)
class DemoSubject:
    """One subject of the registry as the departments know it."""

    group: str  # e enterprise, c cooperative, s social organisation, b 个体工商户, p natural person
    kind: str  # SubjectKind
    name: str
    uscc: str = ""  # USCC_NO_CODE for a 个体工商户 without one (then reg_no is set)
    reg_no: str = ""  # 工商注册号
    ric: str = ""  # 身份证号码
    legal_rep: str = ""  # 法定代表人 / 经营者
    sector: str = ""  # an enterprise's industry (INDUSTRIES)


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _trade(rng: random.Random) -> str:
    first = rng.choice(TRADE_FIRST)
    return first + rng.choice(TRADE_SECOND.replace(first, ""))


def _unique(seen: set[str], make: Callable[[], str], tries: int = 30) -> str | None:
    for _ in range(tries):
        value = make()
        if value not in seen:
            seen.add(value)
            return value
    return None


def _group_counts(count: int) -> dict[str, int]:
    counts = {group: int(count * share) for group, share in GROUP_SHARES.items()}
    if count >= len(counts):
        for group in counts:
            counts[group] = max(counts[group], 1)
    counts["e"] += count - sum(counts.values())
    while counts["e"] < 0:  # fewer subjects than groups
        largest = max((g for g in counts if g != "e"), key=counts.__getitem__)
        counts[largest] -= 1
        counts["e"] += 1
    return counts


def demo_subjects(*, rng: random.Random, count: int) -> list[DemoSubject]:
    """``count`` subjects with valid, distinct identifiers and names, in the county's mix of kinds."""
    groups = [group for group, n in _group_counts(count).items() for _ in range(n)]
    rng.shuffle(groups)
    names: set[str] = set()
    codes: set[str] = set()

    def uscc(category: str) -> str:
        return _unique(codes, lambda: generate_uscc(rng, category=category, division=REGION), tries=1000)

    subjects = []
    for index, group in enumerate(groups):
        if group == "p":
            birth = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(365 * 50))
            ric = _unique(
                codes,
                lambda b=birth: generate_ric(rng, birth_date=b, sex=rng.choice("MF"), region=REGION),
                1000,
            )
            subjects.append(DemoSubject("p", SubjectKind.NATURAL_PERSON, _person_name(rng), ric=ric))
        elif group == "b":
            owner = _person_name(rng)
            name = _unique(names, lambda o=owner: f"{COUNTY}{rng.choice(TOWNS)}{o}{rng.choice(SHOPS)}")
            name = name or f"{COUNTY}{owner}{rng.choice(SHOPS)}（{index}号）"
            if rng.random() < NO_CODE_SHARE:
                # 工商注册号: registration office, 8-digit sequence, GB/T 17710 (ISO 7064 MOD 11,10) check digit.
                body = REGION + "6" + "".join(rng.choice("0123456789") for _ in range(7))
                reg_no = _unique(codes, lambda b=body: b + mod_11_10.calc_check_digit(b), 1) or ""
                if reg_no:
                    subjects.append(
                        DemoSubject(
                            "b", SubjectKind.INDIVIDUAL_BUSINESS, name, USCC_NO_CODE, reg_no, legal_rep=owner
                        )
                    )
                    continue
            subjects.append(
                DemoSubject("b", SubjectKind.INDIVIDUAL_BUSINESS, name, uscc("92"), legal_rep=owner)
            )
        elif group == "s":
            roll = rng.random()
            name = None
            if roll < 0.3:
                category = "51"
                name = _unique(names, lambda: f"{COUNTY}{rng.choice(['', *TOWNS])}{rng.choice(ASSOCIATIONS)}")
            elif roll < 0.35:
                category = "53"
                name = _unique(names, lambda: f"{COUNTY}{_trade(rng)}{rng.choice(FOUNDATIONS)}")
            if name is None:
                category = "52"
                name = _unique(names, lambda: f"{COUNTY}{_trade(rng)}{rng.choice(NON_PROFITS)}")
                name = name or f"{COUNTY}{_trade(rng)}{rng.choice(NON_PROFITS)}（{index}号）"
            subjects.append(
                DemoSubject("s", SubjectKind.ORGANISATION, name, uscc(category), legal_rep=_person_name(rng))
            )
        else:
            industry = ""
            if group == "c":
                name = _unique(
                    names, lambda: f"{COUNTY}{rng.choice(TOWNS)}{_trade(rng)}{rng.choice(COOPS)}专业合作社"
                )
                category = "93"
            else:
                industry, suffix = rng.choice(INDUSTRIES)
                name = _unique(names, lambda i=industry, s=suffix: f"{COUNTY}{_trade(rng)}{i}{s}")
                name = name or f"{COUNTY}{_trade(rng)}{industry}{index}号{suffix}"
                category = "91"
            name = name or f"{COUNTY}{_trade(rng)}{index}号专业合作社"
            subjects.append(
                DemoSubject(
                    group,
                    SubjectKind.ORGANISATION,
                    name,
                    uscc(category),
                    legal_rep=_person_name(rng),
                    sector=industry,
                )
            )
    return subjects
