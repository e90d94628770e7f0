"""The attendant console in a real browser: Debian's Chromium, headless, driven by Playwright (no browser download).

A small store runs on a background thread (tests/browser.py's ThreadedStore: three real lanes and the console on an
in-process bus, served on a free port of 127.0.0.1); every lane action is marshalled onto that store's loop. The
browser signs in through the page's form, sees alerts raised by the lanes arrive over the WebSocket, answers them
with the page's buttons, and sees the lanes carry on. The store is shared by the module's tests; each test uses a
lane of its own, so they do not depend on their order (or on sharing a worker under pytest-xdist).
"""

from __future__ import annotations

import os
import re

import pytest

from browser import CHROMIUM, ThreadedStore, chromium, sign_in

from kiosk.lane.events import AttendantCommand

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed")

expect = None      # playwright.sync_api.expect, imported with the browser
WAIT = 15_000      # ms: generous, for a loaded machine


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with ThreadedStore(tmp_path_factory.mktemp("console"), ("lane-1", "lane-2", "lane-3", "lane-4")) as s:
        yield s


@pytest.fixture(scope="module")
def browser():
    global expect
    from playwright.sync_api import expect as _expect

    expect = _expect
    _expect.set_options(timeout=WAIT)
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB", viewport={"width": 820, "height": 1100})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status == 404 else None)
    pg.on("console", lambda msg: errors.append(f"{msg.text} {msg.location}")
          if msg.type == "error" and "401" not in msg.text else None)
    yield pg
    context.close()
    assert not errors, f"the page reported errors: {errors}"


def tile(page, lane: str):
    return page.locator(f'.lane[data-lane="{lane}"]')


def banner(page, lane: str):
    return page.locator(f'.alert-banner[data-lane="{lane}"]')


# ------------------------------------------------------------------------------------------------------- tests

def test_an_attendant_verifies_an_age_check_and_the_lane_carries_on(store, page):
    sign_in(page, store.url, "anna")
    expect(page.locator("#console")).to_be_visible()
    expect(page.locator("#me")).to_have_text("Anna · Attendant")
    expect(page.locator("#conn")).to_have_class(re.compile(r"\blive\b"))
    expect(page.locator(".lane")).to_have_count(4)
    expect(banner(page, "lane-1")).to_have_count(0)

    iid = store.call(store.age_check, "lane-1")
    alert = banner(page, "lane-1")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("Lane lane-1 · Age check")
    expect(page.locator("body")).to_have_attribute("data-beeps", "1")      # the new alert made a sound
    expect(tile(page, "lane-1")).to_have_attribute("data-mode", "bagging")
    expect(tile(page, "lane-1")).to_have_class(re.compile(r"\battention\b"))
    expect(tile(page, "lane-1").locator(".total")).to_have_text("€1.14")
    expect(tile(page, "lane-1").locator(".items")).to_have_text("1 item")
    expect(tile(page, "lane-1").locator(".dot")).to_have_class(re.compile(r"\bamber\b"))

    alert.click()
    card = page.locator(f'.alert-card[data-alert="{iid}"]')
    expect(card).to_contain_text("An age-restricted item was scanned")
    expect(card).to_contain_text("Age 16+")
    verify = card.locator('[data-action="verify_age"]')
    expect(verify).to_be_disabled()                                          # not before "ID checked"
    card.locator('[data-action="id_checked"]').check()
    expect(verify).to_be_enabled()
    verify.click()

    expect(page.locator(".toast.applied")).to_contain_text("Verify age at lane lane-1: done.")
    expect(banner(page, "lane-1")).to_have_count(0)                           # the alert leaves the page
    expect(page.locator(".alert-card")).to_have_count(0)
    expect(page.locator(".outcomes li").first).to_have_attribute("data-status", "applied")
    expect(tile(page, "lane-1").locator(".dot")).to_have_class(re.compile(r"\bgreen\b"))
    applied = store.call(lambda: [ev for _, ev in store.lane("lane-1").rt.journal.events()
                                  if isinstance(ev, AttendantCommand)])
    assert [(c.command, c.attendant, c.via) for c in applied] == [("verify_age", "anna", "console")]

    # The shopper bags the can and carries on scanning: the console follows the lane.
    page.locator("#sheet-close").click()
    store.call(store.weight, 520.0, "lane-1")
    expect(tile(page, "lane-1")).to_have_attribute("data-mode", "scanning")
    expect(tile(page, "lane-1").locator(".mode")).to_have_text("Scanning")


def test_an_unexpected_item_shows_its_still_and_is_approved(store, page):
    sign_in(page, store.url, "anna")
    expect(page.locator("#console")).to_be_visible()
    iid = store.call(store.unexpected_item, "lane-2")
    store.call(store.still, iid, "lane-2", "lane-2 bagging area")
    banner(page, "lane-2").click()
    card = page.locator(f'.alert-card[data-alert="{iid}"]')
    expect(card.locator("h3")).to_have_text("Unexpected item in the bagging area")
    expect(card.locator(".status")).to_contain_text("Staff called")
    img = card.locator("img.still")
    expect(img).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 320", arg=img.element_handle(),
                           timeout=WAIT)
    card.locator('[data-action="approve"]').click()
    expect(page.locator(".alert-card")).to_have_count(0)
    expect(banner(page, "lane-2")).to_have_count(0)
    expect(tile(page, "lane-2")).not_to_have_class(re.compile(r"\battention\b"))
    state = store.call(lambda: store.lane("lane-2").state)
    assert state.intervention(iid).resolved_by == "attendant:anna" and state.light == "green"


def test_the_page_reconnects_when_its_websocket_drops(store, page):
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    sign_in(page, store.url, "anna")
    expect(page.locator("body")).to_have_attribute("data-live", "1")
    assert store.run(store.drop_websockets) == 1
    expect(page.locator("body")).to_have_attribute("data-live", "0")
    expect(page.locator("body")).to_have_attribute("data-live", "1")      # back, with a fresh snapshot
    assert len(sockets) == 2
    iid = store.call(store.age_check, "lane-4")                            # and alerts arrive again
    expect(banner(page, "lane-4")).to_have_count(1)
    banner(page, "lane-4").click()
    page.locator('[data-action="reject_age"]').click()
    page.locator("#confirm-no").click()                                    # changed their mind: nothing sent
    expect(page.locator("#confirm")).to_be_hidden()
    assert store.call(lambda: store.lane("lane-4").state.intervention(iid).status) == "alerted"
    page.locator('[data-action="id_checked"]').check()
    page.locator('[data-action="verify_age"]').click()
    expect(banner(page, "lane-4")).to_have_count(0)


def test_the_page_says_when_the_console_has_lost_the_lanes(store, page):
    """The console's own connection to the lanes (the broker) drops: the page says its picture may be old, until
    the connection is back."""
    sign_in(page, store.url, "anna")
    expect(page.locator("#no-broker")).to_be_hidden()
    store.call(store.bus.close)
    expect(page.locator("#no-broker")).to_be_visible()
    expect(page.locator("#no-broker")).to_contain_text("No connection to the lanes")
    store.call(store.bus.start)
    expect(page.locator("#no-broker")).to_be_hidden()


def test_a_wrong_pin_is_shown_and_nothing_else(store, page):
    sign_in(page, store.url, "anna", "0000")
    expect(page.locator("#signin-error")).to_have_text("Wrong ID or PIN.")
    expect(page.locator("#console")).to_be_hidden()
    expect(page.locator("#signin-pin")).to_have_value("")
    cookies = page.context.cookies()
    assert not [c for c in cookies if c["name"] == "kiosk_console"]


def test_an_expired_session_sends_the_attendant_back_to_sign_in(store, page):
    sign_in(page, store.url, "anna")
    expect(page.locator("#console")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "kiosk_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert page.evaluate("document.cookie") == ""                        # out of reach of scripts
    store.console_offset += 901                                           # fifteen idle minutes pass
    try:
        expect(page.locator("#signin")).to_be_visible()
        expect(page.locator("#signin-error")).to_have_text("Your session has ended. Please sign in again.")
        expect(page.locator("#console")).to_be_hidden()
        page.reload()                                                     # and it stays signed out
        expect(page.locator("#signin")).to_be_visible()
    finally:
        store.console_offset = 0.0


def test_a_supervisor_in_german_restarts_a_lane_and_reads_the_audit_log(store, browser):
    context = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})   # a phone
    page = context.new_page()
    try:
        page.goto(store.url)
        expect(page.locator("#signin-button")).to_have_text("Anmelden")
        sign_in(page, store.url, "bernd")
        expect(page.locator("#me")).to_have_text("Bernd · Schichtleitung")
        store.call(store.age_check, "lane-3")
        expect(banner(page, "lane-3")).to_contain_text("Kasse lane-3 · Alterskontrolle")
        expect(tile(page, "lane-3").locator(".total")).to_have_text("1,14 €")

        tile(page, "lane-3").click()
        page.locator('[data-action="restart"]').click()
        expect(page.locator("#confirm-text")).to_contain_text("Kassenprogramm von Kasse lane-3 neu starten?")
        page.locator("#confirm-yes").click()
        expect(page.locator(".toast.applied")).to_contain_text("Kassenprogramm neu starten an Kasse lane-3: erledigt.")
        # Underage: confirmed, the beer leaves the basket and the alert is closed.
        page.locator('[data-action="reject_age"]').click()
        page.locator("#confirm-yes").click()
        expect(banner(page, "lane-3")).to_have_count(0)
        expect(tile(page, "lane-3").locator(".items")).to_have_text("0 Artikel")
        page.locator("#sheet-close").click()

        page.locator("#audit-button").click()
        table = page.locator("#audit-table")
        expect(table.locator('tr[data-event="command_sent"]', has_text="bernd")).to_have_count(2)
        expect(table.locator('tr[data-event="login_ok"]').first).to_contain_text("Angemeldet")
        expect(table.locator('tr[data-event="ack"]').first).to_contain_text("applied")
        page.locator("#audit-close").click()
        page.locator("#signout-button").click()
        expect(page.locator("#signin-error")).to_have_text("Sie sind abgemeldet.")
    finally:
        context.close()
