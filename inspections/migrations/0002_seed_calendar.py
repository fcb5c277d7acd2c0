"""Seed the working-day calendar from chinesecalendar (every year it knows)."""

from django.db import migrations


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from inspections.calendar import calendar_seed_from_library

    calendar_seed_from_library(
        year_model=apps.get_model("inspections", "CalendarYear"), day_model=apps.get_model("inspections", "CalendarDay")
    )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
