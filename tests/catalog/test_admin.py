"""Admin console: editing an item creates a new version; versions read-only; permissions by role."""

import yaml
from django.urls import reverse

from xinyong.accounts.models import AuditEntry
from xinyong.catalog.models import CatalogItem, CatalogItemVersion, CodeList, RuleSet
from xinyong.catalog.selectors import catalog_item_current_version, rule_set_current


def _item_post(item: CatalogItem, content: str, **extra) -> dict:
    return {
        "name": item.name,
        "category": item.category,
        "description": item.description,
        "is_active": "on" if item.is_active else "",
        "content": content,
        "change_note": "",
        "valid_from": "",
        **extra,
    }


def _content_of(response) -> str:
    return (
        response.context["adminform"].form.initial.get("content")
        or response.context["adminform"].form.fields["content"].initial
    )


def test_operator_edits_an_item_and_gets_a_new_version(client, loaded, operator):
    client.force_login(operator)
    item = CatalogItem.objects.get(code="penalty")
    url = reverse("admin:catalog_catalogitem_change", args=[item.pk])
    page = client.get(url)
    assert page.status_code == 200
    content = _content_of(page)
    data = yaml.safe_load(content)
    assert data["rule_set"] == "ndrc-36" and len(data["fields"]) == len(
        catalog_item_current_version(code="penalty").fields
    )
    assert "v1" in page.content.decode()  # version history

    edited = content.replace("- 罚款数额", "- 罚款数额\n  - 罚没款金额")
    assert edited != content
    response = client.post(
        url, _item_post(item, edited, change_note="增加同义表头", valid_from="2026-07-01"), follow=True
    )
    assert response.status_code == 200
    assert "已创建“行政处罚”第 2 版" in response.content.decode()

    v2 = catalog_item_current_version(code="penalty")
    assert (v2.number, v2.change_note, str(v2.valid_from), v2.created_by) == (
        2,
        "增加同义表头",
        "2026-07-01",
        operator,
    )
    assert "罚没款金额" in v2.schema().field("CF_NR_FK").synonyms
    v1 = CatalogItemVersion.objects.get(item=item, number=1)
    assert "罚没款金额" not in v1.schema().field("CF_NR_FK").synonyms
    assert AuditEntry.objects.filter(action="catalog_version_create", object_id=str(v2.pk)).exists()


def test_saving_unchanged_content_creates_no_version(client, loaded, operator):
    client.force_login(operator)
    item = CatalogItem.objects.get(code="license")
    url = reverse("admin:catalog_catalogitem_change", args=[item.pk])
    content = _content_of(client.get(url))
    response = client.post(url, _item_post(item, content), follow=True)
    assert "未创建新版本" in response.content.decode()
    assert item.versions.count() == 1


def test_invalid_edit_is_refused_with_a_message(client, loaded, operator):
    client.force_login(operator)
    item = CatalogItem.objects.get(code="penalty")
    url = reverse("admin:catalog_catalogitem_change", args=[item.pk])
    content = _content_of(client.get(url)).replace("type: amount", "type: money", 1)
    response = client.post(url, _item_post(item, content))
    assert response.status_code == 200
    body = response.content.decode()
    assert "未知的字段类型“money”" in body and "CF_NR_FK" in body
    broken = client.post(url, _item_post(item, "fields: [未闭合"))
    assert "YAML 格式错误" in broken.content.decode()
    assert item.versions.count() == 1


def test_operator_adds_a_new_item(client, loaded, operator):
    client.force_login(operator)
    content = yaml.safe_dump(
        {
            "subject_kinds": ["organisation"],
            "legal_basis": "《中华人民共和国行政强制法》",
            "disclosure_scope": "shared",
            "polarity": "negative",
            "fields": [
                {"code": "QZ_XDR_MC", "name": "行政相对人名称", "required": True},
                {"code": "QZ_WSH", "name": "行政强制决定书文号", "required": True},
                {"code": "QZ_JDRQ", "name": "决定日期", "type": "date", "required": True},
            ],
        },
        allow_unicode=True,
    )
    response = client.post(
        reverse("admin:catalog_catalogitem_add"),
        {
            "code": "enforcement",
            "name": "行政强制",
            "category": "administrative",
            "is_active": "on",
            "content": content,
        },
        follow=True,
    )
    assert response.status_code == 200
    version = catalog_item_current_version(code="enforcement")
    assert version.number == 1 and version.disclosure_scope == "shared"


def test_data_officer_reads_but_cannot_change(client, loaded, data_officer):
    client.force_login(data_officer)
    item = CatalogItem.objects.get(code="penalty")
    assert client.get(reverse("admin:catalog_catalogitem_changelist")).status_code == 200
    url = reverse("admin:catalog_catalogitem_change", args=[item.pk])
    response = client.post(url, _item_post(item, "fields: []"))
    assert response.status_code == 403
    assert client.get(reverse("admin:catalog_catalogitem_add")).status_code == 403
    assert item.versions.count() == 1


def test_versions_are_read_only_in_the_admin(client, loaded, operator):
    client.force_login(operator)
    version = catalog_item_current_version(code="penalty")
    url = reverse("admin:catalog_catalogitemversion_change", args=[version.pk])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "CF_NR_FK" in body and "罚款金额（万元）" in body and "CF_CFLB1" in body
    client.post(url, {"legal_basis": "改写"})
    version.refresh_from_db()
    assert version.legal_basis != "改写"
    assert client.get(reverse("admin:catalog_catalogitemversion_add")).status_code == 403
    delete = reverse("admin:catalog_catalogitemversion_delete", args=[version.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert CatalogItemVersion.objects.filter(pk=version.pk).exists()


def test_changelists_with_search_and_filters(client, loaded, operator):
    client.force_login(operator)
    for name, query in [
        ("catalog_catalogitem", {"q": "处罚"}),
        ("catalog_catalogitem", {"category__exact": "administrative"}),
        ("catalog_catalogitemversion", {"q": "penalty"}),
        ("catalog_catalogitemversion", {"disclosure_scope__exact": "public"}),
        ("catalog_codelist", {"q": "处罚"}),
        ("catalog_ruleset", {"family": "disclosure"}),
    ]:
        response = client.get(reverse(f"admin:{name}_changelist"), query)
        assert response.status_code == 200, name
    listing = client.get(reverse("admin:catalog_catalogitem_changelist"), {"q": "处罚"}).content.decode()
    assert "行政处罚" in listing and "行政许可" not in listing


def test_rule_set_edit_creates_a_new_version(client, loaded, operator):
    client.force_login(operator)
    v1 = rule_set_current(code="ndrc-36")
    url = reverse("admin:catalog_ruleset_change", args=[v1.pk])
    page = client.get(url)
    assert page.status_code == 200
    rules_yaml = page.context["adminform"].form.fields["rules_yaml"].initial
    edited = rules_yaml.replace("min_months: 12", "min_months: 18", 1)
    response = client.post(
        url,
        {
            "name": v1.name,
            "in_force_from": "2026-04-01",
            "in_force_to": "",
            "legal_basis": v1.legal_basis,
            "rules_yaml": edited,
            "change_note": "本地从严",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "第 2 版" in response.content.decode()
    v2 = rule_set_current(code="ndrc-36")
    assert v2.version == 2 and v2.tier_rule("serious").min_months == 18 and v2.change_note == "本地从严"
    v1.refresh_from_db()
    assert v1.tier_rule("serious").min_months == 12
    assert RuleSet.objects.filter(code="ndrc-36").count() == 2


def test_rule_set_edit_with_overlap_is_refused(client, loaded, operator):
    client.force_login(operator)
    v1 = rule_set_current(code="ndrc-36")
    url = reverse("admin:catalog_ruleset_change", args=[v1.pk])
    rules_yaml = client.get(url).context["adminform"].form.fields["rules_yaml"].initial
    response = client.post(
        url,
        {
            "name": v1.name,
            "in_force_from": "2026-01-01",
            "in_force_to": "",
            "legal_basis": "",
            "rules_yaml": rules_yaml,
        },
    )
    assert response.status_code == 200
    assert "重叠" in response.content.decode()
    assert RuleSet.objects.filter(code="ndrc-36").count() == 1


def test_code_list_edit_versions_the_items_using_it(client, loaded, operator):
    client.force_login(operator)
    code_list = CodeList.objects.get(code="id_type")
    url = reverse("admin:catalog_codelist_change", args=[code_list.pk])
    page = client.get(url)
    assert "行政处罚 v1" in page.content.decode()  # used by
    entries = yaml.safe_load(page.context["adminform"].form.fields["entries_yaml"].initial)
    entries.append({"value": "港澳台居民居住证", "code": "hmt_residence_permit", "synonyms": []})
    response = client.post(
        url,
        {
            "name": code_list.name,
            "description": code_list.description,
            "entries_yaml": yaml.safe_dump(entries, allow_unicode=True),
        },
        follow=True,
    )
    assert response.status_code == 200
    using = {"license", "penalty", "serious_dishonesty", "commitment", "commitment_breach", "honour"}
    for code in using:
        version = catalog_item_current_version(code=code)
        assert version.number == 2, code
        assert "港澳台居民居住证" in [e["value"] for e in version.code_lists["id_type"]["entries"]]
    assert catalog_item_current_version(code="registration").number == 1


def test_code_list_edit_is_validated(client, loaded, operator):
    client.force_login(operator)
    code_list = CodeList.objects.get(code="subject_kind")
    url = reverse("admin:catalog_codelist_change", args=[code_list.pk])
    bad = [{"value": "法人", "code": "legal_person"}]
    response = client.post(
        url,
        {"name": code_list.name, "description": "", "entries_yaml": yaml.safe_dump(bad, allow_unicode=True)},
    )
    assert response.status_code == 200
    assert "organisation" in response.content.decode()  # must be exactly the SubjectKind codes
    assert CodeList.objects.get(code="subject_kind").entries == code_list.entries


def test_add_pages_render_for_operators(client, loaded, operator):
    client.force_login(operator)
    for name in ("catalog_catalogitem", "catalog_codelist", "catalog_ruleset"):
        assert client.get(reverse(f"admin:{name}_add")).status_code == 200, name
    template = (
        client.get(reverse("admin:catalog_catalogitem_add"))
        .context["adminform"]
        .form.fields["content"]
        .initial
    )
    assert "fields:" in template and "legal_basis" in template


def test_nobody_deletes_catalog_rows(client, loaded, operator):
    client.force_login(operator)
    item = CatalogItem.objects.get(code="penalty")
    assert (
        client.post(reverse("admin:catalog_catalogitem_delete", args=[item.pk]), {"post": "yes"}).status_code
        == 403
    )
    rule_set = rule_set_current(code="ndrc-36")
    assert (
        client.post(reverse("admin:catalog_ruleset_delete", args=[rule_set.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert CatalogItem.objects.filter(pk=item.pk).exists() and RuleSet.objects.filter(pk=rule_set.pk).exists()


def test_read_only_roles_see_the_content_in_chinese_without_an_editor(client, loaded, data_officer):
    """A data officer (view permission only) reads items, code lists and rule sets; nothing breaks."""
    client.force_login(data_officer)
    item = CatalogItem.objects.get(code="penalty")
    pages = {
        reverse("admin:catalog_catalogitem_change", args=[item.pk]): "CF_WSH",
        reverse(
            "admin:catalog_codelist_change", args=[CodeList.objects.get(code="subject_kind").pk]
        ): "自然人",
        reverse("admin:catalog_ruleset_change", args=[rule_set_current(code="ndrc-36").pk]): "tiers",
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert expected in html, url
        assert "<textarea" not in html and 'name="_save"' not in html, url
        for english in ("Content:", "Change note:", "Valid from:", "Entries yaml:", "Rules yaml:"):
            assert english not in html, (url, english)


def test_an_id_number_field_cannot_be_marked_not_personal(client, loaded, operator):
    """One definition of a personal field: ID-number types are personal, whatever the flag says."""
    client.force_login(operator)
    item = CatalogItem.objects.get(code="penalty")
    url = reverse("admin:catalog_catalogitem_change", args=[item.pk])
    content = _content_of(client.get(url))
    data = yaml.safe_load(content)
    for spec in data["fields"]:
        if spec["code"] == "CF_XDR_ZJHM":
            spec["type"] = "ric"
            spec["personal"] = False
            spec.pop("id_type_field", None)
    response = client.post(url, _item_post(item, yaml.safe_dump(data, allow_unicode=True)))
    body = response.content.decode()
    assert "必须是个人信息字段" in body and "CF_XDR_ZJHM" in body
    assert item.versions.count() == 1


def test_a_stored_id_number_field_without_the_flag_is_personal():
    from xinyong.catalog.spec import FieldSpec

    assert FieldSpec.from_dict(
        {"code": "X_SFZ", "name": "身份证号", "type": "ric", "personal": False}
    ).personal
    assert FieldSpec.from_dict({"code": "X_ZJHM", "name": "证件号码", "type": "id_number"}).personal
    assert not FieldSpec.from_dict({"code": "X_MC", "name": "名称", "type": "text"}).personal
