"""Hard faults: reported to the supervisor the same day, a solution with the chief engineer, and when
it fails the technical department at head office designs the fix; each step on the order."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from aftersales.access.policy import access_for
from aftersales.audit.models import Event
from aftersales.calls.escalation import escalation_answer, escalation_raise, escalation_result
from aftersales.calls.models import FaultEscalation, ServiceOrder
from aftersales.calls.tests.test_onsite_pages import assigned, post  # noqa: F401 (fixture)
from aftersales.common.errors import InvalidInput, InvalidTransition, PermissionDenied
from aftersales.conftest import World, requires_postgres
from aftersales.notifications.models import Notification


def test_a_failed_solution_goes_to_the_technical_department(
    world: World,
    assigned: ServiceOrder,  # noqa: F811
) -> None:
    tech, sup, hq_qm = world.users["sh_tech"], world.users["sh_supervisor"], world.users["hq_quality_manager"]
    first = escalation_raise(
        order_id=assigned.pk, problem="主轴异响，更换轴承后仍有", access=access_for(tech), by=tech
    )
    assert first.level == "supervisor" and first.state == "open"
    assert Notification.objects.filter(recipient=sup, kind="fault_escalated", subject_id=assigned.pk).exists()
    with pytest.raises(InvalidInput):  # one live escalation per order
        escalation_raise(order_id=assigned.pk, problem="again", access=access_for(tech), by=tech)
    with pytest.raises(PermissionDenied):  # the technician does not answer his own escalation
        escalation_answer(
            escalation_id=first.pk, solution="x", involved="y", access=access_for(tech), by=tech
        )
    with pytest.raises(InvalidInput) as missing:
        escalation_answer(escalation_id=first.pk, solution="", involved="", access=access_for(sup), by=sup)
    assert set(missing.value.fields) == {"solution", "involved"}
    escalation_answer(
        escalation_id=first.pk,
        solution="检查主轴预紧力并调整",
        involved="总工程师 王工",
        access=access_for(sup),
        by=sup,
    )
    assert Notification.objects.filter(recipient=tech, kind="fault_escalated").exists()
    with pytest.raises(InvalidTransition):  # failing needs a reason
        escalation_result(escalation_id=first.pk, worked=False, note=" ", access=access_for(tech), by=tech)
    escalation_result(
        escalation_id=first.pk, worked=False, note="调整后仍异响", access=access_for(tech), by=tech
    )
    first.refresh_from_db()
    second = FaultEscalation.objects.get(previous=first)
    assert first.state == "failed" and second.level == "technical" and second.state == "open"
    assert "调整后仍异响" in second.problem
    assert Notification.objects.filter(recipient=hq_qm, kind="fault_escalated").exists()
    with pytest.raises(PermissionDenied):  # the branch supervisor does not answer the technical level
        escalation_answer(escalation_id=second.pk, solution="x", involved="y", access=access_for(sup), by=sup)
    escalation_answer(
        escalation_id=second.pk,
        solution="更换主轴总成",
        involved="技术部 李工",
        access=access_for(hq_qm),
        by=hq_qm,
    )
    escalation_result(escalation_id=second.pk, worked=True, access=access_for(tech), by=tech)
    second.refresh_from_db()
    assert second.state == "resolved"
    kinds = list(
        Event.objects.filter(
            subject_type="calls.serviceorder", subject_id=assigned.pk, kind__startswith="escalation"
        )
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        "escalation_raised",
        "escalation_answered",
        "escalation_failed",
        "escalation_raised",
        "escalation_answered",
        "escalation_resolved",
    ]


def test_outsiders_cannot_raise_answer_or_see(world: World, assigned: ServiceOrder) -> None:  # noqa: F811
    tech = world.users["sh_tech"]
    e = escalation_raise(order_id=assigned.pk, problem="无法定位故障", access=access_for(tech), by=tech)
    for who in ("hz_supervisor", "hz_tech"):
        client = world.client(who)
        assert client.post(f"/calls/orders/{assigned.pk}/escalate/", {"problem": "x"}).status_code == 404
        assert (
            client.post(f"/calls/escalations/{e.pk}/answer/", {"solution": "x", "involved": "y"}).status_code
            == 404
        )
        assert client.post(f"/calls/escalations/{e.pk}/result/", {"worked": "yes"}).status_code == 404
    e.refresh_from_db()
    assert e.state == "open" and FaultEscalation.objects.count() == 1
    # An agent of the branch sees the order, but may not answer: told so, nothing changes.
    response = world.client("sh_agent").post(
        f"/calls/escalations/{e.pk}/answer/", {"solution": "x", "involved": "y"}, follow=True
    )
    assert response.status_code == 200
    e.refresh_from_db()
    assert e.state == "open"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_pages_walk_an_escalation(world: World, assigned: ServiceOrder, language: str) -> None:  # noqa: F811
    post(world, assigned, action="travel")
    post(world, assigned, action="arrive")
    tech = world.client("sh_tech")
    tech.cookies["django_language"] = language
    body = tech.get(f"/calls/orders/{assigned.pk}/onsite/").content.decode()
    assert 'data-testid="escalation-raise"' in body
    assert (
        tech.post(f"/calls/orders/{assigned.pk}/escalate/", {"problem": "", "next": "onsite"}).status_code
        == 302
    )
    assert not FaultEscalation.objects.exists()
    response = tech.post(
        f"/calls/orders/{assigned.pk}/escalate/", {"problem": "报警E7无法复位", "next": "onsite"}
    )
    assert response["Location"].endswith(f"/calls/orders/{assigned.pk}/onsite/")
    e = FaultEscalation.objects.get()
    sup = world.client("sh_supervisor")
    sup.cookies["django_language"] = language
    page = sup.get(f"/calls/orders/{assigned.pk}/").content.decode()
    assert 'data-testid="escalation-answer"' in page and "报警E7无法复位" in page
    sup.post(f"/calls/escalations/{e.pk}/answer/", {"solution": "更换驱动板", "involved": "总工 王工"})
    body = tech.get(f"/calls/orders/{assigned.pk}/onsite/").content.decode()
    assert "更换驱动板" in body and 'data-testid="escalation-worked"' in body
    tech.post(f"/calls/escalations/{e.pk}/result/", {"worked": "yes", "next": "onsite"})
    e.refresh_from_db()
    assert e.state == "resolved"
    assert world.client("sh_agent").get(f"/calls/orders/{assigned.pk}/").status_code == 200


def test_the_api_walks_an_escalation_and_outsiders_get_nothing(
    world: World,
    assigned: ServiceOrder,  # noqa: F811
    api,  # type: ignore[no-untyped-def]
    client,  # type: ignore[no-untyped-def]
) -> None:
    url = f"/api/v1/orders/{assigned.pk}/escalations"
    raised = api("sh_tech").post(url, {"problem": "伺服报警"}, content_type="application/json")
    assert raised.status_code == 201, raised.content
    e = raised.json()
    assert e["level"] == "supervisor" and e["state"] == "open"
    empty = api("sh_supervisor").post(
        f"/api/v1/escalations/{e['id']}/answer",
        {"solution": "", "involved": ""},
        content_type="application/json",
    )
    assert empty.status_code == 400 and "solution" in empty.content.decode()
    answered = api("sh_supervisor").post(
        f"/api/v1/escalations/{e['id']}/answer",
        {"solution": "检查编码器线", "involved": "总工"},
        content_type="application/json",
    )
    assert answered.json()["state"] == "answered"
    result = api("sh_tech").post(
        f"/api/v1/escalations/{e['id']}/result",
        {"worked": False, "note": "无效"},
        content_type="application/json",
    )
    assert result.json()["state"] == "failed"
    listed = api("sh_supervisor").get(url).json()
    assert [x["level"] for x in listed] == ["supervisor", "technical"]
    assert client.get(url).status_code == 401
    for who in ("hz_supervisor", "hz_tech"):
        outsider = api(who)
        assert outsider.get(url).status_code == 404
        assert outsider.post(url, {"problem": "x"}, content_type="application/json").status_code == 404
        for action, body in (("answer", {"solution": "x", "involved": "y"}), ("result", {"worked": True})):
            response = outsider.post(
                f"/api/v1/escalations/{listed[1]['id']}/{action}", body, content_type="application/json"
            )
            assert response.status_code == 404
    assert FaultEscalation.objects.filter(state="open").count() == 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_reports_and_answers_leave_one_escalation_and_one_solution(
    world: World,
    assigned: ServiceOrder,  # noqa: F811
) -> None:
    """The technician's phone double-submits and two supervisors answer at once: one escalation,
    answered once; the other requests are refused with a message, nothing half written."""
    tech, sup, manager = world.users["sh_tech"], world.users["sh_supervisor"], world.users["sh_manager"]

    def parallel(jobs: list[Any]) -> list[str]:
        barrier = threading.Barrier(len(jobs))
        outcomes: list[str] = []
        lock = threading.Lock()

        def run(job: Any) -> None:
            try:
                barrier.wait()
                job()
                result = "ok"
            except (InvalidInput, InvalidTransition) as exc:
                result = f"refused: {exc.message}"
            finally:
                connection.close()
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sorted(outcomes)

    raise_it = lambda: escalation_raise(  # noqa: E731
        order_id=assigned.pk, problem="伺服报警", access=access_for(tech), by=tech
    )
    outcomes = parallel([raise_it, raise_it, raise_it])
    assert outcomes.count("ok") == 1 and FaultEscalation.objects.count() == 1
    e = FaultEscalation.objects.get()
    outcomes = parallel(
        [
            lambda: escalation_answer(
                escalation_id=e.pk, solution="方案甲", involved="总工", access=access_for(sup), by=sup
            ),
            lambda: escalation_answer(
                escalation_id=e.pk, solution="方案乙", involved="总工", access=access_for(manager), by=manager
            ),
        ]
    )
    assert outcomes.count("ok") == 1, outcomes
    e.refresh_from_db()
    assert e.state == "answered" and e.solution in ("方案甲", "方案乙")
    answered = Event.objects.filter(subject_id=assigned.pk, kind="escalation_answered")
    assert answered.count() == 1
