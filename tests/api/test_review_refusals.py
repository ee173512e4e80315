"""Review of the gateway's hold on submits a gateway refused (commits e212205, 257aeab, 2eb5d1d, 4ad3b38): faults
found, each a test that failed before its fix against the real gateway on a fake clock."""

from __future__ import annotations

from batchgen.api.gateway import Gateway
from batchgen.api.ratelimit import Priority
from batchgen.clock import FakeClock
from batchgen.errors import AmbiguousSubmit, ImageChanged, NetworkError, RouteTrouble, ServerError
from tests.api.test_gateway_silence import answering, attempt, failing, gateway, refused_submit


def outage() -> ServerError:
    return ServerError("HTTP 503", status=503)


async def asked_after_a_refusal(clock: FakeClock) -> Gateway:
    """A gateway whose one submit a gateway's page refused, asked once since: one submit is let go to see."""
    gw = gateway(clock, probe=answering, bound=300.0)
    await attempt(gw, Priority.SUBMIT, failing(refused_submit))
    clock.advance(gw.ask_at() - clock.now())
    await gw.ask()
    return gw


async def test_in_a_refusal_an_outage_on_every_route_is_asked_with_the_probe_not_with_a_submit():
    clock = FakeClock()
    probed: list[int] = []

    async def probe() -> None:
        probed.append(1)
        raise outage()

    gw = gateway(clock, probe=probe, bound=300.0)
    await attempt(gw, Priority.SUBMIT, failing(refused_submit))  # t=0: the submits' route refused
    clock.advance(2.0)
    await attempt(gw, Priority.POLL, failing(outage))  # then the API goes down: every route 503
    await attempt(gw, Priority.POLL, failing(outage))
    assert gw.silence >= 2
    clock.advance(gw.ask_at() - clock.now())
    await gw.ask()
    # the API is silent: a submit let go now goes into a 503 (unknown outcome); the free probe should ask first
    assert probed and not gw.one_through, (probed, gw.one_through)


async def test_an_image_changed_before_the_post_went_does_not_end_the_hold_on_refused_submits():
    clock = FakeClock()
    gw = await asked_after_a_refusal(clock)
    assert gw.may_send()  # the submit let go as the ask ...
    # ... whose image changed since it was checked: wire_json raises inside the call, nothing went out
    await attempt(gw, Priority.SUBMIT, failing(lambda: ImageChanged("the image changed since it was checked")))
    assert gw.submits_refused_at == 0.0 and not gw.heard, (gw.submits_refused_at, gw.heard)


async def test_a_polls_blip_long_after_one_refused_submit_does_not_count_as_submits_refused_for_the_bound():
    clock = FakeClock()
    gw = gateway(clock, probe=answering, bound=300.0)
    await attempt(gw, Priority.SUBMIT, failing(refused_submit))  # t=0, the one submit refused
    clock.advance(1000.0)  # nothing tried since (the slots were busy); polls answered throughout
    await attempt(gw, Priority.POLL, answering)
    await attempt(gw, Priority.POLL, failing(lambda: NetworkError("connection reset", reached_server=True)))
    await gw.ask()  # no submit was refused after t=0: one goes to see
    assert gw.one_through


async def test_a_submit_let_go_as_an_ask_that_was_not_needed_does_not_outlive_the_hold():
    clock = FakeClock()
    gw = await asked_after_a_refusal(clock)
    assert gw.one_through
    await attempt(gw, Priority.SUBMIT, answering)  # a submit sent before the refusal, retried, is answered: open
    assert gw.heard and gw.may_send()  # (heard: the one let go as the ask is not spent)
    clock.advance(10.0)
    await attempt(gw, Priority.SUBMIT, failing(refused_submit))  # refused again, a new hold
    assert not gw.heard
    assert not gw.may_send(), "a submit went into the new refusal at once, as a stale ask"


def portal_submit() -> AmbiguousSubmit:
    """A submit answered by a network's login page: a redirect to another origin (never followed), as the client
    raises it (RouteTrouble: 'not the API speaking about the job'), of unknown outcome."""
    exc = AmbiguousSubmit("the submit was answered by something other than the API", status=302)
    exc.__cause__ = RouteTrouble(
        "POST /v2/m was redirected to http://login.portal.example/ (another origin, not followed)", status=302
    )
    return exc


async def test_a_submit_answered_by_a_login_portal_does_not_end_the_hold_on_refused_submits():
    clock = FakeClock()
    gw = await asked_after_a_refusal(clock)  # (the firewall's 403 page)
    assert gw.may_send()
    await attempt(gw, Priority.SUBMIT, failing(portal_submit))  # the one let go: not the API either
    assert not gw.heard and gw.submits_refused_at is not None, (gw.heard, gw.submits_refused_at)
