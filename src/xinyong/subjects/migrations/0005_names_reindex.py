# The name-search keys gained reading bigrams (homophones), character pairs one apart (a replaced
# character), legal forms and regions (see docs/name-matching.md): the index of an existing registry is
# rebuilt once (``xinyong subjects reindex`` does the same on demand).

from django.db import migrations


def rebuild(apps, schema_editor):
    Subject = apps.get_model("subjects", "Subject")
    if Subject.objects.exists():
        # Imported when run, as migrations do: the module is loaded before the apps are ready.
        from xinyong.subjects.search import subject_search_reindex

        subject_search_reindex()


class Migration(migrations.Migration):
    dependencies = [
        ("subjects", "0004_confirmed_codes"),
    ]

    operations = [
        migrations.RunPython(rebuild, migrations.RunPython.noop),
    ]
