"""Speech output: the lane's words spoken by espeak-ng on the lane's audio device (the headphone socket).

What to say is decided elsewhere (:mod:`kiosk.ui.spoken`, pure); this module only speaks it, without ever holding up
the lane's loop: :meth:`Speaker.say` queues and returns at once, a worker thread runs one ``espeak-ng`` process per
sentence (``espeak-ng -v <voice> -s <rate> [-a <amplitude>] [-d <device>]``, the text on standard input, so no text
is ever read as an option). The audio goes to the default ALSA/PulseAudio device unless the config names one.

A prompt the shopper has to act on outranks information: a batch of a higher priority stops the sentence being
spoken (its process is killed) and drops the queued ones of lower priority, so "please put the item back" is not
kept waiting behind a list of prices. A sentence with a key (the running total, the terminal's prompt) replaces a
queued one of the same key, which would be stale by the time it is spoken.

Speech is a help, never a dependency: without espeak-ng the lane logs once how to install it and stays silent; an
audio device that cannot be opened is logged once; nothing here raises into the lane. ``wav_dir`` writes every
sentence to a numbered WAV file instead of the device (``-w``), for tests and for listening to a headless demo.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("kiosk.speech")

BINARY = "espeak-ng"
INSTALL_HINT = "apt install espeak-ng"
#: espeak-ng voices for the lane's languages ("en" is British English).
VOICES = {"de": "de", "en": "en", "nl": "nl"}
DEFAULT_RATE = 160           # words per minute: a little slower than espeak-ng's 175, for shoppers new to it
MAX_QUEUE = 24               # sentences waiting; beyond this the oldest information is dropped

INFO = 0
PROMPT = 1


@dataclass
class Spoken:
    """One sentence handed to the speaker and what became of it (``history``; tests and the technician read it)."""

    n: int
    text: str
    lang: str
    priority: int
    key: str = ""
    batch: int = 0
    outcome: str = "queued"       # queued, speaking, spoken, cancelled, dropped, failed
    returncode: int | None = None
    wav: Path | None = None
    proc: subprocess.Popen | None = field(default=None, repr=False)
    cancelled: bool = False


def command(exe: str, voice: str, rate: int, amplitude: int | None = None, device: str = "",
            wav: Path | None = None) -> list[str]:
    """The espeak-ng command line for one sentence read from standard input."""
    cmd = [exe, "-v", voice, "-s", str(int(rate))]
    if amplitude is not None:
        cmd += ["-a", str(int(amplitude))]
    if wav is not None:
        cmd += ["-w", str(wav)]
    elif device:
        cmd += ["-d", device]
    return cmd + ["-b", "1", "--stdin"]


class Speaker:
    """Speaks sentences one after another on a worker thread; ``say`` never blocks, ``close`` stops it all."""

    def __init__(self, *, device: str = "", rate: int = DEFAULT_RATE, amplitude: int | None = None,
                 voices: Mapping[str, str] | None = None, wav_dir: Path | None = None, binary: str = BINARY,
                 max_queue: int = MAX_QUEUE):
        self.device = device
        self.rate = rate
        self.amplitude = amplitude
        self.voices = {**VOICES, **(voices or {})}
        self.wav_dir = Path(wav_dir) if wav_dir is not None else None
        self.max_queue = max_queue
        self.history: deque[Spoken] = deque(maxlen=200)
        self._exe = shutil.which(binary)
        self._binary = binary
        self._cond = threading.Condition()
        self._queue: deque[Spoken] = deque()
        self._current: Spoken | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self._count = 0
        self._batches = 0
        self._warned: set[str] = set()
        if self._exe is None:
            self._warn_missing()

    @classmethod
    def from_config(cls, cfg) -> Speaker:
        """From the config's ``[speech]`` section (:class:`kiosk.config.SpeechConfig`)."""
        return cls(device=cfg.device, rate=cfg.rate, amplitude=cfg.amplitude, voices=cfg.voices)

    @property
    def available(self) -> bool:
        return self._exe is not None and not self._closed

    # ---------------------------------------------------------------------------------------------- the lane's side

    def say(self, texts: Iterable[str] | str, lang: str, priority: int | None = None) -> None:
        """Queue sentences in ``lang``. Each keeps its own ``priority``/``key`` (kiosk.ui.spoken.Utterance) unless
        ``priority`` is given. The batch's highest priority cuts short whatever lower one is spoken or waiting."""
        if isinstance(texts, str):
            texts = [texts]
        items = [t for t in texts if t and t.strip()]
        if not items or not self.available:
            return
        with self._cond:
            if self._closed:
                return
            self._batches += 1
            batch = self._batches
            jobs = []
            for t in items:
                self._count += 1
                p = priority if priority is not None else int(getattr(t, "priority", INFO))
                jobs.append(Spoken(self._count, str(t), lang, p, str(getattr(t, "key", "") or ""), batch))
            top = max(j.priority for j in jobs)
            keys = {j.key for j in jobs if j.key}
            kept: deque[Spoken] = deque()
            for old in self._queue:
                if old.priority < top or (old.key and old.key in keys):
                    old.outcome = "dropped"
                else:
                    kept.append(old)
            cur = self._current
            if cur is not None and (cur.priority < top or (cur.key and cur.key in keys)):
                self._cancel(cur)
            kept.extend(jobs)
            while len(kept) > self.max_queue:
                victim = min(kept, key=lambda j: (j.priority, j.n))   # the oldest of the least important
                kept.remove(victim)
                victim.outcome = "dropped"
            self._queue = kept
            self.history.extend(jobs)
            self._ensure_worker()
            self._cond.notify_all()

    def cancel(self) -> None:
        """Stop speaking now and forget everything queued (the shopper switched speech off, or left)."""
        with self._cond:
            for old in self._queue:
                old.outcome = "dropped"
            self._queue.clear()
            if self._current is not None:
                self._cancel(self._current)
            self._cond.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or being spoken; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and self._current is None, timeout)

    def close(self, timeout: float = 2.0) -> None:
        """Stop speaking, end the worker thread. Safe to call more than once."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
        self.cancel()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # -------------------------------------------------------------------------------------------------- internals

    def _cancel(self, job: Spoken) -> None:
        job.cancelled = True
        proc = job.proc
        if proc is not None and proc.poll() is None:
            try:
                proc.kill()
            except OSError:
                pass

    def _ensure_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="kiosk-speech", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._closed)
                if self._closed and not self._queue:
                    self._current = None
                    self._cond.notify_all()
                    return
                job = self._queue.popleft()
                self._current = job
                job.outcome = "speaking"
            try:
                self._speak(job)
            except Exception:                      # never let one sentence end speech for the whole lane
                log.exception("speech: speaking %r failed", job.text[:60])
                job.outcome = "failed"
            with self._cond:
                self._current = None
                job.proc = None
                self._cond.notify_all()

    def _speak(self, job: Spoken) -> None:
        voice = self.voices.get(job.lang) or self.voices.get("en") or "en"
        wav = None
        if self.wav_dir is not None:
            wav = self.wav_dir / f"{job.n:04d}.wav"
            job.wav = wav
        cmd = command(self._exe or self._binary, voice, self.rate, self.amplitude, self.device, wav)
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except FileNotFoundError:
            self._exe = None
            self._warn_missing()
            job.outcome = "failed"
            return
        except OSError as exc:
            self._warn_once("spawn", f"speech: cannot start {cmd[0]}: {exc}")
            job.outcome = "failed"
            return
        with self._cond:
            job.proc = proc
            if job.cancelled:
                proc.kill()
        try:
            _, err = proc.communicate(job.text.encode("utf-8"))
        except OSError:
            proc.kill()
            _, err = proc.communicate()
        job.returncode = proc.returncode
        message = err.decode("utf-8", "replace").strip() if err else ""
        if job.cancelled:
            job.outcome = "cancelled"
        elif proc.returncode != 0 or "error" in message.lower():
            # espeak-ng exits 0 even when it cannot open the audio device; its stderr says so.
            job.outcome = "failed"
            last = message.splitlines()[-1] if message else f"exit status {proc.returncode}"
            where = f"audio device {self.device!r}" if self.device else "the default audio device"
            self._warn_once("failed:" + last, f"speech: espeak-ng could not speak on {where}: {last} "
                                              f"(set [speech] device in the lane config)")
        else:
            job.outcome = "spoken"

    def _warn_missing(self) -> None:
        self._warn_once("missing", f"speech output is off: {self._binary} is not installed ({INSTALL_HINT}); "
                                   f"the lane works without it")

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(message)
