"""Shared code of ``images/build``, ``images/boot-test`` and ``images/flash``: the SD card's partition layout, the
file systems (made without loop devices or mounting: ``mkfs.vfat`` + ``mcopy``, ``mke2fs -d``, ``debugfs``), the
Raspberry Pi boot files, progress output. Standard library only, Python 3.11.

The card (MBR partition table, which every Raspberry Pi 4/400/CM4 boot ROM reads):

====  ==========  =====  ============================================================  ==============
part  label       fs     what                                                          mounted at
====  ==========  =====  ============================================================  ==============
1     KIOSKBOOT   FAT32  Pi firmware, kernel, initramfs, config.txt, cmdline.txt,     /boot/firmware
                         the technician's first-boot file ``kiosk.toml``
2     kiosk-root  ext4   Debian 12 arm64 and the lane in /opt/kiosk/venv               / (read-only)
3     kiosk-data  ext4   journal, catalog, learned weights, stills, the lane's config  /var/lib/kiosk
                         (/etc/kiosk is a symlink to /var/lib/kiosk/etc)
====  ==========  =====  ============================================================  ==============

Partitions are found by label, never by PARTUUID or device name, so that an update that rewrites partitions 1 and 2
of a card (``images/flash --update``) boots with the card's old partition table and keeps partition 3. The data
partition is last and grows to the end of the card at boot (``kiosk-grow-data.service``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB
SECTOR = 512
ALIGN = 4 * MiB            # as Raspberry Pi OS: the first partition at 4 MiB, every partition on a 4 MiB boundary

BOOT_LABEL = "KIOSKBOOT"   # FAT labels: at most 11 characters, upper case
ROOT_LABEL = "kiosk-root"
DATA_LABEL = "kiosk-data"
DATA_MOUNT = "/var/lib/kiosk"

DEFAULT_BOOT_SIZE = 256 * MiB
DEFAULT_ROOT_SIZE = 3 * GiB    # fixed, with room to spare, so that later images fit the same partition (updates)
DEFAULT_DATA_SIZE = 256 * MiB  # grown to the end of the card at first boot

MBR_FAT32_LBA = "c"
MBR_LINUX = "83"


class ImageError(RuntimeError):
    """Something the build or the test cannot go on without; the message says what to do."""


# ------------------------------------------------------------------------------------------------ layout

@dataclasses.dataclass(frozen=True)
class Partition:
    number: int
    name: str           # boot, root, data
    label: str
    fstype: str         # vfat, ext4
    type_code: str      # MBR partition type
    start: int          # bytes from the start of the card
    size: int           # bytes

    @property
    def end(self) -> int:
        return self.start + self.size


@dataclasses.dataclass(frozen=True)
class Layout:
    partitions: tuple[Partition, ...]
    size: int           # bytes of the whole image

    def __getitem__(self, name: str) -> Partition:
        for p in self.partitions:
            if p.name == name:
                return p
        raise KeyError(name)


def align_up(n: int, align: int = ALIGN) -> int:
    return -(-n // align) * align


def plan(boot_size: int = DEFAULT_BOOT_SIZE, root_size: int = DEFAULT_ROOT_SIZE,
         data_size: int = DEFAULT_DATA_SIZE, align: int = ALIGN, check: bool = True) -> Layout:
    """The three partitions, each rounded up to ``align`` and starting on it, the first at ``align``.
    ``check=False`` allows sizes too small for a lane (tests)."""
    minimum = {"boot": (boot_size, 64 * MiB, "FAT32, kernel and initramfs"), "root": (root_size, 512 * MiB, ""),
               "data": (data_size, 16 * MiB, "")}
    for name, (size, least, why) in minimum.items():
        if check and size < least:
            raise ImageError(f"{name} partition of {size // MiB} MiB: at least {least // MiB} MiB"
                             + (f" ({why})" if why else ""))
    parts = []
    start = align
    for number, (name, label, fstype, code, size) in enumerate((
            ("boot", BOOT_LABEL, "vfat", MBR_FAT32_LBA, boot_size),
            ("root", ROOT_LABEL, "ext4", MBR_LINUX, root_size),
            ("data", DATA_LABEL, "ext4", MBR_LINUX, data_size)), start=1):
        size = align_up(size, align)
        parts.append(Partition(number, name, label, fstype, code, start, size))
        start += size
    return Layout(tuple(parts), start)


def sfdisk_script(layout: Layout, disk_id: int) -> str:
    """The partition table for ``sfdisk``: MBR (label dos), sizes in 512-byte sectors."""
    lines = ["label: dos", f"label-id: 0x{disk_id:08x}", "unit: sectors", ""]
    for p in layout.partitions:
        lines.append(f"start={p.start // SECTOR}, size={p.size // SECTOR}, type={p.type_code}")
    return "\n".join(lines) + "\n"


def read_table(image: Path | str) -> list[dict]:
    """The partition table of an image file or a card, as ``sfdisk --json`` gives it, in bytes."""
    out = subprocess.run(["sfdisk", "--json", str(image)], capture_output=True, text=True)
    if out.returncode != 0:
        raise ImageError(f"sfdisk --json {image}: {out.stderr.strip()}")
    table = json.loads(out.stdout)["partitiontable"]
    unit = table.get("sectorsize", SECTOR)
    return [{"number": i + 1, "start": p["start"] * unit, "size": p["size"] * unit, "type": p["type"]}
            for i, p in enumerate(table.get("partitions", []))]


def write_table(image: Path, layout: Layout, disk_id: int) -> None:
    run_quiet(["sfdisk", "--no-reread", "--no-tell-kernel", "--quiet", str(image)],
              input=sfdisk_script(layout, disk_id))


def copy_into(image: Path, offset: int, src: Path, limit: int | None = None, chunk: int = 4 * MiB) -> int:
    """Write ``src`` into ``image`` at ``offset`` without writing its zero blocks (the image stays sparse).
    Returns the bytes of ``src``. ``limit``: the partition's size, which ``src`` must not exceed."""
    size = src.stat().st_size
    if limit is not None and size > limit:
        raise ImageError(f"{src.name} is {size} bytes, its partition only {limit}")
    zero = bytes(chunk)
    with open(src, "rb") as fin, open(image, "r+b") as fout:
        pos = 0
        while pos < size:
            block = fin.read(chunk)
            if not block:
                break
            if block != zero[:len(block)]:
                fout.seek(offset + pos)
                fout.write(block)
            pos += len(block)
    return size


def copy_out(image: Path, offset: int, size: int, dest: Path, chunk: int = 4 * MiB) -> None:
    """Copy ``size`` bytes at ``offset`` of ``image`` into a new (sparse) file ``dest``."""
    zero = bytes(chunk)
    with open(image, "rb") as fin, open(dest, "wb") as fout:
        fin.seek(offset)
        left = size
        while left > 0:
            block = fin.read(min(chunk, left))
            if not block:
                break
            if block == zero[:len(block)]:
                fout.seek(len(block), os.SEEK_CUR)
            else:
                fout.write(block)
            left -= len(block)
        fout.truncate(size)


def assemble(image: Path, layout: Layout, filesystems: dict[str, Path], disk_id: int) -> None:
    """The card image: a sparse file of the layout's size, the partition table, each file system at its offset."""
    with open(image, "wb") as f:
        f.truncate(layout.size)
    write_table(image, layout, disk_id)
    for p in layout.partitions:
        copy_into(image, p.start, filesystems[p.name], limit=p.size)


# ------------------------------------------------------------------------------------------------ file systems

def make_vfat(path: Path, size: int, label: str, src: Path, volume_id: int | None = None) -> None:
    """A FAT32 file system of ``size`` bytes holding the tree ``src`` (mkfs.vfat, then mcopy: no mounting)."""
    path.unlink(missing_ok=True)
    with open(path, "wb") as f:
        f.truncate(size)
    argv = ["mkfs.vfat", "-F", "32", "-n", label]
    if volume_id is not None:
        argv += ["-i", f"{volume_id:08x}"]
    run_quiet(argv + [str(path)])
    entries = sorted(src.iterdir())
    if entries:
        run_quiet(["mcopy", "-s", "-m", "-Q", "-i", str(path), *map(str, entries), "::/"], env=mtools_env())


def make_ext4(path: Path, size: int, label: str, src: Path, *, reserved_percent: int = 1,
              root_mode: int | None = None, root_owner: tuple[int, int] = (0, 0)) -> None:
    """An ext4 file system of ``size`` bytes holding the tree ``src`` (``mke2fs -d``: owners, modes, symlinks,
    device nodes and extended attributes such as file capabilities are kept). ``root_mode``: the mode of the
    file system's top directory (mke2fs makes it 0755)."""
    path.unlink(missing_ok=True)
    with open(path, "wb") as f:
        f.truncate(size)
    run_quiet(["mke2fs", "-q", "-F", "-t", "ext4", "-L", label, "-m", str(reserved_percent),
               "-E", f"root_owner={root_owner[0]}:{root_owner[1]}", "-d", str(src), str(path)])
    if root_mode is not None:
        debugfs(path, [f"sif / mode 0{0o40000 | root_mode:o}"])


def debugfs(fs: Path, commands: list[str], write: bool = True) -> str:
    """Run debugfs commands on an unmounted ext4 image. debugfs exits 0 even when a command fails: any message
    on standard error but its version banner is taken as a failure."""
    argv = ["debugfs"] + (["-w"] if write else []) + ["-f", "-", str(fs)]
    out = subprocess.run(argv, input="\n".join(commands) + "\n", capture_output=True, text=True)
    errors = [ln for ln in out.stderr.splitlines() if ln.strip() and not re.match(r"debugfs \d", ln)]
    if out.returncode != 0 or errors:
        raise ImageError(f"debugfs {fs.name}: {'; '.join(errors) or out.returncode}")
    return out.stdout


def mtools_env() -> dict[str, str]:
    return {**os.environ, "MTOOLS_SKIP_CHECK": "1"}


def mtools_image(image: Path, partition: Partition | dict) -> str:
    """The mtools name of a FAT partition inside a whole-card image: ``image@@offset``."""
    start = partition.start if isinstance(partition, Partition) else partition["start"]
    return f"{image}@@{start}"


def fat_read(image: Path, partition, name: str, dest: Path) -> None:
    run_quiet(["mcopy", "-n", "-i", mtools_image(image, partition), f"::/{name}", str(dest)], env=mtools_env())


def fat_write(image: Path, partition, src: Path, name: str) -> None:
    run_quiet(["mcopy", "-o", "-i", mtools_image(image, partition), str(src), f"::/{name}"], env=mtools_env())


def fat_list(image: Path, partition) -> list[str]:
    out = subprocess.run(["mdir", "-b", "-i", mtools_image(image, partition), "::/"], capture_output=True,
                         text=True, env=mtools_env())
    if out.returncode != 0:
        raise ImageError(f"mdir {image}: {out.stderr.strip()}")
    return [ln.removeprefix("::/").strip() for ln in out.stdout.splitlines() if ln.strip()]


# ------------------------------------------------------------------------------------------------ boot files

def fstab() -> str:
    """The root is mounted read-only; what must be written goes to tmpfs or to the data partition
    (systemd/README.md, "What the image builder does with these files", step 4)."""
    rows = [
        ("# <file system>", "<mount point>", "<type>", "<options>", "<dump>", "<pass>"),
        (f"LABEL={ROOT_LABEL}", "/", "ext4", "ro,noatime,errors=remount-ro", "0", "1"),
        # umask 0077: the technician's first-boot file holds PINs until it has been applied.
        (f"LABEL={BOOT_LABEL}", "/boot/firmware", "vfat", "rw,noatime,umask=0077,flush,nofail", "0", "2"),
        # The lane's journal, catalog, weights, stills and config. x-systemd.growfs: grown to the partition,
        # which kiosk-grow-data.service grows to the end of the card first.
        (f"LABEL={DATA_LABEL}", DATA_MOUNT, "ext4", "rw,noatime,nodev,nosuid,errors=remount-ro,x-systemd.growfs",
         "0", "2"),
        ("tmpfs", "/tmp", "tmpfs", "rw,nosuid,nodev,mode=1777,size=256M", "0", "0"),
        ("tmpfs", "/var/tmp", "tmpfs", "rw,nosuid,nodev,mode=1777,size=64M", "0", "0"),
        # The system journal is volatile (in /run, journald.conf.d/kiosk-image.conf); /var/log takes the rest.
        ("tmpfs", "/var/log", "tmpfs", "rw,nosuid,nodev,noexec,mode=0755,size=64M", "0", "0"),
        # Timer stamps, timesyncd's clock file, the random seed: lost at reboot.
        ("tmpfs", "/var/lib/systemd", "tmpfs", "rw,nosuid,nodev,mode=0755,size=16M", "0", "0"),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[5] + "\n" for r in rows)


def cmdline_txt(consoles: tuple[str, ...] = ("ttyS1,115200", "tty1"), extra: str = "quiet") -> str:
    """The kernel command line on the Pi. The last console gets the boot messages (tty1: the screen); the Pi 4's
    GPIO header UART is ttyS1 with Debian's kernel. ``ro``: the root stays read-only (systemd-remount-fs
    honours fstab's ro too). No cma=: the Pi 4's device tree reserves it (raspi-firmware's advice)."""
    parts = [f"console={c}" for c in consoles]
    parts += [f"root=LABEL={ROOT_LABEL}", "ro", "fsck.repair=yes", "net.ifnames=0", "rootwait"]
    if extra:
        parts.append(extra)
    return " ".join(parts) + "\n"


def config_txt(kernel: str, initrd: str) -> str:
    """The Pi firmware's config.txt for Debian's kernel (as raspi-firmware writes it, plus the CM4's device tree
    and a screen without overscan)."""
    return f"""\
# Raspberry Pi 4 / 400 / CM4 with Debian's own kernel (upstream_kernel=1). Written by images/build.
arm_64bit=1
enable_uart=1
upstream_kernel=1
kernel={kernel}
initramfs {initrd} followkernel
disable_overscan=1

[cm4]
# Debian ships the device tree of the CM4 on its IO board under this name only.
device_tree=bcm2711-rpi-cm4-io.dtb

[all]
"""


def release_text(fields: dict[str, str]) -> str:
    """/etc/kiosk-release: KEY=value lines (os-release syntax), values quoted where needed."""
    lines = []
    for k, v in fields.items():
        v = str(v)
        lines.append(f"{k}={v}" if re.fullmatch(r"[A-Za-z0-9._:+/-]*", v) else f"{k}={shlex.quote(v)}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------ the checkout

def project_version(repo: Path) -> str:
    with open(repo / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def git_commit(repo: Path) -> str:
    """The checkout's HEAD commit, read from .git without running git; "unknown" without a repository."""
    git = repo / ".git"
    if git.is_file():                       # a worktree: "gitdir: PATH"
        text = git.read_text().strip()
        if text.startswith("gitdir:"):
            git = (repo / text.split(":", 1)[1].strip()).resolve()
    head = git / "HEAD"
    if not head.is_file():
        return "unknown"
    ref = head.read_text().strip()
    if not ref.startswith("ref:"):
        return ref
    name = ref.split(":", 1)[1].strip()
    common = git
    if (git / "commondir").is_file():
        common = (git / (git / "commondir").read_text().strip()).resolve()
    for base in (git, common):
        if (base / name).is_file():
            return (base / name).read_text().strip()
    for base in (git, common):
        packed = base / "packed-refs"
        if packed.is_file():
            for line in packed.read_text().splitlines():
                if line.endswith(" " + name):
                    return line.split()[0]
    return "unknown"


# ------------------------------------------------------------------------------------------------ processes

def run_quiet(argv: list[str], *, input: str | None = None, env: dict | None = None) -> str:
    """Run a short command; its output is returned, a failure raises with the command's own words."""
    out = subprocess.run(argv, input=input, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise ImageError(f"{shlex.join(argv)} failed ({out.returncode}): {(out.stderr or out.stdout).strip()}")
    return out.stdout


def sha256(path: Path, chunk: int = 8 * MiB) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def human_size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def human_time(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    m, s = divmod(seconds, 60)
    if m < 60:
        return f"{m}m{s:02d}s"
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m{s:02d}s"


class Progress:
    """Step names with elapsed times on the terminal; every command's full output in the log file."""

    def __init__(self, steps: list[str], log_path: Path, heartbeat: float = 60.0):
        self.steps = steps
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(log_path, "a", encoding="utf-8", errors="replace")
        self.heartbeat = heartbeat
        self.started = time.monotonic()
        self.times: list[tuple[str, float]] = []
        self.current: str | None = None

    def say(self, text: str) -> None:
        print(text, flush=True)
        self.log.write(text + "\n")
        self.log.flush()

    def note(self, text: str) -> None:
        self.say(f"      {text}")

    @contextlib.contextmanager
    def step(self, name: str):
        n = self.steps.index(name) + 1 if name in self.steps else len(self.times) + 1
        total = len(self.steps)
        self.current = name
        t0 = time.monotonic()
        self.say(f"[{n:>2}/{total}] {name} (at {human_time(t0 - self.started)})")
        try:
            yield
        except BaseException:
            self.say(f"[{n:>2}/{total}] {name}: FAILED after {human_time(time.monotonic() - t0)}; "
                     f"the log: {self.log_path}")
            raise
        took = time.monotonic() - t0
        self.times.append((name, took))
        self.say(f"[{n:>2}/{total}] {name}: done in {human_time(took)}")

    def run(self, argv: list[str], *, env: dict | None = None, show: str | None = None, cwd: Path | None = None,
            input: str | None = None, check: bool = True) -> int:
        """A long command: its output goes to the log; lines matching ``show`` (a regex) to the terminal too;
        every ``heartbeat`` seconds a line says it is still running and what it last printed."""
        self.log.write(f"$ {shlex.join(argv)}\n")
        self.log.flush()
        pattern = re.compile(show) if show else None
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL)
        if input is not None:
            proc.stdin.write(input.encode())
            proc.stdin.close()
        last = [""]
        t0 = time.monotonic()
        done = threading.Event()

        def beat():
            while not done.wait(self.heartbeat):
                print(f"      ... {self.current}: still running ({human_time(time.monotonic() - t0)}); "
                      f"last: {last[0][:110]}", flush=True)

        beater = threading.Thread(target=beat, daemon=True)
        beater.start()
        try:
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                self.log.write(line + "\n")
                if line.strip():
                    last[0] = line.strip()
                if pattern is not None and pattern.search(line):
                    print(f"      {line}", flush=True)
            rc = proc.wait()
        finally:
            done.set()
            self.log.flush()
        if check and rc != 0:
            raise ImageError(f"{argv[0]} failed with exit code {rc}; the last line: {last[0]!r}; "
                             f"the whole output: {self.log_path}")
        return rc

    def summary(self) -> list[str]:
        width = max((len(n) for n, _ in self.times), default=10)
        return [f"  {name.ljust(width)}  {human_time(t)}" for name, t in self.times] + \
               [f"  {'total'.ljust(width)}  {human_time(time.monotonic() - self.started)}"]


def require_tools(tools: dict[str, str]) -> None:
    """``tools``: command -> the Debian package that has it. Missing ones are listed with one apt-get line."""
    import shutil
    missing = {cmd: pkg for cmd, pkg in tools.items() if shutil.which(cmd) is None}
    if missing:
        pkgs = " ".join(sorted(set(missing.values())))
        raise ImageError(f"missing {', '.join(sorted(missing))}: apt-get install {pkgs}")


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)
