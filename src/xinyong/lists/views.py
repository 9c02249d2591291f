"""Console screens of red and black lists (/console/lists/): list types, entries (search, export, detail with
its steps), proposing an entry, the review queue of proposals and the queue of entries that may take effect.

The 失信惩戒告知书 is issued by the reports app's console view (``reports_console:notice_issue``): the entry's
page posts there.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinyong.accounts.decorators import console_view
from xinyong.accounts.models import AuditAction, Department, Role
from xinyong.accounts.permissions import effective_role
from xinyong.accounts.services import audit_log
from xinyong.core.codes import SubjectKind
from xinyong.core.identifiers import normalize_code_input
from xinyong.core.spreadsheet import SafeCsvWriter
from xinyong.lists.lifecycle import (
    LifecycleError,
    entry_decline,
    entry_make_effective,
    entry_propose,
    entry_remove,
)
from xinyong.lists.models import EntryState, ListColour, ListEntry, ListingMode, ListType
from xinyong.lists.permissions import (
    can_decide_entry,
    can_propose_on,
    can_read_lists,
    can_work_on_lists,
)
from xinyong.lists.presenters import (
    EntryFilters,
    basis_records,
    clean_query,
    entries_csv_rows,
    entries_search,
    entry_actions,
    labelled,
    level_names,
    list_types_search,
)
from xinyong.lists.queues import entries_decidable_by, entries_due_effective, proposals_to_review
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Subject

PER_PAGE = 25
EXPORT_MAX = 100_000
SUBJECT_MATCHES = 20
RECORDS_SHOWN = 100


def _page(request, queryset, *, levels: dict[str, str] | None = None):
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    if levels is not None:
        page.object_list = labelled(list(page.object_list), levels=levels)
    return page


def _render(request, template: str, tab: str, context: dict):
    return render(request, template, {"tab": tab, "can_work": can_work_on_lists(request.user), **context})


# ---------------------------------------------------------------------------------------------------------
# List types


@console_view(can_read_lists)
def type_list(request):
    """List types: table with colour, listing mode, initiating department, validity, objection window."""
    q = clean_query(request.GET.get("q"))
    colour = request.GET.get("colour") or ""
    mode = request.GET.get("mode") or ""
    page = _page(request, list_types_search(q=q, colour=colour, mode=mode))
    return _render(
        request,
        "lists/type_list.html",
        "types",
        {
            "page": page,
            "q": q,
            "colour": colour,
            "mode": mode,
            "colours": ListColour.choices,
            "modes": ListingMode.choices,
        },
    )


@console_view(can_read_lists)
def type_detail(request, code: str):
    """One list type with its versions."""
    list_type = get_object_or_404(ListType, code=code)
    return _render(
        request,
        "lists/type_detail.html",
        "types",
        {
            "list_type": list_type,
            "versions": list_type.versions.select_related("created_by").order_by("-number"),
            "entry_count": list_type.entries.filter(state=EntryState.EFFECTIVE).count(),
        },
    )


# ---------------------------------------------------------------------------------------------------------
# Entries


def _entry_filters_context(filters: EntryFilters) -> dict:
    return {
        "filters": filters,
        "types": ListType.objects.order_by("colour", "domain", "code").values_list("code", "name"),
        "colours": ListColour.choices,
        "states": EntryState.choices,
        "departments": Department.objects.order_by("code").values_list("code", "name"),
    }


@console_view(can_read_lists)
def entry_list(request):
    """Entries filtered by type, colour, state, department, subject name or code; paginated."""
    filters = EntryFilters.from_query(request.GET)
    page = _page(request, entries_search(filters), levels=level_names())
    return _render(
        request,
        "lists/entry_list.html",
        "entries",
        {
            "page": page,
            "export_query": request.GET.urlencode(),
            **_entry_filters_context(filters),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@console_view(can_read_lists)
def entry_export(request):
    """The filtered entries as CSV (UTF-8 with BOM, formula cells neutralised); audited as an export."""
    filters = EntryFilters.from_query(request.GET)
    entries = entries_search(filters)[:EXPORT_MAX]
    audit_log(
        actor=request.user,
        action=AuditAction.EXPORT,
        obj=ListEntry,
        detail={"filters": filters.__dict__},
        request=request,
    )
    writer = SafeCsvWriter(_Echo())
    levels = level_names()

    def stream():
        yield "\ufeff"
        for row in entries_csv_rows(entries.iterator(chunk_size=2000), levels=levels):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="list_entries_{timezone.localdate():%Y%m%d}.csv"'
    return response


@console_view(can_read_lists)
def entry_detail(request, pk: int):
    """One entry: subject, list, record link, basis records, events timeline, notice link, allowed steps."""
    entry = get_object_or_404(
        ListEntry.objects.select_related("list_type", "subject", "department", "record", "record__item"),
        pk=pk,
    )
    today = timezone.localdate()
    return _render(
        request,
        "lists/entry_detail.html",
        "entries",
        {
            "entry": labelled([entry], levels=level_names())[0],
            "basis": basis_records(entry),
            "events": entry.events.select_related("actor").order_by("at", "pk"),
            "actions": entry_actions(user=request.user, entry=entry, on_date=today),
            "today": today,
        },
    )


_STEPS = {
    "make_effective": lambda entry, user, on, reason: entry_make_effective(
        entry=entry, on_date=on, actor=user
    ),
    "decline": lambda entry, user, on, reason: entry_decline(
        entry=entry, on_date=on, reason=reason, actor=user
    ),
    "remove": lambda entry, user, on, reason: entry_remove(
        entry=entry, on_date=on, reason=reason, actor=user
    ),
}
_DONE = {"make_effective": "已列入名单", "decline": "已决定不予列入", "remove": "已移出名单"}


@require_POST
@console_view(can_work_on_lists)
def entry_step(request, pk: int, action: str):
    """Take one step on an entry (列入 / 不予列入 / 移出); refused steps show their reason."""
    if action not in _STEPS:
        raise Http404("没有该操作")
    entry = get_object_or_404(ListEntry.objects.select_related("list_type", "subject", "department"), pk=pk)
    if not can_decide_entry(request.user, entry):
        messages.error(request, "您无权办理该名单类型的条目")
        return redirect("lists:entry_detail", pk=entry.pk)
    reason = str(request.POST.get("reason") or "")[:4000]
    try:
        _STEPS[action](entry, request.user, timezone.localdate(), reason)
    except LifecycleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _DONE[action])
    next_url = request.POST.get("next") or ""
    if next_url in ("review", "due"):
        return redirect(f"lists:{next_url}")
    return redirect("lists:entry_detail", pk=entry.pk)


# ---------------------------------------------------------------------------------------------------------
# Proposing


def _proposable_types(user) -> list[ListType]:
    types = ListType.objects.filter(listing_mode=ListingMode.DECIDED, active=True).order_by("colour", "code")
    return [t for t in types if can_propose_on(user, t)]


@console_view(can_work_on_lists)
def entry_propose_page(request):
    """Propose an entry: find the subject, choose the list type, the basis records and write the reason."""
    types = _proposable_types(request.user)
    is_operator = effective_role(request.user) == Role.OPERATOR
    q = clean_query(request.GET.get("q") or request.POST.get("q"))
    subject = None
    raw_subject = request.GET.get("subject") or request.POST.get("subject") or ""
    if raw_subject.isdigit():
        subject = Subject.objects.filter(pk=int(raw_subject)).first()
    if request.method == "POST" and subject is not None:
        type_code = str(request.POST.get("list_type") or "")
        list_type = next((t for t in types if t.code == type_code), None)
        ids = [int(v) for v in request.POST.getlist("basis") if str(v).isdigit()][:100]
        if is_operator:
            department = Department.objects.filter(
                code=str(request.POST.get("department") or "")[:60]
            ).first()
        else:
            department = request.user.department
        if list_type is None:
            messages.error(request, "请选择您有权提出的平台认定名单类型")
        elif department is None:
            messages.error(request, "请选择认定部门")
        else:
            try:
                entry = entry_propose(
                    list_type=list_type,
                    subject=subject,
                    reason=str(request.POST.get("reason") or "")[:4000],
                    basis_record_ids=ids,
                    on_date=timezone.localdate(),
                    actor=request.user,
                    department=department,
                )
            except LifecycleError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "已提出拟列入，待审核后出具失信惩戒告知书")
                return redirect("lists:entry_detail", pk=entry.pk)
    matches: list[Subject] = []
    if q and subject is None:
        code = normalize_code_input(q)
        matches = list(Subject.objects.filter(uscc=code)[:SUBJECT_MATCHES]) or list(
            Subject.objects.filter(name__icontains=q)
            .exclude(kind=SubjectKind.NATURAL_PERSON)
            .order_by("name")[:SUBJECT_MATCHES]
        )
    records = []
    if subject is not None:
        records = list(
            CreditRecord.objects.select_related("item", "department")
            .filter(subject=subject)
            .order_by("-decision_date", "-pk")[:RECORDS_SHOWN]
        )
    return _render(
        request,
        "lists/propose.html",
        "propose",
        {
            "types": types,
            "q": q,
            "subject": subject,
            "matches": matches,
            "records": records,
            "departments": Department.objects.order_by("code") if is_operator else None,
        },
    )


# ---------------------------------------------------------------------------------------------------------
# Queues


@console_view(can_work_on_lists)
def review_queue(request):
    """Proposals (from departments and escalation rules) awaiting review: notify or decline."""
    everything = effective_role(request.user) == Role.OPERATOR
    proposals = entries_decidable_by(proposals_to_review(), user=request.user, everything=everything)
    return _render(
        request,
        "lists/review.html",
        "review",
        {"page": _page(request, proposals, levels=level_names())},
    )


@console_view(can_work_on_lists)
def due_queue(request):
    """Queue 可列入: notified entries whose objection window has passed with no objection."""
    everything = effective_role(request.user) == Role.OPERATOR
    today = timezone.localdate()
    due = entries_decidable_by(entries_due_effective(as_of=today), user=request.user, everything=everything)
    return _render(
        request,
        "lists/due.html",
        "due",
        {"page": _page(request, due, levels=level_names()), "today": today},
    )
