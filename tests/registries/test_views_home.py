"""The home page: per role, what the user can do; counts of the own department."""

from __future__ import annotations

import pytest
from django.urls import reverse

from registries.models import Role
from tests.factories import ChecklistItemVersionFactory, InspectorFactory, ItemClaimFactory, TargetFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_it_sends_anonymous_users_to_the_public_portal(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("publicity:index")


def test_it_counts_the_own_departments_registries(client, alice, amr, drc):
    TargetFactory.create_batch(3, department=amr)
    TargetFactory.create_batch(2, department=drc)
    InspectorFactory.create_batch(2, department=amr)
    InspectorFactory(department=drc)
    ItemClaimFactory(item=ChecklistItemVersionFactory().item, department=amr)
    ChecklistItemVersionFactory()
    client.force_login(alice)
    response = client.get(reverse("home"))
    counts = response.context["counts"]
    assert (counts.targets, counts.inspectors, counts.claimed_items, counts.items) == (
        (3, False),
        (2, False),
        (1, False),
        (2, False),
    )
    body = response.content.decode()
    assert "本部门检查对象" in body
    assert reverse("registries:target_list") in body
    assert "认领事项" in body
    # Nothing to do yet: the workbench says so, above the registry counts, and the menu counts 0.
    assert body.index("今天没有待办事项") < body.index("本部门检查对象")
    assert 'data-todos="0"' in body


def test_it_counts_every_department_for_the_office(client, olivia, amr, drc):
    TargetFactory.create_batch(3, department=amr)
    TargetFactory.create_batch(2, department=drc)
    client.force_login(olivia)
    response = client.get(reverse("home"))
    assert response.context["counts"].targets == (5, False)
    assert "认领事项" not in response.content.decode()


def test_it_shows_inspectors_no_registry_links(client, ivan):
    client.force_login(ivan)
    response = client.get(reverse("home"))
    assert response.context["counts"] is None
    body = response.content.decode()
    assert "我的检查任务" in body
    assert reverse("inspections:my_visits") in body
    assert reverse("registries:target_list") not in body


def _login_with_second_factor(client, user):  # type: ignore[no-untyped-def]
    """Administrators pass TOTP before any page: log in as if the token had been verified."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_it_shows_administrators_no_registry_links(client, role):
    admin = UserFactory(username=f"admin-{role}", role=role, department=None)
    _login_with_second_factor(client, admin)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert reverse("registries:target_list") not in response.content.decode()
    assert client.get(reverse("registries:target_list")).status_code == 403
