"""Signals of inspections, for the apps after it (publicity publishes what is entered).

`result_submitted` is sent after the transaction that created a result version commits,
with `sender=Result` and `result=<Result>`: on first submission and on each approved correction.
"""

from django.dispatch import Signal

result_submitted = Signal()
