"""The shared checklist: claiming, versioning, legal bases."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from registries.models import ChecklistItemVersion, ItemClaim, LegalBasis
from registries.services.checklist import item_claim, item_unclaim, item_version_create, parse_citations
from tests.factories import ChecklistItemVersionFactory, ItemClaimFactory, LegalBasisFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def grain_item():  # type: ignore[no-untyped-def]
    version = ChecklistItemVersionFactory(name="粮食收购资格及粮食收购活动的检查")
    version.legal_bases.add(LegalBasisFactory(law="粮食流通管理条例", article="第九条"))
    return version.item


def _edit(item, **changes):  # type: ignore[no-untyped-def]
    current = item.current_version
    data = {
        "name": current.name,
        "category": current.category,
        "object_type": current.object_type,
        "inspecting_body": current.inspecting_body,
        "content": current.content,
        "methods": current.methods,
        "legal_bases": [b.pk for b in current.legal_bases.all()],
        "new_citations": "",
    }
    data.update(changes)
    return data


def test_it_lets_every_registry_role_read_the_whole_list(client, alice, bob, olivia, grain_item):
    ItemClaimFactory(item=grain_item, department=alice.department)
    for user in (alice, bob, olivia):
        client.force_login(user)
        response = client.get(reverse("registries:item_list"))
        assert [v.item for v in response.context["page"].object_list] == [grain_item]
        assert client.get(reverse("registries:item_detail", args=[grain_item.pk])).status_code == 200


def test_it_keeps_inspectors_off_the_registry_pages(client, ivan, grain_item):
    client.force_login(ivan)
    assert client.get(reverse("registries:item_list")).status_code == 403


def test_it_claims_and_unclaims_with_htmx(client, alice, grain_item):
    client.force_login(alice)
    headers = {"HX-Request": "true"}
    response = client.post(reverse("registries:item_claim", args=[grain_item.pk]), headers=headers)
    assert response.status_code == 200
    assert "本部门已认领" in response.content.decode()
    assert "<html" not in response.content.decode()
    assert ItemClaim.objects.get().department == alice.department
    response = client.post(reverse("registries:item_unclaim", args=[grain_item.pk]), headers=headers)
    assert "本部门已认领" not in response.content.decode()
    assert not ItemClaim.objects.exists()


def test_it_keeps_one_claim_when_claiming_twice(alice, grain_item):
    item_claim(user=alice, item=grain_item)
    item_claim(user=alice, item=grain_item)
    assert ItemClaim.objects.count() == 1


def test_it_lets_the_office_read_but_not_claim(client, olivia, grain_item):
    client.force_login(olivia)
    assert client.post(reverse("registries:item_claim", args=[grain_item.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        item_claim(user=olivia, item=grain_item)
    assert not ItemClaim.objects.exists()


def test_it_unclaims_only_the_own_departments_claim(alice, bob, grain_item):
    ItemClaimFactory(item=grain_item, department=bob.department)
    assert item_unclaim(user=alice, item=grain_item) is False
    assert ItemClaim.objects.filter(department=bob.department).exists()


def test_it_filters_the_list_by_claim(client, alice, grain_item):
    other = ChecklistItemVersionFactory(name="食品生产经营监督检查").item
    ItemClaimFactory(item=grain_item, department=alice.department)
    client.force_login(alice)
    mine = client.get(reverse("registries:item_list"), {"claim": "mine"}).context["page"].object_list
    not_mine = client.get(reverse("registries:item_list"), {"claim": "not_mine"}).context["page"].object_list
    assert [v.item for v in mine] == [grain_item]
    assert [v.item for v in not_mine] == [other]


def test_it_makes_a_new_version_and_keeps_the_old(client, alice, grain_item):
    ItemClaimFactory(item=grain_item, department=alice.department)
    old = grain_item.current_version
    client.force_login(alice)
    response = client.post(
        reverse("registries:item_edit", args=[grain_item.pk]),
        _edit(grain_item, content="检查粮食收购企业备案、收购台账", methods=["on_site", "documentary"]),
    )
    assert response.status_code == 302
    versions = list(ChecklistItemVersion.objects.filter(item=grain_item).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    old.refresh_from_db()
    assert old.superseded_at is not None
    assert old.content == "对粮食经营者从事粮食收购、储存、运输活动的监督检查"
    assert versions[1].superseded_at is None
    assert versions[1].methods == ["on_site", "documentary"]
    assert list(versions[1].legal_bases.all()) == list(old.legal_bases.all())
    old_page = client.get(reverse("registries:item_version_detail", args=[grain_item.pk, 1]))
    assert "这是历史版本" in old_page.content.decode()


def test_it_makes_no_version_for_an_unchanged_edit(client, alice, grain_item):
    ItemClaimFactory(item=grain_item, department=alice.department)
    client.force_login(alice)
    response = client.post(reverse("registries:item_edit", args=[grain_item.pk]), _edit(grain_item))
    assert response.status_code == 200
    assert "内容未作任何修改" in response.content.decode()
    assert grain_item.versions.count() == 1


def test_it_lets_only_a_claiming_department_edit(client, alice, bob, grain_item):
    ItemClaimFactory(item=grain_item, department=alice.department)
    client.force_login(bob)
    url = reverse("registries:item_edit", args=[grain_item.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _edit(grain_item, name="改名")).status_code == 403
    with pytest.raises(PermissionDenied):
        item_version_create(
            user=bob, item=grain_item, name="改名", category="key", object_type="粮食收购企业", methods=["on_site"]
        )
    assert grain_item.versions.count() == 1


def test_it_turns_new_citations_into_legal_bases(client, alice, grain_item):
    ItemClaimFactory(item=grain_item, department=alice.department)
    client.force_login(alice)
    client.post(
        reverse("registries:item_edit", args=[grain_item.pk]),
        _edit(grain_item, new_citations="《中华人民共和国粮食安全保障法》第六十三条\n"),
    )
    basis = LegalBasis.objects.get(law="中华人民共和国粮食安全保障法")
    assert basis.article == "第六十三条"
    assert grain_item.current_version.legal_bases.count() == 2


def test_it_names_the_line_of_a_malformed_citation(client, alice, grain_item):
    ItemClaimFactory(item=grain_item, department=alice.department)
    client.force_login(alice)
    response = client.post(
        reverse("registries:item_edit", args=[grain_item.pk]),
        _edit(grain_item, new_citations="《食品安全法》第一条\n食品安全法第二条"),
    )
    assert "第2行：检查依据应写成《法律法规名称》条款" in response.content.decode()
    with pytest.raises(ValidationError):
        parse_citations("无书名号")


def test_it_lists_on_a_legal_basis_page_every_version_citing_it(client, bob, alice, grain_item):
    basis = grain_item.current_version.legal_bases.get()
    ItemClaimFactory(item=grain_item, department=alice.department)
    item_version_create(
        user=alice,
        item=grain_item,
        name="粮食收购活动的检查",
        category="key",
        object_type="粮食收购企业",
        methods=["on_site"],
        legal_bases=[basis],
    )
    untouched = ChecklistItemVersionFactory(name="价格监督检查")
    client.force_login(bob)
    response = client.get(reverse("registries:legal_basis_detail", args=[basis.pk]))
    assert [(v.item, v.version) for v in response.context["current"]] == [(grain_item, 2)]
    assert [(v.item, v.version) for v in response.context["superseded"]] == [(grain_item, 1)]
    assert untouched.name not in response.content.decode()


def test_it_shows_the_own_departments_claims(client, alice, bob, grain_item):
    ItemClaimFactory(item=grain_item, department=bob.department)
    client.force_login(alice)
    assert client.get(reverse("registries:claim_list")).context["page"].object_list == []
    client.force_login(bob)
    assert len(client.get(reverse("registries:claim_list")).context["page"].object_list) == 1


def test_it_parses_citation_lines():
    text = " 《中华人民共和国食品安全法》 第一百一十条 \n\n《粮食流通管理条例》"
    assert parse_citations(text) == [("中华人民共和国食品安全法", "第一百一十条"), ("粮食流通管理条例", "")]


LINE_CHARS = {"blacklist_categories": ("Cs", "Zl", "Zp", "Cc")}


@given(
    law=st.text(st.characters(blacklist_characters="《》\n\r", **LINE_CHARS), min_size=1).map(str.strip).filter(bool),
    article=st.text(st.characters(blacklist_characters="\n\r", **LINE_CHARS)).map(str.strip),
)
def test_it_reads_back_any_citation_it_could_print(law, article):
    assert parse_citations(f"《{law}》{article}") == [(law, article)]


@given(st.text(alphabet=st.characters(blacklist_characters="《", blacklist_categories=("Cs",))))
def test_it_rejects_every_line_without_a_law_name(text):
    if not text.strip():
        assert parse_citations(text) == []
    else:
        with pytest.raises(ValidationError):
            parse_citations(text)


def test_it_records_claims_and_new_versions_in_the_audit_trail(client, alice, grain_item):
    from registries.models.audit import AuditEvent

    client.force_login(alice)
    client.post(reverse("registries:item_claim", args=[grain_item.pk]), REMOTE_ADDR="10.1.2.3")
    client.post(reverse("registries:item_edit", args=[grain_item.pk]), _edit(grain_item, name="粮食收购活动的检查"))
    client.post(reverse("registries:item_unclaim", args=[grain_item.pk]))
    events = list(
        AuditEvent.objects.filter(action__startswith="checklist.").order_by("seq").values_list("action", "actor", "ip")
    )
    assert [(a, u) for a, u, _ in events] == [
        ("checklist.item_claim", alice.pk),
        ("checklist.item_version_create", alice.pk),
        ("checklist.item_unclaim", alice.pk),
    ]
    assert events[0][2] == "10.1.2.3"
