"""Department names as tables write them: resolved to departments, or placed when created.

A name says where its department sits: 市… is the city's, 县…/区… the county's, 省… the
province's, 阳城县…/晋城市… that region's. Provincial lists name kinds of department
(教育部门, 市场监管部门) that each region maps once to its own bureau (RegionalDepartmentAlias).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from registries.models import Department, DepartmentAlias, Level, Region, RegionalDepartmentAlias

_PREFIX_LEVEL = {"省": Level.PROVINCE, "市": Level.CITY, "县": Level.COUNTY, "区": Level.COUNTY}


def key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def _ancestors(region: Region) -> list[Region]:
    chain = [region]
    while chain[-1].parent_id is not None and len(chain) < 6:
        parent = chain[-1].parent
        assert parent is not None
        chain.append(parent)
    return chain


@dataclass(frozen=True)
class Place:
    level: str
    region: Region


def infer_place(name: str, home: Region) -> Place:
    """The level and region a department name says, seen from `home` (the importing side's region)."""
    text = key(name)
    chain = _ancestors(home)
    # a region named in full: 阳城县发改局, 晋城市生态环境局, 山西省市场监督管理局
    regions = sorted(Region.objects.all(), key=lambda r: -len(r.name))
    for region in regions:
        if region.name and text.startswith(region.name) and len(text) > len(region.name):
            return Place(str(region.level), region)
    level = _PREFIX_LEVEL.get(text[:1])
    if level is not None:
        for region in chain:
            if region.level == level:
                return Place(str(level), region)
        return Place(str(level), home)
    # no level written (统计局 in a county plan): the importing side's own
    return Place(str(home.level), home)


class DepartmentNames:
    """name -> department id: names, short names, aliases, then the region's own kind mapping."""

    def __init__(self, region: Region | None = None, mapping: dict[str, int] | None = None) -> None:
        self.names: dict[str, int] = {}
        for pk, name, short in Department.objects.values_list("id", "name", "short_name"):
            self.names[key(name)] = pk
            if short:
                self.names.setdefault(key(short), pk)
        for pk, name in DepartmentAlias.objects.values_list("department_id", "name"):
            self.names.setdefault(key(name), pk)
        if region is not None:
            # the nearest region's mapping wins: a county's own over its city's
            for ancestor in reversed(_ancestors(region)):
                for pk, name in RegionalDepartmentAlias.objects.filter(region=ancestor).values_list(
                    "department_id", "name"
                ):
                    self.names[key(name)] = pk
        for name, pk in (mapping or {}).items():
            self.names[key(name)] = pk

    def __call__(self, name: str) -> int | None:
        return self.names.get(key(name)) if key(name) else None


def remember_kind(*, region: Region, name: str, department: Department) -> None:
    """Record that `region` maps the kind `name` to `department` (used by later imports)."""
    RegionalDepartmentAlias.objects.update_or_create(region=region, name=key(name), defaults={"department": department})


def create_department(name: str, place: Place) -> Department:
    department, _created = Department.objects.get_or_create(
        name=key(name), defaults={"level": place.level, "region": place.region}
    )
    return department
