"""manage.py verify_draw ID: recompute a finished draw from its stored files and say whether it matches."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inspections.models import DrawRound, RoundStatus
from inspections.verification import verify_round


class Command(BaseCommand):
    help = "Recompute a finished draw round and compare it with what was stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("round_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        draw_round = DrawRound.objects.filter(pk=options["round_id"]).select_related("task").first()
        if draw_round is None:
            raise CommandError(f"no draw round {options['round_id']}")
        if draw_round.status != RoundStatus.DONE:
            raise CommandError(f"round {draw_round.pk} is not finished ({draw_round.status})")
        started = time.perf_counter()
        verdict = verify_round(draw_round)
        elapsed = time.perf_counter() - started
        if verdict.ok:
            self.stdout.write(
                f"OK: round {draw_round.pk} matches ({draw_round.population_size} objects, {elapsed:.2f}s)"
            )
            return
        for problem in verdict.problems:
            self.stdout.write(f"MISMATCH: {problem}")
        raise CommandError(f"round {draw_round.pk} does not match")
