"""The public page of the audit trail's latest signed checkpoint (its head and length)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from registries.audit_checkpoints import checkpoint_latest, public_key_hex


@require_GET
def audit_checkpoint(request: HttpRequest) -> HttpResponse:
    """Anyone can note today's head: a later rewrite, deletion or wipe of the trail will not match it."""
    checkpoint = checkpoint_latest()
    return render(
        request,
        "publicity/audit_checkpoint.html",
        {"checkpoint": checkpoint, "line": checkpoint.line() if checkpoint else "", "public_key": public_key_hex()},
    )
