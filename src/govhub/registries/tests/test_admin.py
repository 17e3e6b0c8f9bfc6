import pytest
from django.urls import reverse

from govhub.core.models import AuditEvent
from govhub.core.tests.audit_helpers import assert_not_in_trail
from govhub.identity.testing import sign_in_admin
from govhub.organizations.tests.factories import UserFactory
from govhub.registries.models import LegalEntity, RegistryLookup, Resident
from govhub.registries.selectors import resident_get
from govhub.registries.tests.factories import LegalEntityFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = UserFactory(is_staff=True, is_superuser=True, username="admin-wang")
    sign_in_admin(client, user)
    client.user = user
    return client


@pytest.fixture
def person():
    return ResidentFactory(name="张三丰", id_number="230402198503120412")


def test_resident_list_is_masked(admin_client, person):
    response = admin_client.get(reverse("admin:registries_resident_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "230402********0412" in content
    assert "张*" in content
    assert "230402198503120412" not in content
    assert "张三丰" not in content


def test_resident_list_query_count_does_not_grow(admin_client, django_assert_num_queries):
    ResidentFactory.create_batch(3)
    url = reverse("admin:registries_resident_changelist")
    admin_client.get(url)
    with django_assert_num_queries(7) as first:
        admin_client.get(url)
    ResidentFactory.create_batch(10)
    with django_assert_num_queries(len(first.captured_queries)):
        admin_client.get(url)


@pytest.mark.parametrize("model", ["resident", "legalentity", "registrylookup"])
def test_nothing_can_be_added_changed_or_deleted(admin_client, person, model):
    entity = LegalEntityFactory(representative=person)
    resident_get(actor=None, id_number=person.id_number, purpose="测试")
    lookup = RegistryLookup.objects.get()
    obj = {"resident": person, "legalentity": entity, "registrylookup": lookup}[model]
    add = admin_client.get(reverse(f"admin:registries_{model}_add"))
    assert add.status_code == 403
    delete = admin_client.post(
        reverse(f"admin:registries_{model}_delete", args=[obj.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    change = admin_client.post(
        reverse(f"admin:registries_{model}_change", args=[obj.pk]), {"name": "改了"}
    )
    assert change.status_code == 403
    assert Resident.objects.get(pk=person.pk).name == "张三丰"
    assert LegalEntity.objects.filter(pk=entity.pk).exists()
    assert RegistryLookup.objects.filter(pk=lookup.pk).exists()
    changelist = admin_client.get(reverse(f"admin:registries_{model}_changelist"))
    assert "action-select" not in changelist.content.decode()


def test_opening_a_resident_is_recorded_and_the_id_stays_masked(admin_client, person):
    response = admin_client.get(
        reverse("admin:registries_resident_change", args=[person.pk]), REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "张三丰" in content
    assert "230402198503120412" not in content
    assert "230402********0412" in content
    lookup = RegistryLookup.objects.get()
    assert lookup.actor == admin_client.user
    assert lookup.operation == "admin_view"
    assert lookup.purpose == "管理后台查看"
    assert lookup.subject_hash == person.id_number_hash
    assert str(lookup.source_ip) == "10.0.0.9"
    event = AuditEvent.objects.get(action="registries.lookup.admin_view")
    assert event.object_id == str(lookup.pk)
    assert (event.actor, event.actor_role) == (admin_client.user, "superuser")
    assert event.changes["purpose"] == "管理后台查看"
    assert str(event.source_ip) == "10.0.0.9"
    assert_not_in_trail("230402198503120412")


def test_search_by_id_number_finds_by_hash_and_is_recorded(admin_client, person):
    ResidentFactory(name="李四")
    url = reverse("admin:registries_resident_changelist")
    response = admin_client.get(url, {"q": "230402 1985 0312 0412"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [person]
    lookup = RegistryLookup.objects.get()
    assert (lookup.purpose, lookup.outcome) == ("管理后台检索", "found")
    response = admin_client.get(url, {"q": "李四"})
    assert [r.name for r in response.context["cl"].result_list] == ["李四"]
    response = admin_client.get(url, {"q": "230402198503120420"})
    assert list(response.context["cl"].result_list) == []
    assert RegistryLookup.objects.filter(outcome="not_found").count() == 1
    searches = AuditEvent.objects.filter(action="registries.lookup.admin_view")
    assert sorted(e.changes["result"] for e in searches) == ["found", "not_found"]
    assert_not_in_trail("230402198503120412", "230402198503120420")


def test_legal_entity_list_and_search(admin_client, person):
    entity = LegalEntityFactory(representative=person, name="鹤岗市测试机械有限公司")
    LegalEntityFactory(name="鹤岗市别的商贸有限公司")
    url = reverse("admin:registries_legalentity_changelist")
    response = admin_client.get(url)
    content = response.content.decode()
    assert response.status_code == 200
    assert "张*" in content and "张三丰" not in content
    assert list(admin_client.get(url, {"q": entity.uscc.lower()}).context["cl"].result_list) == [
        entity
    ]
    assert list(admin_client.get(url, {"q": "机械"}).context["cl"].result_list) == [entity]
    detail = admin_client.get(reverse("admin:registries_legalentity_change", args=[entity.pk]))
    assert "230402********0412" in detail.content.decode()
    assert "230402198503120412" not in detail.content.decode()
    assert RegistryLookup.objects.get().subject_label == entity.uscc


def test_the_access_log_is_visible_and_searchable_by_person(admin_client, person):
    other = ResidentFactory()
    resident_get(actor=admin_client.user, id_number=person.id_number, purpose="窗口办件核验")
    resident_get(actor=admin_client.user, id_number=other.id_number, purpose="窗口办件核验")
    url = reverse("admin:registries_registrylookup_changelist")
    response = admin_client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "窗口办件核验" in content and "admin-wang" in content
    assert "230402198503120412" not in content
    found = admin_client.get(url, {"q": person.id_number}).context["cl"].result_list
    assert [lookup.subject_hash for lookup in found] == [person.id_number_hash]


def test_staff_without_permission_cannot_see_the_registries(client, person):
    sign_in_admin(client, UserFactory(is_staff=True))
    response = client.get(reverse("admin:registries_resident_changelist"))
    assert response.status_code == 403
