"""What the lane says aloud (kiosk/ui/spoken.py): real lane states from the reducer, in German, English and Dutch.

A shopper switches speech on and goes through a purchase: every step must say the screen's instruction, the item with
its price and the new total, the prompts of interventions with the time the shopper has, the idle question with its
seconds (doubled with "more time"), the amount to pay, the receipt choice and the thanks; with speech off, nothing.
"""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pytest  # noqa: E402

from kiosk.domain.barcodes import gtin_check_digit  # noqa: E402
from kiosk.lane import effects as fx  # noqa: E402
from kiosk.lane.events import (AttendantCommand, AttendantSignedIn, PaymentResult, Tick, Touched,  # noqa: E402
                               WeightSettled)
from kiosk.lane.reducer import reduce  # noqa: E402
from kiosk.lane.settings import Settings  # noqa: E402
from kiosk.ui.i18n import tr  # noqa: E402
from kiosk.ui.spoken import (INFO, PROMPT, TERMINAL, TOTAL, Utterance, amount, situation,  # noqa: E402
                             terminal_utterances, utterances)
from lanekit import BEER, MILK, WATER_CRATE, scanned, started  # noqa: E402

LANGS = ("de", "en", "nl")
MILK_CODE = MILK.gtins[0][1:]
BEER_CODE = BEER.gtins[0][1:]
CRATE_CODE = WATER_CRATE.gtins[0][1:]
GOUDA_LABEL = "2812347012503"          # Gouda, 1.250 kg at 14.90/kg = 18.63


def voucher(serial: str, cents: int) -> str:
    payload = f"980{serial}{cents:04d}"
    return payload + str(gtin_check_digit(payload))


class Shopper:
    """Drives the real reducer and keeps what each event made the lane say."""

    def __init__(self, lang: str = "de", speech: bool = True, settings: Settings | None = None, access=()):
        self.state = started(settings)
        self.effects: list = []
        self.said: list[Utterance] = []
        self.t = 1.0
        if lang != "de":
            self.do(Touched(self.t, "lang", lang))
        for option in access:
            self.touch("access", option)
        if speech:
            self.touch("access", "speech")

    def do(self, event) -> list[Utterance]:
        before = self.state
        self.state, self.effects = reduce(before, event)
        self.said = utterances(before, self.state)
        self.t = max(self.t, event.t) + 1
        return self.said

    def touch(self, action: str, arg: str | None = None) -> list[Utterance]:
        return self.do(Touched(self.t, action, arg))

    def scan(self, code: str) -> list[Utterance]:
        return self.do(scanned(self.t, code))

    def settle(self, grams: float) -> list[Utterance]:
        return self.do(WeightSettled(self.t, grams))

    def tick(self, t: float) -> list[Utterance]:
        return self.do(Tick(t))

    def charge(self) -> fx.Charge:
        (charge,) = [e for e in self.effects if isinstance(e, fx.Charge)]
        return charge


def texts(said: list[Utterance]) -> list[str]:
    return [str(u) for u in said]


# ------------------------------------------------------------------------------------------------------- amounts

@pytest.mark.parametrize("cents, de, en, nl", [
    (129, "ein Euro 29", "one euro 29", "één euro 29"),
    (548, "5 Euro 48", "5 euros 48", "5 euro 48"),
    (100, "ein Euro", "one euro", "één euro"),
    (1200, "12 Euro", "12 euros", "12 euro"),
    (35, "35 Cent", "35 cents", "35 cent"),
    (1, "ein Cent", "one cent", "één cent"),
    (0, "0 Euro", "0 euros", "0 euro"),
    (123456, "1234 Euro 56", "1234 euros 56", "1234 euro 56"),
    (-330, "minus 3 Euro 30", "minus 3 euros 30", "min 3 euro 30"),
])
def test_amounts_are_said_the_way_each_language_says_them(cents, de, en, nl):
    assert (amount(cents, "de"), amount(cents, "en"), amount(cents, "nl")) == (de, en, nl)


# ----------------------------------------------------------------------------------------------- switching on/off

def test_with_speech_off_a_whole_purchase_says_nothing():
    s = Shopper(speech=False)
    heard = []
    for step in (lambda: s.scan(MILK_CODE), lambda: s.settle(1035), lambda: s.scan(BEER_CODE),
                 lambda: s.settle(1560), lambda: s.settle(1900), lambda: s.tick(s.t + 5), lambda: s.tick(s.t + 20),
                 lambda: s.touch("help"), lambda: s.touch("void_last"), lambda: s.touch("pay")):
        heard += step()
    assert s.state.open_interventions, "the journey did raise prompts, which must stay silent"
    assert heard == []
    assert terminal_utterances(None, {"de": "Karte einstecken"}, s.state) == []


@pytest.mark.parametrize("lang, on, title, subtitle", [
    ("de", "Vorlesen ist eingeschaltet.", "Willkommen.", "Scannen Sie Ihren ersten Artikel oder tippen Sie auf Start."),
    ("en", "Read aloud is on.", "Welcome.", "Scan your first item or touch Start."),
    ("nl", "Voorlezen staat aan.", "Welkom.", "Scan uw eerste artikel of tik op Start."),
])
def test_switching_speech_on_says_so_at_once_and_then_where_the_shopper_is(lang, on, title, subtitle):
    s = Shopper(lang, speech=False)
    said = s.touch("access", "speech")
    assert texts(said) == [on, title, subtitle]
    assert said[0].priority == PROMPT, "'speech on' cuts short anything still being read"
    assert [u.priority for u in said[1:]] == [INFO, INFO]


def test_switching_speech_off_is_silent_and_stays_silent():
    s = Shopper()
    s.touch("start")
    assert s.touch("access", "speech") == []
    assert s.scan(MILK_CODE) == []


def test_speech_on_in_the_middle_of_a_stop_reads_the_stop_not_the_screen_under_it():
    s = Shopper(speech=False)
    s.scan(MILK_CODE)
    s.settle(1035)
    s.settle(1900)                         # something put down without a scan
    s.tick(s.t + 5)
    assert s.state.blocked
    said = texts(s.touch("access", "speech"))
    assert said == ["Vorlesen ist eingeschaltet.", "Artikel nicht gescannt?",
                    "Haben Sie einen Artikel abgelegt, ohne ihn zu scannen? Scannen Sie ihn jetzt oder nehmen Sie ihn "
                    "aus dem Ablagebereich.", "Sonst kommt in 11 Sekunden ein Mitarbeiter."]


def test_a_new_language_repeats_the_instruction_in_that_language():
    s = Shopper("de")
    s.touch("start")
    assert texts(s.touch("lang", "nl")) == ["Scan uw eerste artikel."]
    assert texts(s.touch("lang", "en")) == ["Please scan your first item."]


# ----------------------------------------------------------------------------------------------- items and totals

@pytest.mark.parametrize("lang, expected", [
    ("de", ["Bitte scannen Sie Ihren ersten Artikel.",
            ["Vollmilch 3,5 % 1 l, ein Euro 29.", "Summe ein Euro 29.",
             "Bitte legen Sie den Artikel in den Ablagebereich."],
            ["Bitte scannen Sie den nächsten Artikel."],
            ["Vollmilch 3,5 % 1 l, ein Euro 29.", "Jetzt 2 Stück.", "Summe 2 Euro 58.",
             "Bitte legen Sie den Artikel in den Ablagebereich."]]),
    ("en", ["Please scan your first item.",
            ["Vollmilch 3,5 % 1 l, one euro 29.", "Total one euro 29.", "Please place the item in the bagging area."],
            ["Please scan your next item."],
            ["Vollmilch 3,5 % 1 l, one euro 29.", "Now 2.", "Total 2 euros 58.",
             "Please place the item in the bagging area."]]),
    ("nl", ["Scan uw eerste artikel.",
            ["Vollmilch 3,5 % 1 l, één euro 29.", "Totaal één euro 29.", "Leg het artikel in de inpakzone."],
            ["Scan uw volgende artikel."],
            ["Vollmilch 3,5 % 1 l, één euro 29.", "Nu 2 stuks.", "Totaal 2 euro 58.",
             "Leg het artikel in de inpakzone."]]),
])
def test_each_scan_says_the_item_its_price_the_total_and_what_to_do_next(lang, expected):
    s = Shopper(lang)
    assert texts(s.touch("start")) == [expected[0]]
    said = s.scan(MILK_CODE)
    assert texts(said) == expected[1]
    assert [u.priority for u in said] == [INFO, INFO, INFO]
    assert said[1].key == TOTAL
    assert texts(s.settle(1035)) == expected[2]
    assert texts(s.scan(MILK_CODE)) == expected[3]


def test_a_scan_on_the_welcome_screen_starts_and_says_the_item():
    s = Shopper("de")
    said = texts(s.scan(MILK_CODE))
    assert said[:2] == ["Vollmilch 3,5 % 1 l, ein Euro 29.", "Summe ein Euro 29."]
    assert said[2] == tr("de", "bag.place") + "."


@pytest.mark.parametrize("lang, deposit", [("de", "Plus 25 Cent Pfand."), ("en", "Plus 25 cents deposit."),
                                            ("nl", "Plus 25 cent statiegeld.")])
def test_a_deposit_is_said_with_its_item_and_an_age_check_is_a_prompt(lang, deposit):
    s = Shopper(lang)
    said = s.scan(BEER_CODE)
    assert str(said[0]) == f"Pils 0,5 l Dose, {amount(89, lang)}."
    assert str(said[1]) == deposit
    assert str(said[2]) == tr(lang, "say.total", amount=amount(114, lang)) + "."
    age = [u for u in said if u.priority == PROMPT]
    assert texts(age) == [tr(lang, "iv.age_check.title") + ".", tr(lang, "iv.age_check.text"),
                          tr(lang, "help_on_the_way") + "."]


def test_a_weighed_item_says_its_weight_and_a_voucher_is_a_minus():
    s = Shopper("de")
    said = texts(s.scan(GOUDA_LABEL))
    assert said[:2] == ["Gouda jung am Stück, 1250 Gramm, 18 Euro 63.", "Summe 18 Euro 63."]
    s.settle(1252)
    said = texts(s.scan(voucher("00042", 330)))
    assert said[:2] == ["Leergutbon, minus 3 Euro 30.", "Summe 15 Euro 33."]
    s = Shopper("en")
    assert texts(s.scan(GOUDA_LABEL))[0] == "Gouda jung am Stück, 1250 grams, 18 euros 63."


@pytest.mark.parametrize("lang, removed", [("de", "Vollmilch 3,5 % 1 l entfernt."),
                                            ("en", "Vollmilch 3,5 % 1 l removed."),
                                            ("nl", "Vollmilch 3,5 % 1 l verwijderd.")])
def test_a_void_says_what_left_the_basket_and_the_new_total(lang, removed):
    s = Shopper(lang)
    s.scan(MILK_CODE)
    s.settle(1035)
    s.scan(MILK_CODE)
    s.settle(2070)
    said = texts(s.touch("void_last"))
    assert said[:2] == [removed, tr(lang, "say.total", amount=amount(129, lang)) + "."]
    assert said[2] == tr(lang, "bag.remove") + ".", "the bagged unit must come out: the screen says so, so does speech"


def test_an_attendant_voiding_two_units_says_how_many():
    s = Shopper("de")
    s.scan(MILK_CODE)
    s.settle(1035)
    s.scan(MILK_CODE)
    s.settle(2070)
    line = s.state.txn.active_lines[0].id
    assert s.do(AttendantSignedIn(s.t, "anna", "attendant")) == []
    s.do(AttendantCommand(s.t, "set_qty", "anna", "attendant", "c1", line=line, arg="0"))
    assert texts(s.said)[:2] == ["2 Stück Vollmilch 3,5 % 1 l entfernt.", "Summe 0 Euro."]


# ------------------------------------------------------------------------------------------ prompts and time limits

@pytest.mark.parametrize("lang", LANGS)
def test_an_unexpected_item_is_a_prompt_with_its_time_then_help_is_on_the_way(lang):
    s = Shopper(lang)
    s.scan(MILK_CODE)
    s.settle(1035)
    assert s.settle(1900) == [], "a change must persist before it is a stop"
    said = s.tick(s.t + 3)
    iv = s.state.open_interventions[0]
    assert iv.status == "nudge" and s.state.blocked and iv.prompt == "scan_or_remove"
    assert [u.priority for u in said] == [PROMPT] * 3
    nudge = round(iv.nudge_until - s.state.t)
    assert nudge == s.state.settings.nudge_s == 12
    assert texts(said) == [tr(lang, "iv.prompt.scan_or_remove.title"), tr(lang, "iv.prompt.scan_or_remove.text"),
                           tr(lang, "say.staff_called_in", seconds=tr(lang, "say.seconds", seconds=12)) + "."]
    said = s.tick(iv.nudge_until)
    assert texts(said) == [tr(lang, "help_on_the_way") + "."]
    assert said[0].priority == PROMPT
    said = s.settle(1035)                   # the shopper took it off again: the stop ends, the lane goes on
    assert not s.state.blocked
    assert texts(said) == [tr(lang, "scan.next") + "."]


@pytest.mark.parametrize("lang, text", [
    ("de", "Tippen Sie auf „Eigene Tasche“ oder nehmen Sie sie aus dem Ablagebereich."),
    ("en", "Tap “Own bag”, or take it off the bagging area."),
    ("nl", "Tik op ‘Eigen tas’ of haal hem uit de inpakzone."),
])
def test_a_light_unexpected_item_is_asked_about_as_an_own_bag_naming_the_button(lang, text):
    s = Shopper(lang)
    s.touch("start")
    s.settle(250)
    said = texts(s.tick(s.t + 3))
    assert said[:2] == [tr(lang, "iv.prompt.own_bag.title"), text]


@pytest.mark.parametrize("lang, text", [("de", "Bitte legen Sie „Vollmilch 3,5 % 1 l“ in den Ablagebereich."),
                                        ("en", "Please place “Vollmilch 3,5 % 1 l” in the bagging area."),
                                        ("nl", "Leg ‘Vollmilch 3,5 % 1 l’ in de inpakzone.")])
def test_an_item_not_bagged_in_time_is_named_in_the_prompt(lang, text):
    s = Shopper(lang)
    s.scan(MILK_CODE)
    due = s.state.bagging.expected[0].t_due
    assert s.tick(due - 1) == []
    said = texts(s.tick(due))
    assert said[:2] == [tr(lang, "iv.prompt.bag_item.title") + ".", text]


@pytest.mark.parametrize("lang", LANGS)
def test_help_says_help_is_on_the_way(lang):
    s = Shopper(lang)
    s.touch("start")
    said = texts(s.touch("help"))
    assert said == [tr(lang, "iv.help.title") + ".", tr(lang, "iv.help.text"), tr(lang, "help_on_the_way") + "."]


@pytest.mark.parametrize("lang, more_time, seconds", [("de", False, 30), ("de", True, 60), ("en", False, 30),
                                                      ("en", True, 60), ("nl", False, 30), ("nl", True, 60)])
def test_the_idle_question_says_how_many_seconds_are_left_and_more_time_doubles_them(lang, more_time, seconds):
    s = Shopper(lang, access=("more_time",) if more_time else ())
    s.scan(MILK_CODE)
    s.settle(1035)
    limit = s.state.settings.idle_prompt_s * (2 if more_time else 1)
    assert s.tick(s.state.t_activity + limit - 1) == []
    said = s.tick(s.state.t_activity + limit)
    assert s.state.idle_stage == 1
    assert texts(said) == [tr(lang, "idle.title"), tr(lang, "idle.text"),
                           tr(lang, "idle.seconds_left_other", seconds=seconds)]
    assert all(u.priority == PROMPT for u in said)
    assert s.touch("continue") == [], "carrying on needs no words"


def test_a_scan_that_cannot_be_read_is_a_notice():
    s = Shopper("de")
    s.touch("start")
    said = s.scan("not a barcode")
    assert s.state.notice is not None
    assert texts(said) == [tr("de", f"notice.{s.state.notice.key}")]
    assert said[0].priority == PROMPT


# ------------------------------------------------------------------------------------------------- paying, leaving

@pytest.mark.parametrize("lang, due", [("de", "Zu zahlen: 9 Euro 29."), ("en", "Amount to pay: 9 euros 29."),
                                       ("nl", "Te betalen: 9 euro 29.")])
def test_paying_says_the_total_to_pay_the_outcome_the_receipt_choice_and_thanks(lang, due):
    s = Shopper(lang)
    s.scan(CRATE_CODE)                      # a crate with its deposit: 5.99 + 3.30, never bagged
    said = texts(s.touch("pay"))
    total = s.state.txn.total_cents
    assert total == 929
    assert said == [due, tr(lang, "payment.follow_terminal")]
    ref = s.charge().ref
    said = texts(s.do(PaymentResult(s.t, ref, "declined", message="Karte abgelehnt")))
    assert said == [tr(lang, "notice.payment_declined") + ".", tr(lang, "payment.try_again")]
    said = texts(s.touch("pay"))
    ref = s.charge().ref
    said = texts(s.do(PaymentResult(s.t, ref, "approved", total)))
    assert s.state.mode == "receipt"
    assert said == [tr(lang, "receipt.success") + ".", tr(lang, "receipt.paid", amount=amount(total, lang)) + ".",
                    tr(lang, "receipt.question"),
                    ", ".join(tr(lang, f"receipt.{c}") for c in ("paper", "ereceipt", "none")) + ".",
                    tr(lang, "say.receipt_auto.paper", seconds=tr(lang, "say.seconds", seconds=20)) + "."]
    said = texts(s.touch("receipt", "paper"))
    assert said == [tr(lang, "thanks.title"), tr(lang, "thanks.take_receipt"), tr(lang, "thanks.goods")]
    assert s.touch("done") == [], "the next shopper starts with speech off"


def test_the_receipt_countdown_is_doubled_with_more_time():
    s = Shopper("de", access=("more_time",))
    s.scan(MILK_CODE)
    s.settle(1035)
    s.touch("pay")
    said = texts(s.do(PaymentResult(s.t, s.charge().ref, "approved", 129)))
    assert said[-1] == "Ohne Auswahl wird in 40 Sekunden ein Beleg gedruckt."


@pytest.mark.parametrize("lang", LANGS)
def test_the_terminal_prompt_is_said_once_in_the_shoppers_language(lang):
    s = Shopper(lang)
    prompt = {"de": "Bitte Karte einstecken", "en": "Please insert card", "nl": "Steek uw pas in"}
    said = terminal_utterances(None, prompt, s.state)
    assert texts(said) == [prompt[lang] + "."] and said[0].key == TERMINAL
    assert terminal_utterances(prompt, dict(prompt), s.state) == [], "the same prompt again is not repeated"
    assert texts(terminal_utterances(prompt, {"de": "PIN eingeben"}, s.state)) == ["PIN eingeben."]
    assert terminal_utterances(prompt, None, s.state) == []
    assert texts(terminal_utterances(None, "Bitte warten", s.state)) == ["Bitte warten."]


# ------------------------------------------------------------------------------------------------------ the whole

@pytest.mark.parametrize("lang", LANGS)
def test_a_whole_journey_speaks_only_finished_sentences(lang):
    s = Shopper(lang)
    heard: list[Utterance] = list(situation(s.state))
    for step in (lambda: s.scan(MILK_CODE), lambda: s.settle(1035), lambda: s.scan(BEER_CODE),
                 lambda: s.settle(1560), lambda: s.scan(GOUDA_LABEL), lambda: s.settle(2810),
                 lambda: s.settle(3100), lambda: s.tick(s.t + 3), lambda: s.tick(s.t + 13),
                 lambda: s.settle(2810), lambda: s.touch("void_last"), lambda: s.tick(s.t + 30),
                 lambda: s.touch("help"), lambda: s.touch("cancel")):
        heard += step()
    assert len(heard) > 20
    for u in heard:
        assert isinstance(u, Utterance) and u == u.strip() and u[-1] in ".!?…:", repr(u)
        assert "{" not in u and "say." not in u and "iv." not in u, repr(u)
