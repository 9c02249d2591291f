# Name keys stored before invisible characters were removed from them (see docs/collection-dedupe.md):
# subjects and former names whose name holds one get their lookup key computed again, so that the next
# row naming them without the invisible character finds them. The name search index follows with
# ``xinyong subjects reindex``.

from django.db import migrations


def rekey(apps, schema_editor):
    # Imported when run, as migrations do: the module is loaded before the apps are ready.
    from xinyong.core.invisible import invisible_sql_pattern
    from xinyong.subjects.names import normalize_name

    Subject = apps.get_model("subjects", "Subject")
    SubjectAlias = apps.get_model("subjects", "SubjectAlias")
    if not Subject.objects.exists():
        return
    pattern = invisible_sql_pattern()
    for subject in Subject.objects.filter(name__regex=pattern).only("id", "name", "name_normalized"):
        key = normalize_name(subject.name)
        if key != subject.name_normalized:
            Subject.objects.filter(pk=subject.pk).update(name_normalized=key)
    aliases = SubjectAlias.objects.filter(kind="former_name", value__regex=pattern)
    for alias in aliases.only("id", "subject_id", "kind", "value", "value_normalized"):
        key = normalize_name(alias.value)
        if key == alias.value_normalized:
            continue
        # The subject may already have the same former name without the invisible character.
        if not SubjectAlias.objects.filter(
            subject_id=alias.subject_id, kind=alias.kind, value_normalized=key
        ).exists():
            SubjectAlias.objects.filter(pk=alias.pk).update(value_normalized=key)


class Migration(migrations.Migration):
    dependencies = [
        ("subjects", "0002_name_search"),
    ]

    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop, elidable=True),
    ]
