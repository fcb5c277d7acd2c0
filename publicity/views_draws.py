"""Public verification of finished draws: shown only once every visit of the round took place.

No login, no tiers: the population file lists keys only; the tiers are committed by a
digest and recomputed per tier by auditors. Anyone can check the commitment, the seed and
each drawn object's ticket with the standalone script `inspections/drawing.py`.
"""

from __future__ import annotations

from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from inspections import drawing
from inspections.models import DrawnTarget, DrawRound
from inspections.population import media_path
from inspections.selectors import public_rounds

FILES = {"population": "population.txt.gz", "drawn": "drawn.txt"}


def _public_round(pk: int) -> DrawRound:
    return get_object_or_404(public_rounds(), pk=pk)


def draw_list(request: HttpRequest) -> HttpResponse:
    rounds = public_rounds().order_by("-finished_at")[:200]
    return render(request, "publicity/draws/draw_list.html", {"rounds": rounds})


def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draw_round = _public_round(pk)
    drawn = (
        DrawnTarget.objects.filter(round=draw_round)
        .select_related("target")
        .order_by("ticket")
        .only("key", "ticket", "target__name")
    )
    return render(
        request,
        "publicity/draws/draw_detail.html",
        {"round": draw_round, "drawn": drawn, "untiered": not draw_round.uses_tiers},
    )


def draw_file(request: HttpRequest, pk: int, which: str) -> FileResponse:
    draw_round = _public_round(pk)
    name = FILES.get(which)
    if name is None:
        raise Http404
    path = media_path(draw_round.population_file).with_name(name)
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"draw-{draw_round.pk}-{name}")


def verifier_script(request: HttpRequest) -> FileResponse:
    """The standalone verifier: standard library only, the same code the server draws with."""
    path = Path(drawing.__file__)
    return FileResponse(path.open("rb"), as_attachment=True, filename="drawing.py", content_type="text/x-python")
