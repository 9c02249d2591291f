"""How credit records map to list types: where each list item keeps the list name, dates and reasons, and the
index of list names (normalised names and synonyms of the active list types)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from xinyong.lists.models import ListType
from xinyong.lists.typesfile import list_name_key


@dataclass(frozen=True)
class ItemReading:
    """Where a list item's records keep what an entry needs (field codes of the catalog item)."""

    name_field: str | None  # the list name (None: every record of the item is on one list type)
    reason_field: str
    valid_from_field: str | None = None
    valid_until_field: str | None = None
    removal_date_field: str | None = None
    removal_reason_field: str | None = None


ITEM_READINGS: dict[str, ItemReading] = {
    "serious_dishonesty": ItemReading("SX_MDMC", "SX_SXXW", None, "SX_YXQZI", "SX_YCRQ", "SX_YCYY"),
    "honour": ItemReading("RY_RYMC", "RY_RYMC", "RY_YXQZ", "RY_YXQZI"),
    "abnormal_operations": ItemReading(None, "YC_LRYY", None, None, "YC_YCRQ", "YC_YCYY"),
}


class TypeIndex:
    """Active list types by normalised list name, and the one type of items without a name field."""

    def __init__(self, types: Iterable[ListType]):
        self.by_name: dict[tuple[str, str], ListType] = {}
        self.by_item: dict[str, ListType] = {}
        for t in types:
            reading = ITEM_READINGS.get(t.item_code)
            if reading is None:
                continue
            if reading.name_field is None:
                self.by_item.setdefault(t.item_code, t)
            for name in [t.name, *t.synonyms]:
                key = list_name_key(name)
                if key:
                    self.by_name[(t.item_code, key)] = t
        # Longest names first, for names with a region prefix (示范县诚信示范企业).
        self.suffixes = sorted(self.by_name.items(), key=lambda kv: -len(kv[0][1]))

    def match(self, *, item_code: str, name: object) -> ListType | None:
        reading = ITEM_READINGS[item_code]
        if reading.name_field is None:
            return self.by_item.get(item_code)
        key = list_name_key(name)
        if not key:
            return None
        found = self.by_name.get((item_code, key))
        if found is None and key.endswith(("名单", "名录")):
            found = self.by_name.get((item_code, key[:-2]))
        if found is None:
            for (code, known), t in self.suffixes:
                if code == item_code and len(known) >= 4 and key.endswith(known):
                    return t
        return found


def type_index() -> TypeIndex:
    return TypeIndex(ListType.objects.filter(active=True))
