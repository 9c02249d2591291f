"""Load the shipped escalation rule (忻州 example) and the decided list type it proposes entries on."""

from django.db import migrations

from xinyong.lists.escalation import escalation_rules_load


def load(apps, schema_editor):
    escalation_rules_load(
        rule_model=apps.get_model("lists", "EscalationRule"),
        list_type_model=apps.get_model("lists", "ListType"),
        version_model=apps.get_model("lists", "ListTypeVersion"),
    )


class Migration(migrations.Migration):
    dependencies = [("lists", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
