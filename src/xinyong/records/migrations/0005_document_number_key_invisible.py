# Dedupe keys stored before invisible characters were removed from them (see docs/collection-dedupe.md):
# the key of every record whose key still holds one is computed again, so that the next upload of the same
# document, with or without the invisible character, finds the record.
#
# Two records that now share a key (one decision stored twice before this change) cannot both take it:
# the unique constraint credit_record_dedupe_key forbids it, and records are never deleted. The oldest
# record takes the new key; the later ones keep their old key and are listed on the console output, for
# the department to withdraw the double (撤回) through the ordinary correction path.

import sys

from django.db import migrations


def rekey(apps, schema_editor):
    # Imported when run, as migrations do: the module is loaded before the apps are ready.
    from xinyong.core.invisible import invisible_sql_pattern
    from xinyong.records.normalize import normalize_document_number

    CreditRecord = apps.get_model("records", "CreditRecord")
    if not CreditRecord.objects.exists():
        return
    candidates = (
        CreditRecord.objects.filter(document_number_key__regex=invisible_sql_pattern())
        .order_by("id")
        .values_list("id", "item_id", "department_id", "document_number", "document_number_key")
    )
    changes: dict[tuple, list[tuple[int, str]]] = {}
    for pk, item_id, department_id, number, old_key in candidates.iterator(chunk_size=2000):
        new_key = normalize_document_number(number) or normalize_document_number(old_key)
        if new_key and new_key != old_key:
            changes.setdefault((item_id, department_id, new_key), []).append((pk, old_key))
    kept = []
    for (item_id, department_id, new_key), records in changes.items():
        taken = CreditRecord.objects.filter(
            item_id=item_id, department_id=department_id, document_number_key=new_key
        ).values_list("id", flat=True)
        first = records[0][0]
        if taken:
            kept.extend(pk for pk, _old in records)
            continue
        CreditRecord.objects.filter(pk=first).update(document_number_key=new_key)
        kept.extend(pk for pk, _old in records[1:])
    if kept:
        sys.stdout.write(
            f"\n  {len(kept)} credit record(s) repeat an earlier record's document number apart from "
            f"invisible characters and keep their old key (ids: {', '.join(map(str, kept[:50]))}"
            f"{' …' if len(kept) > 50 else ''})\n"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0004_bulk_indexes"),
    ]

    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop, elidable=True),
    ]
