"""What the terminal's codes mean, for the technician and for the shopper (German, English, Dutch).

- :func:`result` maps a ZVT result code (BMP 27, the byte of 06 1E, the code of an 84 reply; PROTOCOLS.md 4.6) to the
  payment outcome it stands for (``approved``, ``declined`` by bank or card, ``aborted`` by the shopper or a timeout
  on the terminal, ``failed`` for technical trouble), a technical description, and a sentence a shopper understands.
- :func:`prompt` maps an intermediate status code (04 FF) to the text the kiosk shows while the terminal works
  ("Bitte Karte einstecken"), so the lane can show it in the shopper's language.
- :data:`CARD_TYPES` names the ZVT card-type ids (BMP 8A); :data:`TERMINAL_STATUS` the status-enquiry codes.

Host codes 01..63 are the bank's own answers passed through in binary (0x33 = 51); a few common ones get their
own sentence, the rest the general "declined by your bank".
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("de", "en", "nl")

APPROVED, DECLINED, ABORTED, FAILED, TIMEOUT = "approved", "declined", "aborted", "failed", "timeout"
OUTCOMES = (APPROVED, DECLINED, ABORTED, FAILED, TIMEOUT)


@dataclass(frozen=True, slots=True)
class Meaning:
    code: int
    outcome: str
    technical: str                 # English, for the log and the technician
    shopper: dict[str, str]        # language -> sentence

    def text(self, lang: str = "de") -> str:
        return self.shopper.get(lang) or self.shopper["en"]


def _s(de: str, en: str, nl: str) -> dict[str, str]:
    return {"de": de, "en": en, "nl": nl}


_DECLINED = _s("Zahlung abgelehnt. Bitte versuchen Sie eine andere Karte.",
               "Payment declined. Please try another card.",
               "Betaling geweigerd. Probeer een andere kaart.")
_NOT_ACCEPTED = _s("Diese Karte wird hier leider nicht akzeptiert.",
                   "Sorry, this card is not accepted here.",
                   "Deze kaart wordt hier helaas niet geaccepteerd.")
_UNREADABLE = _s("Die Karte konnte nicht gelesen werden. Bitte versuchen Sie es noch einmal.",
                 "The card could not be read. Please try again.",
                 "De kaart kon niet worden gelezen. Probeer het nog eens.")
_TECHNICAL = _s("Kartenzahlung ist gerade nicht möglich. Bitte versuchen Sie es erneut oder rufen Sie das Personal.",
                "Card payment is not possible right now. Please try again or call a member of staff.",
                "Betalen met kaart is nu niet mogelijk. Probeer het opnieuw of roep een medewerker.")
_NO_CONNECTION = _s("Keine Verbindung zur Bank. Bitte versuchen Sie es gleich noch einmal.",
                    "No connection to the bank. Please try again in a moment.",
                    "Geen verbinding met de bank. Probeer het zo nog eens.")

_RESULTS: dict[int, tuple[str, str, dict[str, str]]] = {
    0x00: (APPROVED, "success", _s("Zahlung erfolgt. Vielen Dank!", "Payment approved. Thank you!",
                                   "Betaling geslaagd. Dank u wel!")),
    0x05: (DECLINED, "host: do not honour", _DECLINED),
    0x33: (DECLINED, "host 51: insufficient funds",
           _s("Zahlung von Ihrer Bank abgelehnt. Bitte versuchen Sie eine andere Karte.",
              "Payment declined by your bank. Please try another card.",
              "Betaling geweigerd door uw bank. Probeer een andere kaart.")),
    0x36: (DECLINED, "host 54: card expired",
           _s("Die Karte ist abgelaufen.", "The card has expired.", "De kaart is verlopen.")),
    0x37: (DECLINED, "host 55: incorrect PIN",
           _s("Falsche PIN. Zahlung nicht erfolgt.", "Incorrect PIN. Payment not made.",
              "Onjuiste pincode. Betaling niet gelukt.")),
    0x3D: (DECLINED, "host 61: exceeds amount limit",
           _s("Verfügungsrahmen überschritten. Bitte versuchen Sie eine andere Karte.",
              "Card limit exceeded. Please try another card.",
              "Limiet van de kaart overschreden. Probeer een andere kaart.")),
    0x4B: (DECLINED, "host 75: PIN tries exceeded",
           _s("PIN zu oft falsch eingegeben.", "Too many incorrect PIN attempts.", "Te vaak een onjuiste pincode.")),
    0x64: (DECLINED, "card not readable (LRC/parity error)", _UNREADABLE),
    0x65: (DECLINED, "card data not present", _UNREADABLE),
    0x66: (FAILED, "processing error", _TECHNICAL),
    0x67: (DECLINED, "function not permitted for ec and Maestro cards", _NOT_ACCEPTED),
    0x68: (DECLINED, "function not permitted for credit and tank cards", _NOT_ACCEPTED),
    0x6A: (FAILED, "turnover file full (run end-of-day)", _TECHNICAL),
    0x6B: (FAILED, "function deactivated (PT not registered)", _TECHNICAL),
    0x6C: (ABORTED, "abort via timeout or abort key",
           _s("Zahlung abgebrochen.", "Payment cancelled.", "Betaling geannuleerd.")),
    0x6E: (DECLINED, "card in blocked list", _DECLINED),
    0x6F: (FAILED, "wrong currency (check currency= in the terminal URL)", _TECHNICAL),
    0x71: (DECLINED, "credit not sufficient (chip)",
           _s("Guthaben nicht ausreichend.", "Not enough credit on the card.", "Onvoldoende saldo op de kaart.")),
    0x72: (DECLINED, "chip error", _UNREADABLE),
    0x73: (DECLINED, "card data incorrect", _UNREADABLE),
    0x77: (FAILED, "end-of-day batch not possible", _TECHNICAL),
    0x78: (DECLINED, "card expired", _s("Die Karte ist abgelaufen.", "The card has expired.", "De kaart is verlopen.")),
    0x79: (DECLINED, "card not yet valid",
           _s("Die Karte ist noch nicht gültig.", "The card is not valid yet.", "De kaart is nog niet geldig.")),
    0x7A: (DECLINED, "card unknown", _NOT_ACCEPTED),
    0x7D: (FAILED, "communication error", _NO_CONNECTION),
    0x83: (FAILED, "function not possible", _TECHNICAL),
    0x85: (FAILED, "key missing", _TECHNICAL),
    0x89: (FAILED, "PIN pad defective", _TECHNICAL),
    0x9A: (FAILED, "ZVT protocol error", _TECHNICAL),
    0x9B: (FAILED, "error from dial-up/communication fault", _NO_CONNECTION),
    0x9C: (FAILED, "please wait (terminal busy)",
           _s("Das Kartenterminal ist beschäftigt. Bitte versuchen Sie es gleich noch einmal.",
              "The card terminal is busy. Please try again in a moment.",
              "De betaalautomaat is bezig. Probeer het zo nog eens.")),
    0xA0: (FAILED, "receiver not ready", _TECHNICAL),
    0xA1: (FAILED, "remote station does not respond", _NO_CONNECTION),
    0xA3: (FAILED, "no connection", _NO_CONNECTION),
    0xB1: (FAILED, "memory full", _TECHNICAL),
    0xB2: (FAILED, "merchant journal full", _TECHNICAL),
    0xB4: (FAILED, "already reversed", _TECHNICAL),
    0xB5: (FAILED, "reversal not possible", _TECHNICAL),
    0xC2: (FAILED, "diagnosis required", _TECHNICAL),
    0xC3: (DECLINED, "maximum amount exceeded",
           _s("Höchstbetrag für Kartenzahlung überschritten.", "Maximum amount for card payment exceeded.",
              "Maximumbedrag voor kaartbetaling overschreden.")),
    0xC5: (DECLINED, "payment method not supported", _NOT_ACCEPTED),
    0xC6: (DECLINED, "currency not applicable", _NOT_ACCEPTED),
    0xC8: (DECLINED, "amount too small",
           _s("Betrag zu klein für Kartenzahlung.", "Amount too small for card payment.",
              "Bedrag te klein voor kaartbetaling.")),
    0xCC: (FAILED, "printer not ready (ECR answered 84 CC)", _TECHNICAL),
    0xDC: (FAILED, "card inserted (remove it first)",
           _s("Bitte entnehmen Sie zuerst die Karte.", "Please remove the card first.", "Neem eerst de kaart uit.")),
    0xE2: (FAILED, "card reader defective", _TECHNICAL),
    0xF0: (FAILED, "open end-of-day batch present", _TECHNICAL),
    0xFF: (FAILED, "system error", _TECHNICAL),
}


def result(code: int) -> Meaning:
    """What result code ``code`` means (unknown codes are technical failures; 01..63 are bank declines)."""
    known = _RESULTS.get(code)
    if known is not None:
        return Meaning(code, *known)
    if 0x01 <= code <= 0x63:
        return Meaning(code, DECLINED, f"host (network operator) code {code}", _DECLINED)
    return Meaning(code, FAILED, f"result code {code:02X}", _TECHNICAL)


def timeout_meaning() -> Meaning:
    """The client gave up waiting: nobody knows yet whether the payment went through."""
    return Meaning(-1, TIMEOUT, "no answer from the terminal in time; outcome unknown (ask with status enquiry)",
                   _s("Das Kartenterminal antwortet nicht. Bitte warten Sie, wir prüfen die Zahlung.",
                      "The card terminal does not answer. Please wait while we check the payment.",
                      "De betaalautomaat reageert niet. Even geduld, we controleren de betaling."))


# ------------------------------------------------------------------------------------- intermediate status

_PIN = ("Bitte PIN-Pad beachten", "Please follow the instructions on the PIN pad", "Volg de aanwijzingen op de PIN-pad")
_WAIT = ("Bitte warten …", "Please wait …", "Even geduld …")
_PROMPTS: dict[int, tuple[str, str, str]] = {
    0x00: ("Bitte Betrag bestätigen", "Please confirm the amount", "Bevestig het bedrag"),
    0x01: _PIN, 0x02: _PIN,
    0x03: ("Vorgang nicht möglich", "Not accepted", "Niet geaccepteerd"),
    0x04: ("Bitte warten, Verbindung zur Bank …", "Please wait, contacting your bank …",
           "Even geduld, verbinding met uw bank …"),
    0x05: ("Automatischer Storno läuft", "Automatic reversal in progress", "Automatische terugboeking"),
    0x06: ("Nachbuchungen laufen", "Processing pending bookings", "Nabuchingen worden verwerkt"),
    0x07: ("Karte nicht zugelassen", "Card not accepted", "Kaart niet toegestaan"),
    0x08: ("Karte unbekannt", "Card unknown", "Kaart onbekend"),
    0x09: ("Karte abgelaufen", "Card expired", "Kaart verlopen"),
    0x0A: ("Bitte Karte einstecken oder auflegen", "Please insert or tap your card",
           "Steek uw kaart in of houd hem tegen de lezer"),
    0x0B: ("Bitte Karte entnehmen", "Please remove your card", "Neem uw kaart uit"),
    0x0C: ("Karte nicht lesbar", "Card cannot be read", "Kaart niet leesbaar"),
    0x0D: ("Verarbeitungsfehler", "Processing error", "Verwerkingsfout"),
    0x0E: _WAIT,
    0x0F: ("Automatischer Tagesabschluss", "Automatic end-of-day starting", "Automatische dagafsluiting"),
    0x10: ("Ungültige Karte", "Invalid card", "Ongeldige kaart"),
    0x11: ("Guthabenanzeige", "Balance display", "Saldoweergave"),
    0x12: ("Systemfehler", "System malfunction", "Systeemstoring"),
    0x13: ("Zahlung nicht möglich", "Payment not possible", "Betaling niet mogelijk"),
    0x14: ("Guthaben nicht ausreichend", "Insufficient credit", "Onvoldoende saldo"),
    0x15: ("PIN falsch – bitte erneut eingeben", "Incorrect PIN – please try again",
           "Onjuiste pincode – probeer het opnieuw"),
    0x16: ("Limit nicht ausreichend", "Limit not sufficient", "Limiet niet toereikend"),
    0x17: _WAIT,
    0x18: ("PIN zu oft falsch eingegeben", "PIN try limit exceeded", "Te vaak een onjuiste pincode"),
    0x19: ("Kartendaten fehlerhaft", "Card data incorrect", "Kaartgegevens onjuist"),
    0x1A: ("Servicemodus", "Service mode", "Servicemodus"),
    0x1B: ("Zahlung erfolgt", "Payment approved", "Betaling geslaagd"),
    0x1C: ("Zahlung erfolgt – bitte Ware entnehmen", "Payment approved – please take your goods",
           "Betaling geslaagd – neem uw artikelen mee"),
    0x1D: ("Zahlung nicht erfolgt", "Payment declined", "Betaling geweigerd"),
    0xC7: ("Warte auf Eingabe des Kilometerstands", "Waiting for mileage input", "Wachten op kilometerstand"),
    0xC8: ("Warte auf Kassierer", "Waiting for the cashier", "Wachten op de kassamedewerker"),
    0xC9: ("Automatische Diagnose", "Automatic diagnosis", "Automatische diagnose"),
    0xCA: ("Automatische Initialisierung", "Automatic initialisation", "Automatische initialisatie"),
    0xCB: ("Händlerjournal voll", "Merchant journal full", "Journaal vol"),
    0xCC: ("PIN erforderlich", "PIN required", "Pincode vereist"),
    0xD2: ("Verbindungsaufbau …", "Connecting …", "Verbinding maken …"),
    0xD3: ("Verbindung hergestellt", "Connected", "Verbonden"),
    0xE0: ("Bitte Anwendung wählen", "Please choose the application", "Kies de toepassing"),
    0xE1: ("Bitte Sprache wählen", "Please choose your language", "Kies uw taal"),
    0xF1: ("Offline", "Offline", "Offline"),
    0xF2: ("Online", "Online", "Online"),
    0xF3: ("Offline-Zahlung", "Offline transaction", "Offline transactie"),
}
_REMOVE_CARD = (" – bitte Karte entnehmen", " – please remove your card", " – neem uw kaart uit")


def prompt(code: int, custom: str | None = None) -> dict[str, str]:
    """The shopper's text for intermediate status ``code`` in each language (``FF``: the terminal's own text)."""
    if code == 0xFF and custom:
        return dict.fromkeys(LANGUAGES, custom)
    if code in _PROMPTS:
        return dict(zip(LANGUAGES, _PROMPTS[code]))
    if code == 0x4B:                             # "please remove card" plus "please remove card"
        return dict(zip(LANGUAGES, _PROMPTS[0x0B]))
    if 0x41 <= code <= 0x5D and (code - 0x40) in _PROMPTS:
        return {lang: text + suffix for lang, text, suffix in zip(LANGUAGES, _PROMPTS[code - 0x40], _REMOVE_CARD)}
    return dict(zip(LANGUAGES, _WAIT))


PROMPT_CODES = tuple(sorted({*_PROMPTS, *(c + 0x40 for c in _PROMPTS if 0x01 <= c <= 0x1D)}))

CARD_TYPES: dict[int, str] = {
    5: "girocard", 6: "Mastercard", 8: "American Express", 10: "Visa", 11: "Visa Electron", 12: "Diners",
    13: "V PAY", 14: "JCB", 30: "GeldKarte", 46: "Maestro",
}

TERMINAL_STATUS: dict[int, str] = {
    0x00: "ready", 0x51: "initialisation required", 0x62: "date/time incorrect", 0x9C: "please wait",
    0xB1: "memory full", 0xB2: "merchant journal full", 0xC2: "diagnosis required", 0xCC: "printer not ready",
    0xDC: "card inserted", 0xDF: "out of order", 0xE1: "card not completely removed", 0xE2: "card reader defective",
}


def terminal_status(code: int) -> str:
    return TERMINAL_STATUS.get(code, f"terminal status {code:02X}")
