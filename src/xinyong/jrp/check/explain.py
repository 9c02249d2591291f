"""The explanation of a check answer: short Chinese sentences a window clerk can read out or act on.

Pure functions of the answer's parts; no queries. The sentences say which lists the subject is on, since
when and on whose decision, which measures apply (强制/推荐, basis), which are suspended and why, and that a
name-only result needs the subject confirmed before anything applies. An entry that has ended is said to
have ended, with the measures that continue after removal and until when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from xinyong.jrp.measures.conditions import continuation_last_day
from xinyong.jrp.types import Hit, MeasureResult

COLOUR_LABELS = {"black": "黑名单", "red": "红名单"}
APPLICATION_LABELS = {"mandatory": "强制", "recommended": "推荐"}
NAME_ONLY_WARNING = (
    "按名称查询只能列出候选主体，不能作为实施惩戒的依据：请核对申请人出示的营业执照或身份证件，"
    "确认主体后再核查；确认前不适用任何惩戒措施。"
)
SUSPENDED_NOTE = "异议中·暂停执行"


def _day(value: dt.date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def _ended_sentence(hit: Hit, details: str, months: Sequence[int]) -> str:
    """An entry that has ended: no longer listed; the measures that continue after removal still apply."""
    colour = COLOUR_LABELS.get(hit.colour, "")
    since = f"自{_day(hit.effective_from)}起" if hit.effective_from else ""
    who = f"“{hit.organisation_name}”（申请人为其法定代表人）" if hit.via_person else "该主体"
    if len(set(months)) == 1:
        until = continuation_last_day(hit.effective_until, months[0])
        rest = f"措施按规定在移出后继续实施 {months[0]} 个月（至{_day(until)}）"
    elif months:
        rest = "部分措施按规定在移出后继续实施（期限见各项措施）"
    else:
        rest = "仅适用按规定在移出后继续实施的措施"
    return (
        f"{who}曾{since}被列入“{hit.list_name}”（{colour}）{details}，已于{_day(hit.ended_on)}移出名单，"
        f"目前不在该名单内；{rest}。"
    )


def hit_sentence(hit: Hit, months: Sequence[int] = ()) -> str:
    """One hit: the list, since when, on whose decision, until when, and whether it is disputed.

    ``months``: for an entry that has ended, how long each measure resting on it continues after removal.
    """
    colour = COLOUR_LABELS.get(hit.colour, "")
    since = f"自{_day(hit.effective_from)}起" if hit.effective_from else ""
    who = f"认定部门：{hit.deciding_department}" if hit.deciding_department else ""
    until = f"有效期至{_day(hit.effective_until)}" if hit.effective_until else ""
    if hit.ended_on is not None:
        details = f"（{who}）" if who else ""
        text = _ended_sentence(hit, details, months)
        if hit.disputed:
            text += "该名单所依据的信用记录已标注异议，异议处理期间相关措施暂停执行。"
        return text
    details = "，".join(part for part in (who, until) if part)
    details = f"（{details}）" if details else ""
    if hit.via_person:
        text = (
            f"申请人是“{hit.organisation_name}”的法定代表人，该单位{since}被列入“{hit.list_name}”（{colour}）"
            f"{details}；按照“落实到人”的要求，对申请人适用延伸至责任人的措施。"
        )
    else:
        text = f"该主体{since}被列入“{hit.list_name}”（{colour}）{details}。"
    if hit.reason:
        text += f"列入事由：{hit.reason}。"
    if hit.disputed:
        text += "该名单所依据的信用记录已标注异议，异议处理期间相关措施暂停执行。"
    return text


def measure_sentence(measure: MeasureResult) -> str:
    """One measure with its application, basis and implementing department."""
    label = APPLICATION_LABELS.get(measure.application, measure.application)
    parts = [f"依据：{measure.legal_basis}"] if measure.legal_basis else []
    if measure.implementing_department:
        parts.append(f"实施部门：{measure.implementing_department}")
    if measure.continues_months:
        parts.append(f"名单移出后继续实施 {measure.continues_months} 个月")
    detail = f"（{'；'.join(parts)}）" if parts else ""
    if measure.suspended:
        reason = measure.suspended_reason or "所依据的信用记录已标注异议"
        return f"【{SUSPENDED_NOTE}】{measure.content}{detail}——{reason}。"
    return f"【{label}】{measure.content}{detail}"


def explain(
    *,
    outcome: str,
    as_of: dt.date,
    subject: dict | None,
    hits: Sequence[Hit],
    measures: Sequence[MeasureResult],
    rulebook_number: int | None,
    candidates: Sequence[dict] = (),
    error_message: str = "",
    query_kind: str = "",
) -> list[str]:
    """The explanation sentences of one answer."""
    day = _day(as_of)
    if outcome == "invalid":
        return [error_message or "查询条件有误，请核对后重新查询。"]
    if outcome == "candidates" or (outcome == "not_found" and query_kind == "name"):
        subjects = [c for c in candidates if c.get("candidate_kind") == "subject"]
        persons = [c for c in candidates if c.get("candidate_kind") == "responsible_person"]
        lines = []
        if subjects:
            lines.append(f"按名称找到 {len(subjects)} 个候选主体，按相似程度排列。")
        else:
            lines.append("按名称未找到相符的主体。")
        if persons:
            lines.append(
                f"另有 {len(persons)} 个被列入名单的单位，其法定代表人与查询的姓名相同；"
                "仅凭姓名不能认定为同一人，请改用身份证号码核查。"
            )
        lines.append(NAME_ONLY_WARNING)
        return lines
    lines: list[str] = []
    if subject is not None and subject.get("name"):
        code = f"（{subject['code']}）" if subject.get("code") else ""
        lines.append(f"核查对象：{subject['name']}{code}，核查依据日期：{day}。")
    if subject is not None and subject.get("confirmed"):
        lines.append("该主体由核查人员按名称查询后核对证件确认。")
    if outcome == "not_found":
        if query_kind == "ric":
            lines.append(f"平台未归集该身份证号码对应自然人的信用记录；截至{day}，未发现其被列入红黑名单。")
        else:
            lines.append("平台没有该统一社会信用代码对应的主体，未发现其被列入红黑名单；请核对代码是否有误。")
        return lines
    if not hits:
        lines.append(f"截至{day}，该主体未被列入任何有效的红黑名单，无须适用联合奖惩措施。")
        return lines
    for hit in hits:
        if hit.ended_on is None:
            lines.append(hit_sentence(hit))
        else:
            months = [m.continues_months for m in measures if m.entry_id == hit.entry_id]
            lines.append(hit_sentence(hit, months))
    if rulebook_number is None:
        lines.append("目前没有已公布的奖惩措施清单，未列出措施（未经公布的惩戒措施不得实施）。")
        return lines
    applied = [m for m in measures if not m.suspended]
    suspended = [m for m in measures if m.suspended]
    if applied:
        mandatory = sum(1 for m in applied if m.application == "mandatory")
        lines.append(
            f"依据奖惩措施清单第 {rulebook_number} 版，本事项应适用措施 {len(applied)} 项"
            f"（强制 {mandatory} 项，推荐 {len(applied) - mandatory} 项）："
        )
        lines.extend(measure_sentence(m) for m in applied)
    elif not suspended:
        lines.append(f"依据奖惩措施清单第 {rulebook_number} 版，本事项没有应适用的措施。")
    if suspended:
        lines.append(f"暂停执行的措施 {len(suspended)} 项：")
        lines.extend(measure_sentence(m) for m in suspended)
    return lines
