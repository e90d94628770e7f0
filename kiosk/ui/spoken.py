"""What the lane says aloud when the shopper switched speech on: prompts, items, totals and time limits.

A pure function of two lane states, the one before an event and the one after it, so what is spoken follows from the
journal exactly like what is drawn, and tests can check it without a sound card. The words are the screen's own
(``kiosk/ui/wording.py``, ``kiosk/ui/overlays.py``, the same message keys); the ``say.*`` keys of the locale files
only add what a screen shows as a picture or a number but a voice has to put into words: amounts as people say them
("ein Euro 29", "one euro 29", "één euro 29" rather than "eins Komma zwei neun"), seconds as words, "speech on".

Each utterance carries a priority: a prompt the shopper has to act on (an intervention, the "are you still there?"
question, a notice) is ``PROMPT`` and may cut short the information (items, totals, the screen's instruction) still
being read out; :mod:`kiosk.speech` carries that out. The terminal's prompts come from the shell, not from the lane
state, hence :func:`terminal_utterances`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from kiosk.lane.state import (BAGGING, DEPOSIT, ITEM, OUT_OF_SERVICE, PAYMENT, RECEIPT, SCANNING, SPEECH,
                              THANK_YOU, WELCOME, Intervention, LaneState, Line, Transaction)
from kiosk.ui.i18n import has, tr
from kiosk.ui.wording import (intervention_item, item_name, line_name, notice_text, prompt, shopper_text,
                              shopper_title, status_text)

#: Priorities: information may be cut short by a prompt, never the other way round.
INFO = 0
PROMPT = 1

#: Keys of utterances that a newer one of the same key makes stale (a queued old total is not worth hearing).
TOTAL = "total"
SCREEN = "screen"
TERMINAL = "terminal"

_END = ".!?…:"


class Utterance(str):
    """A sentence to speak, with its priority and an optional key (a newer utterance of that key replaces it)."""

    priority: int
    key: str

    def __new__(cls, text: str, priority: int = INFO, key: str = "") -> Utterance:
        obj = super().__new__(cls, text)
        obj.priority = priority
        obj.key = key
        return obj


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in _END else text + "."


def _say(texts: list[str], priority: int = INFO, key: str = "") -> list[Utterance]:
    return [Utterance(_sentence(t), priority, key) for t in texts if t and t.strip()]


# --------------------------------------------------------------------------------------------------- numbers

def amount(cents: int, lang: str) -> str:
    """An amount of money as it is said: "ein Euro 29", "5 euros 48", "35 cent", "minus 3 Euro 30", "0 Euro"."""
    if cents < 0:
        return tr(lang, "say.minus", amount=amount(-cents, lang))
    euros, rest = divmod(cents, 100)
    if euros == 0 and rest > 0:
        return tr(lang, "say.cents_one") if rest == 1 else tr(lang, "say.cents", cents=rest)
    whole = tr(lang, "say.euros_one") if euros == 1 else tr(lang, "say.euros", euros=euros)
    return whole if rest == 0 else tr(lang, "say.amount", euros=whole, cents=rest)


def seconds(n: int, lang: str) -> str:
    return tr(lang, "say.seconds_one") if n == 1 else tr(lang, "say.seconds", seconds=n)


def _left(until: float, now: float) -> int:
    return max(0, math.ceil(until - now - 1e-9))


# ---------------------------------------------------------------------------------------------------- screens

def screen(state: LaneState) -> list[Utterance]:
    """The instruction of the screen the shopper is on, as the screen words it."""
    lang, mode = state.lang, state.mode
    txn = state.txn
    texts: list[str]
    if mode == OUT_OF_SERVICE:
        texts = [tr(lang, "closed.title"), tr(lang, "closed.text")]
    elif mode == WELCOME:
        texts = [tr(lang, "welcome.title"), tr(lang, "welcome.subtitle")]
    elif mode in (SCANNING, BAGGING):
        texts = [prompt(state, lang)[0]]
    elif mode == PAYMENT:
        pending = txn.pending_payment if txn is not None else None
        due = pending.amount_cents if pending is not None else (txn.total_cents - txn.paid_cents if txn else 0)
        texts = [f"{tr(lang, 'payment.due')}: {amount(due, lang)}"]
        texts.append(tr(lang, "payment.follow_terminal") if pending is not None else tr(lang, "payment.try_again"))
    elif mode == RECEIPT:
        paid = txn.paid_cents if txn is not None else 0
        choices = ", ".join(tr(lang, f"receipt.{c}") for c in ("paper", "ereceipt", "none"))
        texts = [tr(lang, "receipt.success"), tr(lang, "receipt.paid", amount=amount(paid, lang)),
                 tr(lang, "receipt.question"), choices]
        default = state.settings.receipt_default
        if default in ("paper", "ereceipt", "none"):
            left = _left(state.t_mode + state.limit(state.settings.receipt_choice_s), state.t)
            texts.append(tr(lang, f"say.receipt_auto.{default}", seconds=seconds(left, lang)))
    elif mode == THANK_YOU:
        texts = [tr(lang, "thanks.title")]
        receipt = txn.receipt if txn is not None else None
        if receipt == "paper":
            texts.append(tr(lang, "thanks.take_receipt"))
        elif receipt == "ereceipt":
            texts.append(tr(lang, "thanks.ereceipt"))
        texts.append(tr(lang, "thanks.goods"))
    else:
        texts = []
    return _say(texts, INFO, SCREEN)


def intervention(state: LaneState, iv: Intervention) -> list[Utterance]:
    """A new intervention's prompt as the panel or card shows it; the time the shopper has, or that help comes."""
    lang = state.lang
    texts = [shopper_title(iv, lang), shopper_text(iv, lang, intervention_item(state, iv, lang))]
    if iv.status == "alerted":
        texts.append(status_text(iv, lang))
    elif iv.nudge_until is not None:
        texts.append(tr(lang, "say.staff_called_in", seconds=seconds(_left(iv.nudge_until, state.t), lang)))
    return _say(texts, PROMPT)


def idle(state: LaneState) -> list[Utterance]:
    """The "are you still there?" question with the seconds the shopper has to answer it."""
    lang = state.lang
    left = _left(state.t_idle + state.limit(state.settings.idle_answer_s), state.t)
    texts = [tr(lang, "idle.title"), tr(lang, "idle.text")]
    key = "idle.seconds_left_one" if left == 1 else "idle.seconds_left_other"
    texts.append(tr(lang, key, seconds=left) if has(lang, key) else
                 tr(lang, "say.staff_called_in", seconds=seconds(left, lang)))
    return _say(texts, PROMPT)


def situation(state: LaneState) -> list[Utterance]:
    """Everything the shopper should know right now: the screen, what is open over it, the idle question."""
    out = [] if state.blocked else screen(state)      # a stop covers the screen: its prompt is what counts
    for iv in state.open_interventions:
        out += intervention(state, iv)
    if state.idle_stage == 1:
        out += idle(state)
    return out


# ----------------------------------------------------------------------------------------------------- basket

def _deposit_delta(before: Mapping[int, Line], txn: Transaction, line: Line) -> int:
    total = 0
    for dep in txn.lines:
        if dep.kind == DEPOSIT and dep.parent == line.id:
            prev = before.get(dep.id)
            total += dep.amount_cents - (prev.amount_cents if prev is not None and prev.qty > 0 else 0)
    return total


def basket(before: LaneState, after: LaneState) -> list[Utterance]:
    """Items added (name, price, deposit), items removed, then the new total; nothing when the basket is unchanged."""
    txn, lang = after.txn, after.lang
    if txn is None:
        return []
    old_txn = before.txn if before.txn is not None and before.txn.number == txn.number else None
    if old_txn is txn:
        return []
    old = {ln.id: ln for ln in old_txn.lines} if old_txn is not None else {}
    texts: list[str] = []
    for ln in txn.lines:
        if ln.kind == DEPOSIT:
            continue
        prev = old.get(ln.id)
        added = ln.qty - (prev.qty if prev is not None else 0)
        if added <= 0:
            continue
        price = amount(ln.amount_cents - (prev.amount_cents if prev is not None else 0), lang)
        name = line_name(ln, txn, lang)
        if ln.kind == ITEM and ln.item is not None and ln.item.weighed and ln.weight_g is not None:
            texts.append(tr(lang, "say.item_weighed", name=name, grams=round(ln.weight_g), price=price))
        else:
            texts.append(tr(lang, "say.item", name=name, price=price))
        if prev is not None and prev.qty > 0:
            texts.append(tr(lang, "say.item_count", qty=ln.qty))
        deposit = _deposit_delta(old, txn, ln)
        if deposit > 0:
            texts.append(tr(lang, "say.deposit", amount=amount(deposit, lang)))
    done = len(old_txn.voids) if old_txn is not None else 0
    for void in txn.voids[done:]:
        ln = txn.line(void.line)
        if ln is None:
            continue
        name = item_name(ln, lang) if ln.kind == ITEM else line_name(ln, txn, lang)
        texts.append(tr(lang, "say.voided", name=name) if void.qty == 1 else
                     tr(lang, "say.voided_qty", name=name, qty=void.qty))
    if not texts:
        return []
    return _say(texts) + _say([tr(lang, "say.total", amount=amount(txn.total_cents, lang))], INFO, TOTAL)


# ----------------------------------------------------------------------------------------------------- entry

def utterances(before: LaneState, after: LaneState) -> list[Utterance]:
    """What to say about the change from ``before`` to ``after``, in the shopper's language; [] with speech off."""
    if SPEECH not in after.access or before is after:
        return []
    lang = after.lang
    if SPEECH not in before.access:
        return _say([tr(lang, "say.speech_on")], PROMPT) + situation(after)
    if before.lang != lang:
        return situation(after)
    out = basket(before, after)
    if not after.blocked and (before.mode != after.mode or before.blocked):
        out += screen(after)
    if after.notice is not None and after.notice != before.notice:
        texts = [notice_text(after.notice, lang)]
        if after.notice.key.startswith("payment_"):
            texts.append(tr(lang, "payment.try_again"))
        out += _say(texts, PROMPT)
    old = {iv.id: iv for iv in before.interventions}
    for iv in after.open_interventions:
        prev = old.get(iv.id)
        if prev is None or prev.status == "resolved" or prev.prompt != iv.prompt or prev.kind != iv.kind:
            out += intervention(after, iv)
        elif iv.status == "alerted" and prev.status != "alerted":
            out += _say([status_text(iv, lang)], PROMPT)
    if after.idle_stage == 1 and before.idle_stage != 1:
        out += idle(after)
    return out


def terminal_utterances(before: Mapping[str, str] | str | None, after: Mapping[str, str] | str | None,
                        state: LaneState) -> list[Utterance]:
    """The card terminal's prompt (texts by language, or one text) when it changed and speech is on."""
    if SPEECH not in state.access or not after:
        return []
    text = _terminal_text(after, state.lang)
    if not text or (before and _terminal_text(before, state.lang) == text):
        return []
    return _say([text], INFO, TERMINAL)


def _terminal_text(prompt: Mapping[str, str] | str, lang: str) -> str:
    if isinstance(prompt, str):
        return prompt
    return prompt.get(lang) or prompt.get("de") or prompt.get("en") or next(iter(prompt.values()), "")

