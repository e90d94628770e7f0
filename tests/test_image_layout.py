"""The SD image's layout logic (images/imagelib.py, images/build, images/flash), without building an image.

The real build (mmdebstrap under qemu-user, 20+ minutes) and the qemu boot test (images/boot-test, most of an hour
under TCG) are documented commands in images/README.md, not part of the suite. What is checked here in a few
seconds: the partition plan, fstab and the kernel command line of a read-only root, that every unit of systemd/ is
installed and the right ones enabled, and a tiny card assembled from a fake root exactly as the build does it
(mkfs.vfat + mcopy, mke2fs -d, sfdisk, debugfs: no loop devices, no mounting), read back, then updated in place by
images/flash --update with its data partition kept.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "images"
sys.path.insert(0, str(IMAGES))
import imagelib as il  # noqa: E402


def _load(name: str):
    """images/build and images/flash are scripts without .py: load them as modules."""
    loader = importlib.machinery.SourceFileLoader(f"images_{name}", str(IMAGES / name))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _tools(*names: str) -> None:
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (mtools, dosfstools, e2fsprogs, fdisk)")


# ------------------------------------------------------------------------------------------------ the plan

def test_plan_aligns_and_packs_partitions():
    layout = il.plan(256 * il.MiB, 3 * il.GiB, 256 * il.MiB)
    boot, root, data = layout.partitions
    assert [p.name for p in layout.partitions] == ["boot", "root", "data"]
    assert [p.label for p in layout.partitions] == ["KIOSKBOOT", "kiosk-root", "kiosk-data"]
    assert boot.start == 4 * il.MiB
    for a, b in zip(layout.partitions, layout.partitions[1:]):
        assert a.end == b.start                     # packed, no gaps, no overlaps
    for p in layout.partitions:
        assert p.start % il.ALIGN == 0 and p.size % il.ALIGN == 0
    assert layout.size == data.end
    assert (boot.type_code, root.type_code, data.type_code) == ("c", "83", "83")
    assert len(il.BOOT_LABEL) <= 11 and il.BOOT_LABEL == il.BOOT_LABEL.upper()   # a FAT label


def test_plan_rounds_up_and_refuses_too_small():
    layout = il.plan(100 * il.MiB + 1, 600 * il.MiB, 17 * il.MiB)
    assert layout["boot"].size == 104 * il.MiB
    assert layout["data"].size == 20 * il.MiB
    for sizes in ((32 * il.MiB, il.GiB, 64 * il.MiB), (256 * il.MiB, 100 * il.MiB, 64 * il.MiB),
                  (256 * il.MiB, il.GiB, il.MiB)):
        with pytest.raises(il.ImageError):
            il.plan(*sizes)


def test_sfdisk_script_is_mbr_in_sectors():
    layout = il.plan(64 * il.MiB, 512 * il.MiB, 16 * il.MiB)
    text = il.sfdisk_script(layout, 0x1234ABCD)
    assert text.startswith("label: dos\nlabel-id: 0x1234abcd\nunit: sectors\n")
    rows = re.findall(r"start=(\d+), size=(\d+), type=(\w+)", text)
    assert rows == [(str(p.start // 512), str(p.size // 512), p.type_code) for p in layout.partitions]


# ------------------------------------------------------------------------------------------------ read-only root

def _fstab_rows() -> dict[str, list[str]]:
    rows = {}
    for line in il.fstab().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        src, mnt, fstype, opts, _, passno = line.split()
        rows[mnt] = [src, fstype, opts, passno]
    return rows


def test_fstab_read_only_root_and_writable_paths():
    rows = _fstab_rows()
    src, fstype, opts, passno = rows["/"]
    assert (src, fstype) == ("LABEL=kiosk-root", "ext4") and "ro" in opts.split(",") and passno == "1"
    assert rows["/var/lib/kiosk"][:2] == ["LABEL=kiosk-data", "ext4"]
    assert "rw" in rows["/var/lib/kiosk"][2].split(",") and "x-systemd.growfs" in rows["/var/lib/kiosk"][2]
    assert rows["/boot/firmware"][:2] == ["LABEL=KIOSKBOOT", "vfat"]
    assert "umask=0077" in rows["/boot/firmware"][2]           # the first-boot file holds PINs until applied
    # systemd/README.md: tmpfs for /tmp, /var/tmp (PrivateTmp= needs both), /var/log and /var/lib/systemd.
    for path in ("/tmp", "/var/tmp", "/var/log", "/var/lib/systemd"):
        assert rows[path][1] == "tmpfs", path
    assert not any(src.startswith(("/dev/", "PARTUUID=", "UUID=")) for src, *_ in rows.values())  # labels only


def test_kernel_command_line_mounts_root_read_only():
    words = il.cmdline_txt().split()
    assert "ro" in words and "rw" not in words
    assert f"root=LABEL={il.ROOT_LABEL}" in words and "rootwait" in words
    assert words[-1] != "" and il.cmdline_txt().endswith("\n") and il.cmdline_txt().count("\n") == 1
    assert [w for w in words if w.startswith("console=")][-1] == "console=tty1"   # boot messages on the screen
    config = il.config_txt("vmlinuz-6.1.0-1-arm64", "initrd.img-6.1.0-1-arm64")
    assert "arm_64bit=1" in config and "kernel=vmlinuz-6.1.0-1-arm64" in config
    assert "initramfs initrd.img-6.1.0-1-arm64 followkernel" in config


def test_release_file_and_commit_without_git(tmp_path):
    text = il.release_text({"VERSION": "0.1.0", "BUILD_COMMIT": "ab" * 20, "NAME": "Self-checkout lane"})
    assert "VERSION=0.1.0\n" in text and f"BUILD_COMMIT={'ab' * 20}\n" in text and "NAME='Self-checkout lane'" in text
    repo = tmp_path / "repo"
    (repo / ".git/refs/heads").mkdir(parents=True)
    (repo / ".git/HEAD").write_text("ref: refs/heads/main\n")
    assert il.git_commit(repo) == "unknown"
    (repo / ".git/packed-refs").write_text(f"# pack-refs\n{'cd' * 20} refs/heads/main\n")
    assert il.git_commit(repo) == "cd" * 20
    (repo / ".git/refs/heads/main").write_text("ef" * 20 + "\n")
    assert il.git_commit(repo) == "ef" * 20
    (repo / ".git/HEAD").write_text("12" * 20 + "\n")                  # detached
    assert il.git_commit(repo) == "12" * 20
    assert il.project_version(ROOT) == re.search(r'(?m)^version = "(.+)"', (ROOT / "pyproject.toml")
                                                 .read_text()).group(1)


# ------------------------------------------------------------------------------------------------ the build's lists

def test_build_installs_every_unit_and_enables_the_right_ones():
    build = _load("build")
    shipped = {p.name for p in (ROOT / "systemd").iterdir() if p.suffix in (".service", ".timer")}
    assert set(build.UNITS) == shipped
    for unit in ("kiosk.service", "kiosk-firstboot.service", "kiosk-stills-prune.timer"):
        assert unit in build.ENABLE
    assert "kiosk-console.service" not in build.ENABLE               # only on the lane that serves the console
    own = {p.name for p in (IMAGES / "rootfs/usr/lib/systemd/system").iterdir()}
    assert {u for u in build.ENABLE if u.startswith("kiosk-") and u not in shipped} <= own
    for name in ("sysusers.d/kiosk.conf", "tmpfiles.d/kiosk.conf", "udev/99-kiosk.rules"):
        assert (ROOT / "systemd" / name).is_file(), name
    assert "pygame" in build.FROM_DEBIAN and "python3-pygame" in build.PACKAGES
    assert os.access(IMAGES / "rootfs/usr/libexec/kiosk-grow-data", os.X_OK)


def test_requirements_come_from_the_wheel_metadata(tmp_path):
    import zipfile
    build = _load("build")
    wheel = tmp_path / "kiosk-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("kiosk-0.1.0.dist-info/METADATA", "\n".join([
            "Metadata-Version: 2.1", "Name: kiosk", "Version: 0.1.0",
            "Requires-Dist: biip>=5.0", "Requires-Dist: pygame>=2.5",
            'Requires-Dist: evdev>=1.7; sys_platform == "linux"',
            'Requires-Dist: pywin32; sys_platform == "win32"',
            'Requires-Dist: lgpio>=0.2; extra == "pi"', 'Requires-Dist: pytest>=8; extra == "dev"', ""]))
    pytest.importorskip("pip._vendor.packaging.requirements")
    assert build.requirements(wheel) == ["biip>=5.0", "evdev>=1.7", "lgpio>=0.2"]


# ------------------------------------------------------------------------------------------------ a tiny card

@pytest.fixture
def tiny_card(tmp_path):
    """A card image assembled from a fake root as images/build does it (sparse files: a few MB on disk)."""
    _tools("mkfs.vfat", "mcopy", "mdir", "mke2fs", "debugfs", "sfdisk")
    boot = tmp_path / "bootfs"
    boot.mkdir()
    (boot / "cmdline.txt").write_text(il.cmdline_txt())
    (boot / "config.txt").write_text(il.config_txt("vmlinuz-x", "initrd.img-x"))
    root = tmp_path / "rootfs"
    (root / "etc").mkdir(parents=True)
    (root / "etc/fstab").write_text(il.fstab())
    (root / "etc/kiosk").symlink_to("/var/lib/kiosk/etc")
    (root / "var/lib/kiosk").mkdir(parents=True)
    data = tmp_path / "datafs"
    (data / "etc").mkdir(parents=True)
    (data / "journal.db").write_bytes(b"the lane's journal")
    layout = il.plan(64 * il.MiB, 64 * il.MiB, 16 * il.MiB, check=False)
    fs = {"boot": tmp_path / "boot.vfat", "root": tmp_path / "root.ext4", "data": tmp_path / "data.ext4"}
    il.make_vfat(fs["boot"], layout["boot"].size, il.BOOT_LABEL, boot)
    il.make_ext4(fs["root"], layout["root"].size, il.ROOT_LABEL, root)
    il.make_ext4(fs["data"], layout["data"].size, il.DATA_LABEL, data, root_owner=(0, 994), root_mode=0o1770)
    image = tmp_path / "card.img"
    il.assemble(image, layout, fs, disk_id=0xC0FFEE)
    return image, layout, fs


def test_tiny_card_reads_back(tiny_card, tmp_path):
    image, layout, fs = tiny_card
    assert image.stat().st_size == layout.size
    assert image.stat().st_blocks * 512 < 64 * il.MiB             # sparse
    table = il.read_table(image)
    assert [(t["start"], t["size"]) for t in table] == [(p.start, p.size) for p in layout.partitions]
    assert [t["type"] for t in table] == ["c", "83", "83"]
    assert sorted(il.fat_list(image, table[0])) == ["cmdline.txt", "config.txt"]
    il.fat_read(image, table[0], "cmdline.txt", tmp_path / "out.txt")
    assert (tmp_path / "out.txt").read_text() == il.cmdline_txt()
    blkid = shutil.which("blkid")
    if blkid:
        labels = subprocess.run([blkid, "-s", "LABEL", "-o", "value", str(fs["root"])], capture_output=True,
                                text=True).stdout.strip()
        assert labels == il.ROOT_LABEL
    # The root file system inside the card, read where it lies (debugfs ?offset=, as images/boot-test writes it).
    listing = il.debugfs(Path(f"{image}?offset={table[1]['start']}"), ["ls -l /etc"], write=False)
    assert "fstab" in listing and "kiosk" in listing
    top = il.debugfs(Path(f"{image}?offset={table[2]['start']}"), ["stat /"], write=False)
    assert re.search(r"Mode:\s+01770", top) and re.search(r"Group:\s+994", top)
    # A partition copied out again is the file system that went in.
    il.copy_out(image, table[1]["start"], table[1]["size"], tmp_path / "root-again.ext4")
    assert il.sha256(tmp_path / "root-again.ext4") == il.sha256(fs["root"])
    fsck = subprocess.run(["e2fsck", "-fn", str(tmp_path / "root-again.ext4")], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr


def test_flash_update_keeps_the_data_partition(tiny_card, tmp_path):
    image, layout, fs = tiny_card
    flash = _load("flash")
    card = tmp_path / "sdcard.img"
    shutil.copyfile(image, card)
    with open(card, "r+b") as f:                                   # a bigger card, data grown on it
        f.truncate(layout.size + 64 * il.MiB)
    data = il.read_table(card)[2]
    with open(card, "r+b") as f:
        f.seek(data["start"] + 1234 * 1024)
        f.write(b"written by the lane")
    # A new image: another kernel command line on its boot partition.
    new_boot = tmp_path / "newboot"
    new_boot.mkdir()
    (new_boot / "cmdline.txt").write_text(il.cmdline_txt(extra="quiet splash"))
    il.make_vfat(fs["boot"], layout["boot"].size, il.BOOT_LABEL, new_boot)
    new_image = tmp_path / "new.img"
    il.assemble(new_image, layout, fs, disk_id=0xBEEF)
    assert flash.main(["--update", "--yes", str(new_image), str(card)]) == 0
    table = il.read_table(card)
    il.fat_read(card, table[0], "cmdline.txt", tmp_path / "c.txt")
    assert "splash" in (tmp_path / "c.txt").read_text()
    with open(card, "rb") as f:
        f.seek(data["start"] + 1234 * 1024)
        assert f.read(19) == b"written by the lane"
    # A card with another layout is refused, with nothing written.
    other = il.plan(128 * il.MiB, 64 * il.MiB, 16 * il.MiB, check=False)
    with pytest.raises(il.ImageError, match="does not fit"):
        flash.check_update([{"start": p.start, "size": p.size} for p in other.partitions], table)
