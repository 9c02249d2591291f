"""The models of due process, one module per sub-package (imported here so that Django finds them)."""

from xinyong.dueprocess.cases.models import ActorRole, CaseEvent, CaseKind, EvidenceFile
from xinyong.dueprocess.commitments.models import (
    Commitment,
    CommitmentKind,
    CommitmentState,
    CommitmentTemplate,
)
from xinyong.dueprocess.objections.models import (
    OPEN_OBJECTION_STATES,
    FilerKind,
    Objection,
    ObjectionOutcome,
    ObjectionState,
)
from xinyong.dueprocess.profiles.models import JurisdictionProfile
from xinyong.dueprocess.repairs.models import OPEN_REPAIR_STATES, RepairApplication, RepairState
from xinyong.dueprocess.subject_accounts.models import LinkCode, LinkMethod, SubjectAccount, SubjectLink

__all__ = [
    "OPEN_OBJECTION_STATES",
    "OPEN_REPAIR_STATES",
    "ActorRole",
    "CaseEvent",
    "CaseKind",
    "Commitment",
    "CommitmentKind",
    "CommitmentState",
    "CommitmentTemplate",
    "EvidenceFile",
    "FilerKind",
    "JurisdictionProfile",
    "LinkCode",
    "LinkMethod",
    "Objection",
    "ObjectionOutcome",
    "ObjectionState",
    "RepairApplication",
    "RepairState",
    "SubjectAccount",
    "SubjectLink",
]
