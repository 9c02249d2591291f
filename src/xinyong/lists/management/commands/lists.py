"""``xinyong lists``: escalation runs and the queue of entries that may now take effect."""

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from xinyong.core.management.arguments import iso_date
from xinyong.lists.escalation import escalation_evaluate, escalation_rules_load
from xinyong.lists.queues import entries_due_effective


class Command(BaseCommand):
    help = (
        "红黑名单：escalate 按失信等级升级规则对全部主体评估并提出拟列入；due 列出异议期已届满、可列入的条目"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        escalate = sub.add_parser(
            "escalate", help="载入升级规则的变更后，对全部主体评估（只提出拟列入，不直接列入）"
        )
        escalate.add_argument("--as-of", type=iso_date, help="评估日期（默认今天）")
        due = sub.add_parser("due", help="列出异议期已届满、无异议、可列入的条目")
        due.add_argument("--as-of", type=iso_date, help="按哪一天判断（默认今天）")

    def handle(self, *args, **options) -> None:
        as_of = options.get("as_of") or timezone.localdate()
        if options["action"] == "escalate":
            loaded = escalation_rules_load()
            if loaded.rules_created:
                self.stdout.write(f"已载入升级规则新版本：{'、'.join(loaded.rules_created)}")
            self.stdout.write(escalation_evaluate(as_of=as_of).summary())
            return
        entries = list(entries_due_effective(as_of=as_of).select_related("subject", "list_type"))
        for entry in entries:
            self.stdout.write(
                f"{entry.pk}\t{entry.list_type.name}\t{entry.subject.name}\t异议期至 {entry.objection_due}"
            )
        self.stdout.write(f"可列入：{len(entries):,} 条")
