"""Visits marked done before result entry existed get their entry deadline (20 working days)."""

from django.conf import settings
from django.db import migrations


def backfill(apps, schema_editor):
    from inspections.calendar import WorkingDays  # pure: built here from the historical tables

    Visit = apps.get_model("inspections", "Visit")
    CalendarYear = apps.get_model("inspections", "CalendarYear")
    CalendarDay = apps.get_model("inspections", "CalendarDay")
    pending = Visit.objects.filter(visited_on__isnull=False, entry_deadline__isnull=True)
    if not pending.exists():
        return
    calendar = WorkingDays(
        set(CalendarYear.objects.values_list("year", flat=True)),
        dict(CalendarDay.objects.values_list("date", "is_workday")),
    )
    for visit in pending.iterator():
        deadline = calendar.add(visit.visited_on, settings.RESULT_ENTRY_WORKING_DAYS)
        Visit.objects.filter(pk=visit.pk).update(entry_deadline=deadline.date, deadline_provisional=deadline.provisional)


class Migration(migrations.Migration):
    dependencies = [("inspections", "0005_seed_result_categories")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
