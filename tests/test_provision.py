"""First-boot provisioning (kiosk/provision.py, `kiosk provision`): the boot partition's kiosk.toml becomes the
lane's config; PINs are hashed and never written in clear; the secrets leave the boot partition; a second boot
changes nothing; a broken file writes nothing."""

from __future__ import annotations

import os
import pwd
import tomllib
from pathlib import Path

import pytest

from kiosk.assist.store import init_store
from kiosk.attendants import verify_pin
from kiosk.cli import main
from kiosk.config import load
from kiosk.provision import DEFAULT_DEVICES, ProvisionError, provision

# Long PINs, so that finding one of them by chance inside a hash, a key or a seed is out of the question.
PINS = {"anna": "482193570316", "bernd": "730581946205", "tim": "915372648013"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The store's assist files as `kiosk store init` makes them: the CA, the command key, the lane's password."""
    return init_store(tmp_path_factory.mktemp("store") / "store", "markt-7", ["kasse-2"],
                      broker_hosts=["store-server.local"])


def first_boot_text(store, *, ca: str = "inline", extra_lane: str = "", attendants: dict | None = None) -> str:
    ca_pem = store.ca_cert.read_text()
    ca_line = f"ca = '''\n{ca_pem}'''" if ca == "inline" else f'ca_file = "{ca}"'
    people = attendants if attendants is not None else {
        "anna": ("Anna", "attendant", "ATT-0001"), "bernd": ("Bernd", "supervisor", None),
        "tim": ("Tim", "technician", "ATT-0003")}
    blocks = []
    for aid, (name, role, badge) in people.items():
        lines = ["[[attendants]]", f'id = "{aid}"', f'name = "{name}"', f'role = "{role}"', f'pin = "{PINS[aid]}"']
        if badge:
            lines.append(f'badge = "{badge}"')
        blocks.append("\n".join(lines))
    return f"""# The first-boot file of lane kasse-2 (a technician wrote it).
[lane]
id = "kasse-2"
lang = "nl"
{extra_lane}

[store]
id = "markt-7"
name = "Frischmarkt Lindenstraße"
address = "Lindenstraße 5, 10969 Berlin"
vat_id = "DE123456789"
ereceipt_url = "https://bon.frischmarkt.example"

[broker]
url = "mqtts://store-server.local:8883"
password = "{store.password('kasse-2')}"
{ca_line}
command_key = "{store.command_key.read_text().strip()}"

[devices]
payment = "zvt+tcp://192.168.1.60:20007?password=471147&config=0xBA"
scanner = "hid:///dev/kiosk-scanner?layout=de"
camera = "picamera2:0"

[display]
diagonal_in = 10.1

[rules]
nudge_s = 10

""" + "\n\n".join(blocks) + "\n"


@pytest.fixture
def boot(tmp_path, store):
    """A boot partition with a complete first-boot file, and an empty place for the config."""
    part = tmp_path / "boot"
    part.mkdir()
    src = part / "kiosk.toml"
    src.write_text(first_boot_text(store), encoding="utf-8")
    return src, tmp_path / "etc-kiosk"


def secrets_of(store) -> list[str]:
    return [*PINS.values(), store.password("kasse-2"), store.command_key.read_text().strip(), "471147"]


def snapshot(directory: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file under ``directory``: content, mode and modification time."""
    if not directory.exists():
        return {}
    return {str(p.relative_to(directory)): (p.read_bytes(), p.stat().st_mode, p.stat().st_mtime_ns)
            for p in sorted(directory.rglob("*")) if p.is_file()}


def run(*argv) -> int:
    return main(["provision", *map(str, argv)])


# ------------------------------------------------------------------------------------------------- a first boot

def test_a_complete_first_boot_file_becomes_a_config_the_lane_loads(boot, store, capsys):
    src, etc = boot
    inode = src.stat().st_ino
    assert run("--from", src, "--to", etc) == 0
    out = capsys.readouterr().out
    assert "Provisioned lane kasse-2 of store markt-7" in out and "removed" in out

    config = load(etc / "kiosk.toml")
    assert (config.lane_id, config.store.store_id, config.store.name) == ("kasse-2", "markt-7",
                                                                         "Frischmarkt Lindenstraße")
    assert config.store.vat_id == "DE123456789" and config.settings.default_lang == "nl"
    assert config.data_dir == Path("/var/lib/kiosk")
    assert config.devices["payment"] == "zvt+tcp://192.168.1.60:20007?password=471147&config=0xBA"
    assert config.devices["scanner"] == "hid:///dev/kiosk-scanner?layout=de"
    assert config.devices["camera"] == "picamera2:0"
    for family in ("scale", "printer", "light"):                 # the field devices, never simulators
        assert config.devices[family] == DEFAULT_DEVICES[family]
    assert not any(url.startswith("sim:") for url in config.devices.values())
    assert config.display.diagonal_in == 10.1 and config.settings.nudge_s == 10
    assert len(config.settings.audit_seed) >= 32

    assist = config.assist
    assert assist.bus == "mqtts://store-server.local:8883" and assist.username == "kasse-2"
    assert assist.password_file == etc / "assist" / "broker.password"
    assert assist.password_file.read_text().strip() == store.password("kasse-2")
    assert assist.command_key_file.read_text() == store.command_key.read_text()
    assert assist.ca_file.read_text().strip() == store.ca_cert.read_text().strip()
    for f in (assist.password_file, assist.command_key_file, assist.ca_file):
        assert f.stat().st_mode & 0o777 == 0o600, f
    assert (etc / "assist").stat().st_mode & 0o777 == 0o700
    assert (etc / "kiosk.toml").stat().st_mode & 0o077 in (0, 0o040)       # PIN hashes: no one else reads them

    by_id = {a.id: a for a in config.attendants}
    assert {a: (by_id[a].role, by_id[a].badge) for a in by_id} == {
        "anna": ("attendant", "ATT-0001"), "bernd": ("supervisor", None), "tim": ("technician", "ATT-0003")}
    for aid, pin in PINS.items():
        assert verify_pin(pin, by_id[aid].pin_hash)

    # The boot partition's file: rewritten in place (same file), still TOML, without a single secret.
    assert src.stat().st_ino == inode
    scrubbed = tomllib.loads(src.read_text(encoding="utf-8"))
    assert scrubbed["provisioned"]["lane"] == "kasse-2" and scrubbed["provisioned"]["to"] == str(etc / "kiosk.toml")
    assert all("pin" not in a for a in scrubbed["attendants"])
    assert {"password", "command_key", "ca"}.isdisjoint(scrubbed["broker"])
    assert scrubbed["broker"]["url"] == "mqtts://store-server.local:8883"
    assert "password" not in scrubbed["devices"]["payment"] and "config=0xBA" in scrubbed["devices"]["payment"]
    assert "audit_seed" not in scrubbed["store"]

    # No PIN anywhere in clear; the broker secrets only in their own files.
    written = {p: p.read_bytes() for p in etc.rglob("*") if p.is_file()}
    assert {p.name for p in written} == {"kiosk.toml", ".provisioned", "broker.password", "command.key", "ca.crt"}
    for path, data in [*written.items(), (src, src.read_bytes())]:
        for pin in PINS.values():
            assert pin.encode() not in data, path
        if path.parent.name != "assist":
            for secret in secrets_of(store)[3:]:
                assert secret.encode() not in data or path.name == "kiosk.toml" and secret == "471147", path
            assert config.settings.audit_seed.encode() not in data or path.name == "kiosk.toml", path


def test_a_second_boot_changes_nothing(boot):
    src, etc = boot
    assert run("--from", src, "--to", etc) == 0
    before, source_before = snapshot(etc), src.read_bytes()
    assert run("--from", src, "--to", etc) == 0
    assert snapshot(etc) == before and src.read_bytes() == source_before


def test_keep_source_leaves_the_file_and_a_second_run_changes_nothing(boot):
    src, etc = boot
    original = src.read_bytes()
    result = provision(src, etc, keep_source=True)
    assert result.status == "applied" and not result.scrubbed
    assert src.read_bytes() == original
    before = snapshot(etc)
    again = provision(src, etc, keep_source=True)
    assert again.status == "unchanged" and snapshot(etc) == before and src.read_bytes() == original
    # Without --keep-source the same file is now only scrubbed: the config stays exactly as it is.
    third = provision(src, etc)
    assert third.status == "unchanged" and third.scrubbed
    assert snapshot(etc) == before
    assert "provisioned" in tomllib.loads(src.read_text()) and PINS["anna"] not in src.read_text()


def test_a_new_first_boot_file_provisions_the_lane_again(boot, store):
    src, etc = boot
    provision(src, etc)
    seed = load(etc / "kiosk.toml").settings.audit_seed
    # The technician replaces the file: another attendant list, no broker (the lane serves its own console).
    text = first_boot_text(store, extra_lane='console = "0.0.0.0:8765"\nheadless = true',
                           attendants={"tim": ("Tim", "technician", None)})
    start, end = text.index("[broker]"), text.index("[devices]")
    src.write_text(text[:start] + text[end:], encoding="utf-8")
    result = provision(src, etc)
    assert result.status == "applied"
    config = load(etc / "kiosk.toml")
    assert [a.id for a in config.attendants] == ["tim"]
    assert config.assist.bus == "embedded" and config.assist.console == "0.0.0.0:8765"
    assert config.settings.audit_seed == seed                        # the lane keeps its audit seed
    assert not (etc / "assist" / "broker.password").exists()        # no stale secrets of the old broker
    assert (etc / "kiosk.env").read_text().splitlines()[-1] == "KIOSK_ARGS=--headless"


def test_the_ca_may_come_as_a_file_beside_the_first_boot_file(tmp_path, store):
    (tmp_path / "store-ca.crt").write_text(store.ca_cert.read_text())
    src = tmp_path / "kiosk.toml"
    src.write_text(first_boot_text(store, ca="store-ca.crt"), encoding="utf-8")
    provision(src, tmp_path / "etc")
    assert load(tmp_path / "etc" / "kiosk.toml").assist.ca_file.read_text() == store.ca_cert.read_text()
    assert "ca_file" in tomllib.loads(src.read_text())["broker"]     # a certificate is no secret: its name stays


def test_the_boot_test_lane_simulated_and_headless_through_the_etc_symlink(tmp_path):
    """As on the image: /etc/kiosk is a symlink into the data partition, whose etc/ may not exist yet; the qemu boot
    test's lane has every device simulated (written out: never a default) and no screen."""
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "kiosk").symlink_to(tmp_path / "data" / "etc")
    src = tmp_path / "kiosk.toml"
    src.write_text('[lane]\nid = "qemu-1"\nheadless = true\n[store]\nid = "lab"\nname = "Boot test"\n'
                   '[devices]\npayment = "sim:"\nscanner = "sim:"\nscale = "sim:"\nprinter = "sim:"\n'
                   'light = "sim:"\ncamera = "sim:"\n[[attendants]]\nid = "tim"\nrole = "technician"\n'
                   'pin = "9999"\n', encoding="utf-8")
    assert main(["provision", "--from", str(src), "--to", str(tmp_path / "etc" / "kiosk")]) == 0
    config = load(tmp_path / "etc" / "kiosk" / "kiosk.toml")
    assert set(config.devices.values()) == {"sim:"} and config.assist.bus == "embedded"
    assert (tmp_path / "data" / "etc" / "kiosk.toml").is_file()
    assert "KIOSK_ARGS=--headless" in (tmp_path / "data" / "etc" / "kiosk.env").read_text()


def test_a_file_from_a_windows_editor(tmp_path, store):
    """Notepad: a byte order mark and CR LF line ends; and a file that is not UTF-8 is refused with a hint."""
    src = tmp_path / "kiosk.toml"
    src.write_bytes(b"\xef\xbb\xbf" + first_boot_text(store).replace("\n", "\r\n").encode("utf-8"))
    assert provision(src, tmp_path / "etc").status == "applied"
    assert load(tmp_path / "etc" / "kiosk.toml").store.name == "Frischmarkt Lindenstraße"
    src.write_bytes(first_boot_text(store).encode("cp1252"))
    with pytest.raises(ProvisionError, match="not UTF-8 text"):
        provision(src, tmp_path / "etc2")


def test_an_applied_file_without_its_config_is_an_error_that_says_what_to_do(boot, capsys):
    src, etc = boot
    provision(src, etc)
    (etc / "kiosk.toml").unlink()
    assert run("--from", src, "--to", etc) == 2
    assert "put a complete first-boot file" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() != 0, reason="handing files to another user needs root")
def test_as_root_the_secrets_belong_to_the_lane_user(boot):
    src, etc = boot
    nobody = pwd.getpwnam("nobody")
    provision(src, etc, owner="nobody")
    for name in ("broker.password", "command.key", "ca.crt"):
        st = (etc / "assist" / name).stat()
        assert (st.st_uid, st.st_mode & 0o777) == (nobody.pw_uid, 0o600)
    assert (etc / "assist").stat().st_uid == nobody.pw_uid
    st = (etc / "kiosk.toml").stat()
    assert (st.st_uid, st.st_mode & 0o777) == (0, 0o640) and st.st_gid != 0


# -------------------------------------------------------------------------------------------------- broken files

def _replace(old: str, new: str):
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)
    return edit


BROKEN = {
    "missing lane id": (_replace('id = "kasse-2"\n', ""), "lane.id: missing"),
    "bad lane id": (_replace('id = "kasse-2"', 'id = "kasse 2/#"'), "lane.id"),
    "terminal without a scheme": (_replace("zvt+tcp://192.168.1.60:20007?password=471147&config=0xBA",
                                           "192.168.1.60:20007"), "devices.payment: '192.168.1.60:20007' is not a "
                                                                  "device URL (a ZVT terminal on the network"),
    "no terminal": (_replace('payment = "zvt+tcp://192.168.1.60:20007?password=471147&config=0xBA"\n', ""),
                    "devices.payment: missing"),
    "unknown driver": (_replace("picamera2:0", "webcam:0"), "devices.camera: 'webcam:0': no camera driver"),
    "bad broker URL": (_replace("mqtts://store-server.local:8883", "https://store-server.local"), "broker.url"),
    "short PIN": (_replace(f'pin = "{PINS["anna"]}"', 'pin = "123"'), "attendants[1].pin: a PIN is 4 to 12 digits"),
    "PIN with a letter": (_replace(f'pin = "{PINS["bernd"]}"', 'pin = "12a4"'), "attendants[2].pin: a PIN is"),
    "PIN as a number": (_replace(f'pin = "{PINS["tim"]}"', "pin = 1234"), "attendants[3].pin: write the PIN in quotes"),
    "the same PIN twice": (_replace(f'pin = "{PINS["tim"]}"', f'pin = "{PINS["anna"]}"'),
                           "attendants[3].pin: the same PIN as attendants[1]"),
    "no PIN": (_replace(f'pin = "{PINS["bernd"]}"\n', ""), "attendants[2].pin: missing"),
    "bad role": (_replace('role = "supervisor"', 'role = "boss"'), "attendants[2].role"),
    "unknown key": (_replace('vat_id = "DE123456789"', 'vat_id = "DE123456789"\ncolour = "green"'),
                    "store.colour: unknown key"),
    "unknown attendant key": (_replace('name = "Anna"', 'name = "Anna"\npassword = "x"'),
                              "attendants[1].password: unknown key"),
    "unknown section": (lambda t: t + "\n[printer]\nwidth = 80\n", "printer: unknown section"),
    "unknown rule": (_replace("nudge_s = 10", "nudge_seconds = 10"), "rules.nudge_seconds"),
    "bad display": (_replace("diagonal_in = 10.1", "diagonal_in = 200"), "display.diagonal_in"),
    "no CA for mqtts": (lambda t: t[:t.index("ca = '''")] + t[t.index("-----END CERTIFICATE-----\n'''") + 29:],
                        "broker.ca: mqtts:// needs the store CA"),
    "a CA that is not one": (_replace("-----BEGIN CERTIFICATE-----\n", "-----BEGIN CERTIFICATE-----\nAAAA"),
                             "broker.ca: not a valid certificate"),
    "command key not hex": (lambda t: t.replace('command_key = "', 'command_key = "zz', 1), "broker.command_key"),
    "no attendants": (lambda t: t[:t.index("[[attendants]]")], "attendants: missing"),
    "not TOML": (lambda t: t.replace("[store]", "[store"), "not valid TOML"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_file_names_the_key_and_writes_nothing(boot, capsys, case):
    src, etc = boot
    edit, message = BROKEN[case]
    src.write_text(edit(src.read_text(encoding="utf-8")), encoding="utf-8")
    before = src.read_bytes()
    assert run("--from", src, "--to", etc) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert str(src) in err
    assert not etc.exists()
    assert src.read_bytes() == before
    for pin in PINS.values():
        assert pin not in err


def test_a_broken_new_file_leaves_the_provisioned_lane_as_it_was(boot, store):
    src, etc = boot
    provision(src, etc)
    before = snapshot(etc)
    src.write_text(first_boot_text(store).replace(f'pin = "{PINS["anna"]}"', 'pin = "12"'), encoding="utf-8")
    broken = src.read_bytes()
    assert run("--from", src, "--to", etc) == 2
    assert snapshot(etc) == before and src.read_bytes() == broken
    assert not [p for p in etc.rglob("*.new")]


def test_a_missing_first_boot_file(tmp_path, capsys):
    assert run("--from", tmp_path / "nothing.toml", "--to", tmp_path / "etc") == 2
    assert "no such first-boot file" in capsys.readouterr().err
    assert not (tmp_path / "etc").exists()
