"""The speaker (kiosk/speech.py) with the real espeak-ng: WAV files, the queue, a prompt cutting a sentence short.

espeak-ng writes each sentence to a WAV file here (``-w``) instead of the sound card, so the tests hear what a
shopper would: a file that is really speech of a plausible length, in each language. To hold a sentence "on the
air" for as long as a test needs, its WAV file is a named pipe that the test reads only when it wants to: the real
process then blocks on its output exactly as it would on a slow audio device, and a prompt arriving meanwhile must
kill it. Without espeak-ng the speaker logs how to install it and stays silent; the lane never notices.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import select
import shutil
import time
import wave
from pathlib import Path

import pytest

from kiosk.speech import INFO, PROMPT, Speaker, command
from kiosk.ui.spoken import TOTAL, Utterance

ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed (apt install espeak-ng; "
                                                          "./run-tests installs it)")
ROOT = Path(__file__).resolve().parent.parent
LONG = " ".join(["Dies ist ein langer Satz über den Einkauf an der Kasse, der eine ganze Weile dauert."] * 12)


def wav_info(path: Path) -> tuple[int, int, int, float, int]:
    """(rate, channels, sample width, seconds, peak sample) of a WAV file."""
    with wave.open(str(path), "rb") as w:
        frames = w.readframes(w.getnframes())
        width = w.getsampwidth()
        peak = max((abs(int.from_bytes(frames[i:i + width], "little", signed=True))
                    for i in range(0, len(frames), width * 50)), default=0)
        return w.getframerate(), w.getnchannels(), width, w.getnframes() / w.getframerate(), peak


def is_riff_wave(path: Path) -> bool:
    head = path.read_bytes()[:12]
    return head[:4] == b"RIFF" and head[8:12] == b"WAVE"


class HeldPipe:
    """A named pipe in place of a WAV file: espeak-ng blocks writing it until the test reads."""

    def __init__(self, path: Path):
        self.path = path
        os.mkfifo(path)
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)   # no writer needed to open it this way

    def first_bytes(self, timeout: float = 15.0) -> bytes:
        """Wait until espeak-ng has started writing (it is running and speaking), return what it wrote first."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            data = os.read(self.fd, 12) if ready else b""
            if data:
                return data
            time.sleep(0.01)                 # no writer yet: the pipe reads as empty
        raise AssertionError("espeak-ng never started writing")

    def drain(self) -> int:
        """Read everything until the writer is gone; the number of bytes."""
        os.set_blocking(self.fd, True)
        n = 0
        while chunk := os.read(self.fd, 65536):
            n += len(chunk)
        return n

    def close(self) -> None:
        os.close(self.fd)


def until(get, timeout: float = 10.0):
    """Poll ``get()`` until it gives something (threads report a moment later than the event they report)."""
    end = time.monotonic() + timeout
    while (value := get()) is None and time.monotonic() < end:
        time.sleep(0.005)
    assert value is not None
    return value


@pytest.fixture
def speaker(tmp_path):
    sp = Speaker(wav_dir=tmp_path, rate=160)
    yield sp
    sp.close()


# ---------------------------------------------------------------------------------------------------- command

def test_the_command_line_names_voice_rate_volume_and_device_and_reads_the_text_from_stdin():
    assert command("espeak-ng", "de", 160) == ["espeak-ng", "-v", "de", "-s", "160", "-b", "1", "--stdin"]
    assert command("/usr/bin/espeak-ng", "nl", 140, 80, "plughw:1,0") == \
        ["/usr/bin/espeak-ng", "-v", "nl", "-s", "140", "-a", "80", "-d", "plughw:1,0", "-b", "1", "--stdin"]
    assert command("espeak-ng", "en", 175, None, "plughw:1,0", Path("/tmp/x.wav"))[-5:] == \
        ["-w", "/tmp/x.wav", "-b", "1", "--stdin"], "a WAV file replaces the device"


def test_the_config_section_reaches_the_speaker(tmp_path):
    from kiosk.config import ConfigError, load, parse
    cfg = load(ROOT / "config" / "lane.toml").speech
    assert (cfg.enabled, cfg.device, cfg.rate, cfg.amplitude) == (True, "", 160, 100)
    cfg = parse({"speech": {"device": "plughw:1,0", "rate": 140, "amplitude": 120, "voices": {"en": "en-us"}}}).speech
    sp = Speaker.from_config(cfg)
    try:
        assert (sp.device, sp.rate, sp.amplitude, sp.voices) == ("plughw:1,0", 140, 120,
                                                                  {"de": "de", "en": "en-us", "nl": "nl"})
    finally:
        sp.close()
    for bad, where in (({"rate": 20}, "speech.rate"), ({"amplitude": "loud"}, "speech.amplitude"),
                       ({"voices": {"fr": "fr"}}, "speech.voices.fr"), ({"volume": 3}, "speech.volume"),
                       ({"enabled": "yes"}, "speech.enabled"), ({"voices": {"de": "-x"}}, "speech.voices.de")):
        with pytest.raises(ConfigError, match=where):
            parse({"speech": bad})


# ---------------------------------------------------------------------------------------------------- real WAVs

@needs_espeak
def test_a_sentence_becomes_a_wav_file_of_plausible_length(speaker, tmp_path):
    text = "Vollmilch, ein Euro 29. Summe 5 Euro 48."
    speaker.say([text], "de")
    assert speaker.wait_idle(20)
    (job,) = speaker.history
    assert (job.outcome, job.returncode, job.wav) == ("spoken", 0, tmp_path / "0001.wav")
    assert is_riff_wave(job.wav)
    rate, channels, width, seconds, peak = wav_info(job.wav)
    assert (channels, width) == (1, 2) and rate >= 16000
    words = 11                                       # as spoken: "ein Euro neunundzwanzig ..." (digits are words)
    expected = words / 160 * 60
    assert 0.4 * expected < seconds < 3 * expected, seconds
    assert peak > 1000, "the file holds sound, not silence"


@needs_espeak
def test_the_rate_setting_changes_the_speed(tmp_path):
    text = "Bitte legen Sie den Artikel in den Ablagebereich."
    durations = {}
    for rate in (100, 300):
        out = tmp_path / str(rate)
        out.mkdir()
        sp = Speaker(wav_dir=out, rate=rate)
        sp.say([text], "de")
        assert sp.wait_idle(20)
        sp.close()
        durations[rate] = wav_info(out / "0001.wav")[3]
    assert durations[100] > 1.8 * durations[300], durations


@needs_espeak
def test_each_language_has_its_voice(speaker, tmp_path):
    for lang, text in (("de", "Summe 5 Euro 48."), ("en", "Total 5 euros 48."), ("nl", "Totaal 5 euro 48.")):
        speaker.say([text], lang)
    assert speaker.wait_idle(30)
    jobs = list(speaker.history)
    assert [(j.lang, j.outcome) for j in jobs] == [("de", "spoken"), ("en", "spoken"), ("nl", "spoken")]
    for j in jobs:
        assert is_riff_wave(j.wav) and wav_info(j.wav)[3] > 0.5
    # The same words in another voice sound different: the files differ.
    assert len({j.wav.read_bytes()[44:] for j in jobs}) == 3


# ------------------------------------------------------------------------------------------------ queue, cancel

@needs_espeak
def test_a_prompt_cuts_a_long_sentence_short_by_killing_its_process(speaker, tmp_path):
    pipe = HeldPipe(tmp_path / "0001.wav")
    try:
        speaker.say([Utterance(LONG, INFO)], "de")            # returns at once though espeak-ng will block
        assert pipe.first_bytes()[:4] == b"RIFF"
        long_job = speaker.history[0]
        proc = until(lambda: long_job.proc)              # the worker records it just after the process starts
        assert long_job.outcome == "speaking" and proc.poll() is None, "espeak-ng is running, held by its output"
        prompt = "Bitte nehmen Sie den Artikel aus dem Ablagebereich."
        speaker.say([Utterance(prompt, PROMPT)], "de")
        assert speaker.wait_idle(20)
    finally:
        pipe.close()
    long_job, prompt_job = speaker.history
    assert long_job.outcome == "cancelled" and long_job.returncode is not None and long_job.returncode < 0, \
        "the long sentence's process was killed, not left to finish"
    assert prompt_job.outcome == "spoken" and is_riff_wave(prompt_job.wav)
    assert wav_info(prompt_job.wav)[3] > 1.0


@needs_espeak
def test_information_waits_in_order_and_a_newer_total_replaces_a_queued_one(speaker, tmp_path):
    pipe = HeldPipe(tmp_path / "0001.wav")
    try:
        speaker.say([Utterance("Willkommen.", INFO)], "de")
        assert pipe.first_bytes()[:4] == b"RIFF"
        speaker.say([Utterance("Vollmilch, ein Euro 29.", INFO), Utterance("Summe ein Euro 29.", INFO, TOTAL)], "de")
        speaker.say([Utterance("Brötchen, 35 Cent.", INFO), Utterance("Summe ein Euro 64.", INFO, TOTAL)], "de")
        assert pipe.drain() > 1000                              # the first sentence may now finish
        assert speaker.wait_idle(20)
    finally:
        pipe.close()
    outcomes = [(j.text, j.outcome) for j in speaker.history]
    assert outcomes == [("Willkommen.", "spoken"), ("Vollmilch, ein Euro 29.", "spoken"),
                        ("Summe ein Euro 29.", "dropped"), ("Brötchen, 35 Cent.", "spoken"),
                        ("Summe ein Euro 64.", "spoken")]
    spoken = [j for j in speaker.history if j.outcome == "spoken"][1:]
    assert all(is_riff_wave(j.wav) for j in spoken)
    assert not (tmp_path / "0003.wav").exists(), "a dropped sentence is never synthesised"


@needs_espeak
def test_a_prompt_drops_queued_information_but_information_never_cuts_a_prompt(speaker, tmp_path):
    pipe = HeldPipe(tmp_path / "0001.wav")
    try:
        speaker.say([Utterance("Sind Sie noch da?", PROMPT)], "de")
        assert pipe.first_bytes()[:4] == b"RIFF"
        speaker.say([Utterance("Summe 5 Euro 48.", INFO, TOTAL)], "de")
        assert speaker.history[0].outcome == "speaking", "information waits behind a prompt"
        speaker.say([Utterance("Hilfe ist unterwegs.", PROMPT)], "de")
        assert pipe.drain() > 1000
        assert speaker.wait_idle(20)
    finally:
        pipe.close()
    assert [j.outcome for j in speaker.history] == ["spoken", "dropped", "spoken"]


@needs_espeak
def test_cancel_and_close_silence_at_once_and_say_after_close_does_nothing(tmp_path):
    sp = Speaker(wav_dir=tmp_path)
    pipe = HeldPipe(tmp_path / "0001.wav")
    try:
        sp.say([LONG, "Noch ein Satz."], "de")
        pipe.first_bytes()
        sp.cancel()
        assert sp.wait_idle(10)
        assert [j.outcome for j in sp.history] == ["cancelled", "dropped"]
        sp.close()
        sp.close()
        sp.say(["Hallo."], "de")
        assert len(sp.history) == 2 and not sp.available
    finally:
        pipe.close()


# ---------------------------------------------------------------------------------------------- failing quietly

def test_without_espeak_ng_the_speaker_says_how_to_install_it_once_and_stays_silent(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("PATH", str(tmp_path))                   # a PATH without espeak-ng
    caplog.set_level(logging.WARNING, logger="kiosk.speech")
    sp = Speaker(wav_dir=tmp_path)
    sp.say([Utterance("Bitte scannen Sie Ihren ersten Artikel.", PROMPT)], "de")
    sp.say(["Summe 5 Euro 48."], "de")
    assert sp.wait_idle(1)
    sp.close()
    hints = [r for r in caplog.records if "apt install espeak-ng" in r.getMessage()]
    assert len(hints) == 1 and hints[0].levelno == logging.WARNING
    assert not sp.available and list(sp.history) == [] and list(tmp_path.iterdir()) == []


@needs_espeak
def test_an_audio_device_that_cannot_be_opened_is_logged_once_and_never_raises(caplog):
    caplog.set_level(logging.WARNING, logger="kiosk.speech")
    sp = Speaker(device="kiosk-test-no-such-device")
    try:
        sp.say(["Hallo."], "de")
        sp.say(["Noch einmal."], "de")
        assert sp.wait_idle(20)
    finally:
        sp.close()
    assert [j.outcome for j in sp.history] == ["failed", "failed"]
    logged = [r.getMessage() for r in caplog.records if "could not speak" in r.getMessage()]
    assert len(logged) == 1 and "kiosk-test-no-such-device" in logged[0]


# ------------------------------------------------------------------------------------------------- in the lane

@needs_espeak
def test_the_lane_app_speaks_what_its_events_change_and_the_terminals_prompt(tmp_path):
    from kiosk.app import LaneApp
    from kiosk.config import load
    from kiosk.devices import LaneDevices
    from kiosk.journal import Journal
    from kiosk.runtime import LaneRuntime
    from kiosk.ui.model import UiLocal
    from lanekit import MILK, DictCatalog

    config = dataclasses.replace(load(ROOT / "config" / "lane.toml"), data_dir=tmp_path, devices={})
    lane = LaneRuntime(config, Journal(tmp_path / "journal.db"), DictCatalog())
    app = LaneApp(config, lane, LaneDevices(config), size=(320, 200), headless=True)
    assert app.speaker is not None
    app.speaker.close()
    wavs = tmp_path / "speech"
    wavs.mkdir()
    app.speaker = Speaker(wav_dir=wavs)
    app.local = UiLocal()
    try:
        app.execute(lane.start())
        app.execute(lane.touch("start"))
        app._scan(MILK.gtins[0][1:])
        assert list(app.speaker.history) == [], "speech is off until the shopper switches it on"
        app.execute(lane.touch("access", "speech"))
        app._scan(MILK.gtins[0][1:])
        app._show_prompt({"de": "Bitte Karte einstecken", "en": "Please insert card"})
        app._show_prompt({"de": "Bitte Karte einstecken", "en": "Please insert card"})
        assert app.speaker.wait_idle(30)
        said = [j.text for j in app.speaker.history]
        assert said[0] == "Vorlesen ist eingeschaltet."
        assert "Vollmilch 3,5 % 1 l, ein Euro 29." in said and "Summe 2 Euro 58." in said
        assert said.count("Bitte Karte einstecken.") == 1
        spoken = [j for j in app.speaker.history if j.outcome == "spoken"]
        assert spoken and all(is_riff_wave(j.wav) for j in spoken)
        n = len(app.speaker.history)
        pipe = HeldPipe(wavs / f"{n + 1:04d}.wav")
        try:
            app._scan(MILK.gtins[0][1:])                           # three sentences; the first held on the air
            assert pipe.first_bytes()[:4] == b"RIFF"
            app.execute(lane.touch("access", "speech"))           # off: silent at once, and from now on
            assert app.speaker.wait_idle(10)
        finally:
            pipe.close()
        assert [j.outcome for j in list(app.speaker.history)[n:]] == ["cancelled", "dropped", "dropped"]
        app._scan(MILK.gtins[0][1:])
        assert len(app.speaker.history) == n + 3
    finally:
        app.speaker.close()
        lane.journal.close()
