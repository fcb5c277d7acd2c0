"""Public verification of finished draws: shown only once every visit of the round took place.

No login, no tiers. A draw without tiers is fully recomputable by anyone: the page gives
the files, the standalone script `inspections/drawing.py` and a browser check
(static/js/draw_verify.js, WebCrypto) that recompute the selection.

A tiered draw publishes nothing that lets anyone compute anything about a firm's tier:
its tickets carry per-tier secret salts (opened to auditors only), so no ticket is
published and the drawn list is in code order, not ticket order (either would rank the
drawn firms across tiers). The public checks the commitments, the seed's derivation and
that every drawn firm is in the published population, with the announced count.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from inspections import drawing
from inspections.models import DrawnTarget, DrawRound
from inspections.population import media_path
from inspections.selectors import public_rounds
from inspections.verification import drawing_args

FILES = {"population": "population.txt.gz", "drawn": "drawn.txt"}


def _public_round(pk: int) -> DrawRound:
    return get_object_or_404(public_rounds(), pk=pk)


def draw_list(request: HttpRequest) -> HttpResponse:
    rounds = public_rounds().order_by("-finished_at")[:200]
    return render(request, "publicity/draws/draw_list.html", {"rounds": rounds})


def public_salts_commitment(draw_round: DrawRound) -> str:
    """The salts' commitment the seed of this round was derived with ("" for a draw without salts)."""
    return draw_round.salts_commitment if draw_round.uses_tiers else ""


def verify_command(draw_round: DrawRound) -> str:
    """The shell lines a citizen runs; every value is quoted (the entropy was typed by a witness)."""
    population = f"draw-{draw_round.pk}-population.txt"
    args = drawing_args(draw_round)
    lines = [shlex.join(["gunzip", f"{population}.gz"])]
    if draw_round.uses_tiers:
        if salts := public_salts_commitment(draw_round):
            args.append(f"--salts-commitment={salts}")
        args.append(f"--drawn-count={draw_round.drawn_count}")
    else:
        lines.append(f"awk '{{print $0 \"\\t-\"}}' {shlex.quote(population)} > tiers.txt")
        args += ["--tiers=tiers.txt", f"--count=-={draw_round.drawn_count}"]
    lines.append(shlex.join(args))
    return "\n".join(lines)


def verify_messages() -> dict[str, str]:
    """The browser verifier's problems (static/js/draw_verify.js), as drawing.py reports them."""
    return {
        "commitment": _("随机密钥与抽取前公布的承诺值不一致"),
        "population": _("对象名单文件与公布的对象名单摘要不一致"),
        "seed": _("公布的随机种子不是由其输入推导出的"),
        "tiers": _("分类名单摘要与对象名单不一致"),
        "outside": _("抽中名单中有不在对象名单内的代码："),
        "duplicate": _("抽中名单中有重复的代码"),
        "count": _("抽中数量与公布的数量不一致"),
        "selection": _("抽中名单与随机种子给出的结果不一致"),
        "download": _("无法下载或读取验证所需的文件"),
    }


def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draw_round = _public_round(pk)
    tiered = draw_round.uses_tiers
    drawn = DrawnTarget.objects.filter(round=draw_round).select_related("target")
    # A tiered draw: code order and no ticket (see the module's docstring).
    drawn = drawn.order_by("key").only("key", "target__name") if tiered else drawn.order_by("ticket")
    verifier = {
        "task": str(draw_round.task_id),
        "round": str(draw_round.round_no),
        "commitment": draw_round.commitment,
        "secret": draw_round.secret,
        "entropy": draw_round.entropy,
        "population-digest": draw_round.population_digest,
        "tiers-digest": draw_round.tiers_digest,
        "salts-commitment": public_salts_commitment(draw_round),
        "seed": draw_round.seed,
        "drawn-count": str(draw_round.drawn_count),
        "tiered": "1" if tiered else "",
        "population-url": reverse("publicity:draw_file", args=[draw_round.pk, "population"]),
        "drawn-url": reverse("publicity:draw_file", args=[draw_round.pk, "drawn"]),
    }
    return render(
        request,
        "publicity/draws/draw_detail.html",
        {
            "round": draw_round,
            "drawn": drawn,
            "untiered": not tiered,
            "salts_commitment": public_salts_commitment(draw_round),
            "command": verify_command(draw_round),
            "verifier": verifier,
            "verify_messages": verify_messages(),
        },
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
