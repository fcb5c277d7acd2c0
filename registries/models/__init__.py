"""The one list and two registries (一单两库), and the organisation they belong to."""

from registries.models.audit import GENESIS_HASH, AuditAnchor, AuditEvent
from registries.models.checklist import (
    ChecklistItem,
    ChecklistItemVersion,
    InspectionMethod,
    ItemCategory,
    ItemClaim,
    LegalBasis,
)
from registries.models.imports import (
    ImportJob,
    ImportKind,
    ImportStatus,
)
from registries.models.inspectors import (
    Conflict,
    Expert,
    Expertise,
    ExpertKind,
    Inspector,
    InspectorStatus,
)
from registries.models.notifications import Notification, NotificationLevel
from registries.models.org import (
    ADMIN_ROLES,
    DEPARTMENT_ROLES,
    Department,
    DepartmentAlias,
    Level,
    Region,
    RegionalDepartmentAlias,
    Role,
    User,
)
from registries.models.security import PasswordHistory
from registries.models.targets import (
    KINDS_WITH_CREDIT_CODE,
    MARKET_ENTITY_KINDS,
    DuplicateFlag,
    DuplicateReason,
    DuplicateStatus,
    Tag,
    TagKind,
    Target,
    TargetKind,
    TargetStatus,
)

__all__ = [
    "ADMIN_ROLES",
    "DEPARTMENT_ROLES",
    "GENESIS_HASH",
    "KINDS_WITH_CREDIT_CODE",
    "MARKET_ENTITY_KINDS",
    "AuditAnchor",
    "AuditEvent",
    "ChecklistItem",
    "ChecklistItemVersion",
    "Conflict",
    "Department",
    "DepartmentAlias",
    "DuplicateFlag",
    "DuplicateReason",
    "DuplicateStatus",
    "Expert",
    "ExpertKind",
    "Expertise",
    "ImportJob",
    "ImportKind",
    "ImportStatus",
    "InspectionMethod",
    "Inspector",
    "InspectorStatus",
    "ItemCategory",
    "ItemClaim",
    "LegalBasis",
    "Level",
    "Notification",
    "NotificationLevel",
    "PasswordHistory",
    "Region",
    "RegionalDepartmentAlias",
    "Role",
    "Tag",
    "TagKind",
    "Target",
    "TargetKind",
    "TargetStatus",
    "User",
]
