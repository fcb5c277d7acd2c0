"""Resolve department names written in plan tables against the registry and its aliases."""

from __future__ import annotations

from plans.parsing import name_key
from registries.importing.department_names import Place, infer_place
from registries.models import Department, DepartmentAlias, Level, Region, RegionalDepartmentAlias

LEVEL_PREFIX = {Level.PROVINCE: "省", Level.CITY: "市", Level.COUNTY: "县"}
PREFIX_LEVEL = {"省": Level.PROVINCE, "市": Level.CITY, "县": Level.COUNTY, "区": Level.COUNTY}
# How a plan names its own owner: "市局组织发起" in a city bureau's plan.
SELF_NAMES = {"本局", "本单位", "本部门", "局"}


class DepartmentResolver:
    """name -> department id, or None. Exact names, short names and aliases first, then the owner's prefix."""

    def __init__(self, owner: Department | None = None, mapping: dict[str, int] | None = None) -> None:
        self.owner = owner
        self.names: dict[str, int] = {}
        for pk, name, short in Department.objects.values_list("id", "name", "short_name"):
            self.names[name_key(name)] = pk
            if short:
                self.names.setdefault(name_key(short), pk)
        for pk, name in DepartmentAlias.objects.values_list("department_id", "name"):
            self.names.setdefault(name_key(name), pk)
        if owner is not None:
            # kinds of department (教育部门) the owner's region mapped to its own bureaus
            for pk, name in RegionalDepartmentAlias.objects.filter(region=owner.region).values_list(
                "department_id", "name"
            ):
                self.names[name_key(name)] = pk
        for name, pk in (mapping or {}).items():
            self.names[name_key(name)] = pk

    def __call__(self, name: str) -> int | None:
        key = name_key(name)
        if not key:
            return None
        if key in self.names:
            return self.names[key]
        owner = self.owner
        if owner is None:
            return None
        prefix = LEVEL_PREFIX.get(Level(owner.level), "")
        if key in SELF_NAMES or key == f"{prefix}局":
            return owner.pk
        # "发改局" in a county plan is the county's own: 县发改局, 阳城县发改局
        for candidate in (prefix + key, owner.region.name + key):
            if candidate in self.names:
                return self.names[candidate]
        # "市教育局" in a county plan is the city's: 晋城市教育局
        level = PREFIX_LEVEL.get(key[:1])
        if level is not None:
            region: Region | None = owner.region
            while region is not None and region.level != level:
                region = region.parent
            if region is not None and region.name + key[1:] in self.names:
                return self.names[region.name + key[1:]]
        return None


def place_of(name: str, owner: Department) -> Place:
    """Where a department created from `name` belongs: 市… the city's, 县… the county's, 省… the province's."""
    return infer_place(name, owner.region)
