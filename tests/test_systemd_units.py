"""The appliance's systemd units, tmpfiles, sysusers and udev rules (systemd/): checked with systemd's own tools.

``systemd-analyze verify`` prints its warnings on standard error and still exits 0, so every check here fails on any
output at all. The units are verified inside a temporary root (``--root``) laid out as the image lays it out: the
system's own units (for the targets and templates ours refer to), ours beside them, and a stub at
/opt/kiosk/venv/bin/kiosk, because verify insists that every ExecStart= binary exists.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
SYSTEMD = ROOT / "systemd"
UNITS = ("kiosk.service", "kiosk-console.service", "kiosk-firstboot.service", "kiosk-stills-prune.service",
         "kiosk-stills-prune.timer")
KIOSK = "/opt/kiosk/venv/bin/kiosk"
SYSTEM_UNITS = Path("/usr/lib/systemd/system")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package systemd)")
    return path


def _run(*argv: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=60)


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """Sections -> key -> every value given (a key may repeat), with continuation lines joined."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = pending + raw.strip() if pending else raw.strip()
        pending = ""
        if not line or line.startswith(("#", ";")):
            continue
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        assert current is not None, f"{path.name}: {line!r} before any section"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: {line!r} is not KEY=VALUE"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(unit: dict, section: str, key: str) -> str:
    values = unit[section].get(key)
    assert values, f"[{section}] {key}= missing"
    return values[-1]


def words(unit: dict, section: str, key: str) -> list[str]:
    return [w for v in unit[section].get(key, []) for w in v.split()]


@pytest.fixture(scope="module")
def fake_root(tmp_path_factory) -> Path:
    """A root tree as the image lays it out: system units, ours in /usr/lib/systemd/system, a stub kiosk."""
    _tool("systemd-analyze")
    if not SYSTEM_UNITS.is_dir():
        pytest.skip("no /usr/lib/systemd/system here")
    root = tmp_path_factory.mktemp("root")
    units = root / "usr/lib/systemd/system"
    shutil.copytree(SYSTEM_UNITS, units, symlinks=True)
    for name in UNITS:
        shutil.copy(SYSTEMD / name, units / name)
    stub = root / KIOSK.lstrip("/")
    stub.parent.mkdir(parents=True)
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    return root


def verify(root: Path, *units: str) -> subprocess.CompletedProcess:
    paths = [root / "usr/lib/systemd/system" / u for u in units]
    return _run("systemd-analyze", "verify", f"--root={root}", "--man=no", "--generators=no", *paths)


# ----------------------------------------------------------------------------------------------- systemd-analyze

def test_every_unit_verifies_without_a_single_warning(fake_root):
    result = verify(fake_root, *UNITS)
    assert result.returncode == 0 and result.stderr == "" and result.stdout == "", \
        f"systemd-analyze verify said:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("unit", UNITS)
def test_each_unit_verifies_alone(fake_root, unit):
    result = verify(fake_root, unit)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr


def test_verify_does_report_what_this_test_relies_on(fake_root):
    """The harness itself: a bad key, a bad value and a missing binary each print something (and the first two
    exit 0), so an empty stderr above means something."""
    units = fake_root / "usr/lib/systemd/system"
    text = (SYSTEMD / "kiosk.service").read_text()
    (units / "kiosk-bad.service").write_text(text.replace("WatchdogSec=15s", "WatchdogSec=15s\nWatchdogSecs=15s\n"
                                                          "ProtectSystem=very"))
    (units / "kiosk-nobin.service").write_text(text.replace(KIOSK, "/opt/kiosk/venv/bin/nothing-here"))
    try:
        bad = verify(fake_root, "kiosk-bad.service")
        assert bad.returncode == 0
        assert "Unknown key 'WatchdogSecs'" in bad.stderr and "protect system value" in bad.stderr
        nobin = verify(fake_root, "kiosk-nobin.service")
        assert "nothing-here" in nobin.stderr and "not executable" in nobin.stderr
    finally:
        (units / "kiosk-bad.service").unlink()
        (units / "kiosk-nobin.service").unlink()


def test_the_timer_runs_hourly_and_catches_up(fake_root):
    timer = parse_unit(SYSTEMD / "kiosk-stills-prune.timer")
    assert one(timer, "Timer", "OnCalendar") == "hourly"
    assert one(timer, "Timer", "Persistent") == "true"
    assert one(timer, "Timer", "Unit") == "kiosk-stills-prune.service"
    assert (SYSTEMD / "kiosk-stills-prune.service").exists()     # verify does not check a timer's Unit=
    assert "timers.target" in words(timer, "Install", "WantedBy")
    cal = _run("systemd-analyze", "calendar", "hourly")
    assert cal.returncode == 0 and "*-*-* *:00:00" in cal.stdout, cal.stdout + cal.stderr


# -------------------------------------------------------------------------------------------- what the units say

def test_the_lane_service():
    u = parse_unit(SYSTEMD / "kiosk.service")
    s = "Service"
    assert one(u, s, "Type") == "notify" and one(u, s, "NotifyAccess") == "main"
    assert shlex.split(one(u, s, "ExecStart"))[:4] == [KIOSK, "run", "--config", "/etc/kiosk/kiosk.toml"]
    assert one(u, s, "WatchdogSec") == "15s"
    assert one(u, s, "Restart") == "always" and one(u, s, "RestartSec") == "1"
    assert int(one(u, s, "TimeoutStartSec").removesuffix("s")) >= 60
    assert (one(u, s, "User"), one(u, s, "Group")) == ("kiosk", "kiosk")
    assert {"video", "render", "input", "dialout", "gpio", "audio", "lp"} <= set(words(u, s, "SupplementaryGroups"))
    assert "SDL_VIDEODRIVER=kmsdrm" in u[s]["Environment"]
    assert one(u, s, "WorkingDirectory") == "/var/lib/kiosk"
    hardening = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
                 "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes",
                 "ProtectControlGroups": "yes", "RestrictNamespaces": "yes", "LockPersonality": "yes",
                 "SystemCallArchitectures": "native", "CapabilityBoundingSet": "", "DevicePolicy": "closed"}
    for key, value in hardening.items():
        assert one(u, s, key) == value, key
    assert words(u, s, "ReadWritePaths") == ["/var/lib/kiosk"]
    assert set(words(u, s, "RestrictAddressFamilies")) == {"AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK"}
    assert "MemoryDenyWriteExecute" not in u[s]          # left off on purpose (the unit says why)
    allowed = {v.split()[0]: v.split()[1] for v in u[s]["DeviceAllow"]}
    for dev in ("char-drm", "char-input", "char-ttyUSB", "char-ttyACM", "char-gpiochip", "char-usb_device",
                "char-video4linux", "char-alsa"):
        assert dev in allowed, dev
    assert all(re.fullmatch(r"(char|block)-\S+|/dev/\S+", d) for d in allowed)
    assert all(set(m) <= set("rwm") and "m" not in m for m in allowed.values())   # nobody creates device nodes
    assert "kiosk-firstboot.service" in words(u, "Unit", "After") + words(u, "Unit", "Wants")
    assert one(u, "Unit", "ConditionPathExists") == "/etc/kiosk/kiosk.toml"
    assert "multi-user.target" in words(u, "Install", "WantedBy")


def test_the_first_boot_service():
    u = parse_unit(SYSTEMD / "kiosk-firstboot.service")
    assert one(u, "Service", "Type") == "oneshot" and one(u, "Service", "RemainAfterExit") == "yes"
    assert one(u, "Unit", "ConditionPathExists") == "/boot/firmware/kiosk.toml"
    assert {"kiosk.service", "kiosk-console.service"} <= set(words(u, "Unit", "Before"))
    assert shlex.split(one(u, "Service", "ExecStart")) == [KIOSK, "provision", "--from", "/boot/firmware/kiosk.toml",
                                                         "--to", "/etc/kiosk"]
    assert "User" not in u["Service"]                     # root: it writes /etc/kiosk and hands files to kiosk
    assert {"/var/lib/kiosk", "/boot/firmware"} <= set(words(u, "Service", "ReadWritePaths"))
    assert one(u, "Service", "PrivateNetwork") == "yes"


def test_the_console_and_the_prune_job_run_as_kiosk():
    console = parse_unit(SYSTEMD / "kiosk-console.service")
    assert shlex.split(one(console, "Service", "ExecStart")) == [KIOSK, "console", "--config",
                                                               "/etc/kiosk/console.toml"]
    assert one(console, "Service", "Restart") == "on-failure"
    prune = parse_unit(SYSTEMD / "kiosk-stills-prune.service")
    assert shlex.split(one(prune, "Service", "ExecStart"))[:3] == [KIOSK, "stills", "prune"]
    for u in (console, prune):
        assert one(u, "Service", "User") == "kiosk"
        assert one(u, "Service", "NoNewPrivileges") == "yes" and one(u, "Service", "ProtectSystem") == "strict"
        assert one(u, "Service", "CapabilityBoundingSet") == "" and one(u, "Service", "PrivateDevices") == "yes"


@pytest.mark.parametrize("unit", [u for u in UNITS if u.endswith(".service")])
def test_every_command_line_is_one_the_kiosk_command_accepts(unit):
    for line in parse_unit(SYSTEMD / unit)["Service"]["ExecStart"]:
        argv = [a for a in shlex.split(line) if not a.startswith("$")]
        assert argv[0] == KIOSK
        args = build_parser().parse_args(argv[1:])      # SystemExit (a failure) on an unknown command or option
        assert hasattr(args, "func"), line


# ---------------------------------------------------------------------------------------- sysusers and tmpfiles

@pytest.fixture(scope="module")
def provisioned_root(tmp_path_factory) -> Path:
    """A root where systemd-sysusers made the kiosk user and systemd-tmpfiles made the directories."""
    _tool("systemd-sysusers")
    _tool("systemd-tmpfiles")
    if os.geteuid() != 0:
        pytest.skip("systemd-tmpfiles --root hands directories to the kiosk user: needs root")
    root = tmp_path_factory.mktemp("sysroot")
    (root / "etc").mkdir()
    users = _run("systemd-sysusers", f"--root={root}", SYSTEMD / "sysusers.d/kiosk.conf")
    assert users.returncode == 0, users.stderr
    assert all(line.startswith(("Creating group", "Creating user")) for line in users.stderr.splitlines()), \
        users.stderr
    files = _run("systemd-tmpfiles", "--create", f"--root={root}", SYSTEMD / "tmpfiles.d/kiosk.conf")
    assert (files.returncode, files.stderr) == (0, ""), files.stderr
    return root


def _passwd(root: Path, name: str) -> dict[str, list[str]]:
    return {line.split(":")[0]: line.split(":") for line in (root / "etc" / name).read_text().splitlines()}


def test_sysusers_makes_a_system_user_without_a_shell(provisioned_root):
    kiosk = _passwd(provisioned_root, "passwd")["kiosk"]
    assert int(kiosk[2]) < 1000                          # a system user
    assert kiosk[5:7] == ["/var/lib/kiosk", "/usr/sbin/nologin"]
    groups = _passwd(provisioned_root, "group")
    for g in ("video", "render", "input", "dialout", "gpio", "audio", "lp", "plugdev"):
        assert "kiosk" in groups[g][3].split(","), g
    again = _run("systemd-sysusers", f"--root={provisioned_root}", SYSTEMD / "sysusers.d/kiosk.conf")
    assert (again.returncode, again.stderr) == (0, "")  # a second run (every boot) changes nothing


def test_tmpfiles_makes_the_data_and_config_directories(provisioned_root):
    uid = int(_passwd(provisioned_root, "passwd")["kiosk"][2])
    gid = int(_passwd(provisioned_root, "group")["kiosk"][2])
    expected = {"var/lib/kiosk": (0o1770, 0, gid), "var/lib/kiosk/stills": (0o750, uid, gid),
                "var/lib/kiosk/etc": (0o750, 0, gid), "var/lib/kiosk/etc/assist": (0o700, uid, gid)}
    for rel, (mode, owner, group) in expected.items():
        st = (provisioned_root / rel).stat()
        assert (st.st_mode & 0o7777, st.st_uid, st.st_gid) == (mode, owner, group), rel
    link = provisioned_root / "etc/kiosk"
    assert link.is_symlink() and str(link.readlink()) == "/var/lib/kiosk/etc"
    again = _run("systemd-tmpfiles", "--create", f"--root={provisioned_root}", SYSTEMD / "tmpfiles.d/kiosk.conf")
    assert (again.returncode, again.stderr) == (0, "")


# --------------------------------------------------------------------------------------------------------- udev

MATCH_KEYS = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "NAME", "SYMLINK", "SUBSYSTEM", "SUBSYSTEMS", "DRIVER",
              "DRIVERS", "ATTR", "ATTRS", "SYSCTL", "ENV", "CONST", "TAG", "TAGS", "TEST", "PROGRAM", "RESULT"}
ASSIGN_KEYS = {"NAME", "SYMLINK", "OWNER", "GROUP", "MODE", "SECLABEL", "ATTR", "SYSCTL", "ENV", "TAG", "RUN",
               "LABEL", "GOTO", "IMPORT", "OPTIONS"}
TOKEN = re.compile(r'(?P<key>[A-Z_]+)(?:\{(?P<attr>[^{}"]+)\})?(?P<op>==|!=|\+=|-=|:=|=)"(?P<value>[^"]*)"')


def udev_rules(path: Path) -> list[list[dict]]:
    """Every rule of a rules file as its tokens; AssertionError naming the line for anything udev would refuse
    (and for a missing comma between two tokens, which udev 254's `udevadm verify` flags)."""
    rules = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        assert not line.rstrip().endswith("\\"), f"line {n}: no continuation lines, please"
        tokens, pos, text = [], 0, line.strip()
        while True:
            m = TOKEN.match(text, pos)
            assert m, f"line {n}: cannot read {text[pos:]!r}"
            tok = m.groupdict()
            key, op = tok["key"], tok["op"]
            if op in ("==", "!="):
                assert key in MATCH_KEYS, f"line {n}: {key} is not a match key"
            else:
                assert key in ASSIGN_KEYS, f"line {n}: {key} cannot be assigned"
                assert op == "=" or key not in ("LABEL", "GOTO"), f"line {n}: {key}{op}"
            if key in ("ATTR", "ATTRS", "ENV", "SYSCTL", "IMPORT"):
                assert tok["attr"], f"line {n}: {key} needs {{...}}"
            if key == "MODE":
                assert re.fullmatch(r"0[0-7]{3}", tok["value"]), f"line {n}: MODE {tok['value']!r}"
            tokens.append(tok)
            pos = m.end()
            if pos == len(text):
                break
            sep = re.compile(r",\s*").match(text, pos)
            assert sep, f"line {n}: expected a comma between tokens at {text[pos:]!r}"
            pos = sep.end()
        rules.append(tokens)
    return rules


def test_udev_rules_parse_and_their_gotos_land():
    udevadm = shutil.which("udevadm")
    if udevadm and _run(udevadm, "verify", "--help").returncode == 0:     # systemd 254 and newer
        result = _run(udevadm, "verify", "--resolve-names=never", SYSTEMD / "udev/99-kiosk.rules")
        assert result.returncode == 0, result.stdout + result.stderr
    rules = udev_rules(SYSTEMD / "udev/99-kiosk.rules")
    labels = {t["value"] for r in rules for t in r if t["key"] == "LABEL"}
    gotos = {t["value"] for r in rules for t in r if t["key"] == "GOTO"}
    assert gotos <= labels, gotos - labels
    for r in rules:
        assigns = [t for t in r if t["op"] not in ("==", "!=")]
        assert assigns, f"a rule that only matches does nothing: {r}"


def test_udev_rules_name_the_four_devices_and_never_claim_a_generic_adapter():
    text = (SYSTEMD / "udev/99-kiosk.rules").read_text()
    rules = udev_rules(SYSTEMD / "udev/99-kiosk.rules")
    names = {t["value"] for r in rules for t in r if t["key"] == "SYMLINK"}
    assert names == {"kiosk-scanner", "kiosk-scale", "kiosk-printer", "kiosk-terminal"}
    for r in rules:
        vendors = {v for t in r if t["key"] in ("ENV", "ATTR", "ATTRS") and (t["attr"] or "") in
                   ("ID_VENDOR_ID", "idVendor") for v in t["value"].split("|")}
        assert not vendors & {"0403", "1a86", "10c4", "067b"}, r      # FTDI, CH340, CP210x, Prolific
        if any(t["key"] == "SYMLINK" for r2 in [r] for t in r2):
            group = [t["value"] for t in r if t["key"] == "GROUP"]
            assert group and group[0] in ("dialout", "input", "lp"), r
            assert [t["value"] for t in r if t["key"] == "MODE"] == ["0660"], r
    assert "98-kiosk-local.rules" in text                 # where a technician's own rule goes (documented)
    gpio = [r for r in rules if any(t["key"] == "KERNEL" and t["value"] == "gpiochip*" for t in r)]
    assert gpio and {"GROUP": "gpio", "MODE": "0660"}.items() <= {t["key"]: t["value"] for t in gpio[0]}.items()


def test_the_rules_checker_refuses_what_udev_would(tmp_path):
    bad = {'KERNEL=="tty*", SYMLINK+="x", MODE="660"': "MODE", 'FOO=="x", SYMLINK+="x"': "not a match key",
           'KERNEL=="x" SYMLINK+="x"': "comma", 'ATTRS=="x", GROUP="lp"': "needs", 'KERNEL=="x, GROUP="lp"': "comma|read",
           'GOTO=="end"': "not a match key"}
    rules = tmp_path / "bad.rules"
    for line, why in bad.items():
        rules.write_text(line + "\n")
        with pytest.raises(AssertionError, match=why):
            udev_rules(rules)
