"""The store's PKI and broker config (kiosk/assist/store.py), checked on disk and against a real mosquitto over TLS:
the lanes' and consoles' passwords, and an ACL under which a lane speaks only for itself and only consoles command."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import os
import shutil
import stat
import subprocess
import tempfile
import tomllib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509 import verification

from kiosk.assist import store
from kiosk.assist.mqtt import MqttBus
from kiosk.assist.store import init_store, mosquitto_check, mosquitto_hash
from mosquitto import Inbox, Mosquitto, wait_for

FAST = (0.1, 0.5)
LANES = ["lane-1", "lane-2"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


# -------------------------------------------------------------------------------------------------- on disk

def test_init_creates_every_file_with_private_modes(tmp_path):
    files = init_store(tmp_path / "store", "S1", LANES)
    d = files.directory
    for name in ("ca.key", "broker.key", "console.key", "command.key", "lanes/lane-1.password",
                 "lanes/lane-2.password", "consoles/console.password", "mosquitto/passwd"):
        assert mode(d / name) == 0o600, name
    for name in ("ca.crt", "broker.crt", "console.crt", "mosquitto/mosquitto.conf", "mosquitto/acl"):
        assert (d / name).is_file(), name
    assert (d / "mosquitto" / "data").is_dir()
    assert len(bytes.fromhex(files.command_key.read_text().strip())) == 32
    passwords = {files.password(u) for u in (*LANES, "console")}
    assert len(passwords) == 3 and all(len(p) >= 40 for p in passwords)
    assert files.lanes == ("lane-1", "lane-2") and files.consoles == ("console",)
    assert set(files.created) >= {files.ca_key, files.ca_cert, files.command_key, files.lane_password("lane-1")}
    assert json.loads(files.store_json.read_text())["store"] == "S1"

    conf = files.mosquitto_conf.read_text().splitlines()
    for line in ("per_listener_settings false", "allow_anonymous false", f"password_file {files.passwd}",
                 f"acl_file {files.acl}", "persistence true", f"persistence_location {files.persistence_dir}/",
                 "listener 8883", f"cafile {files.ca_cert}", f"certfile {files.broker_cert}",
                 f"keyfile {files.broker_key}"):
        assert line in conf
    assert not any(line.startswith("listener") and "127.0.0.1" in line for line in conf)   # no plain listener
    with_plain = init_store(tmp_path / "store", "S1", [], plain_port=18830)
    assert "listener 18830 127.0.0.1" in with_plain.mosquitto_conf.read_text().splitlines()


def test_certificates_chain_to_the_store_ca_with_their_names(tmp_path):
    files = init_store(tmp_path / "store", "S1", LANES, broker_hosts=("store-server.local", "10.1.2.3"),
                       console_hosts=("console.local", "10.1.2.4", "::1"))
    ca = load(files.ca_cert)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.not_valid_after_utc - ca.not_valid_before_utc > dt.timedelta(days=3650)
    trust = verification.Store([ca])
    for cert_path, names in ((files.broker_cert, ("store-server.local", "10.1.2.3")),
                             (files.console_cert, ("console.local", "10.1.2.4", "::1"))):
        cert = load(cert_path)
        cert.verify_directly_issued_by(ca)
        assert store.cert_hosts(cert) == set(names)
        for name in names:     # what a TLS client does: the chain to the CA, and the name it dialled
            try:
                subject = verification.IPAddress(ipaddress.ip_address(name))
            except ValueError:
                subject = verification.DNSName(name)
            verifier = verification.PolicyBuilder().store(trust).build_server_verifier(subject)
            verifier.verify(cert, [])
        with pytest.raises(verification.VerificationError):
            verification.PolicyBuilder().store(trust).build_server_verifier(
                verification.DNSName("elsewhere.example")).verify(cert, [])


def test_init_again_keeps_everything_and_adds_a_lane(tmp_path):
    first = init_store(tmp_path / "store", "S1", LANES)
    d = first.directory
    kept = ["ca.key", "ca.crt", "broker.key", "broker.crt", "console.key", "console.crt", "command.key",
            "lanes/lane-1.password", "lanes/lane-2.password", "consoles/console.password", "mosquitto/passwd"]
    before = {name: (d / name).read_bytes() for name in kept}

    again = init_store(d, "S1", LANES)
    assert again.created == () and again.reissued == ()
    assert {name: (d / name).read_bytes() for name in kept} == before
    assert "Nothing new" in store.describe(again)

    more = init_store(d, "S1", ["lane-3"])                   # the lanes already there stay
    assert more.lanes == ("lane-1", "lane-2", "lane-3")
    assert more.created == (more.lane_password("lane-3"),)
    assert {name: (d / name).read_bytes() for name in kept if name != "mosquitto/passwd"} == \
        {name: v for name, v in before.items() if name != "mosquitto/passwd"}
    passwd = dict(line.split(":", 1) for line in more.passwd.read_text().splitlines())
    assert set(passwd) == {"lane-1", "lane-2", "lane-3", "console"}
    assert f"lane-1:{passwd['lane-1']}\n" in before["mosquitto/passwd"].decode()   # unchanged lines stay as they were
    assert "topic write kiosk/v1/S1/lane-3/state" in more.acl.read_text()

    moved = init_store(d, "S1", [], broker_hosts=("store-server.local",))   # a new name: a new certificate
    assert moved.reissued == (moved.broker_cert,)
    assert store.cert_hosts(load(moved.broker_cert)) == {"store-server.local"}
    assert (d / "ca.crt").read_bytes() == before["ca.crt"] and (d / "broker.key").read_bytes() == before["broker.key"]
    assert init_store(d, "S1", []).broker_hosts == ("store-server.local",)     # remembered

    with pytest.raises(ValueError, match="store 'S1'"):
        init_store(d, "S2", LANES)


def test_a_certificate_close_to_expiry_is_issued_again(tmp_path):
    files = init_store(tmp_path / "store", "S1", LANES)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=store.LEAF_DAYS - 30)
    renewed = init_store(files.directory, "S1", [], now=later)
    assert set(renewed.reissued) == {files.broker_cert, files.console_cert}
    assert load(files.broker_cert).not_valid_after_utc > later + dt.timedelta(days=700)


@pytest.mark.parametrize("store_id, lanes, consoles, says", [
    ("S/1", ["lane-1"], ("console",), "store id"),
    ("S1", ["lane+1"], ("console",), "lane id"),
    ("S1", ["#"], ("console",), "lane id"),
    ("S1", ["", "lane-1"], ("console",), "lane id"),
    ("S1", ["lane-1"], ("con sole",), "console id"),
    ("S1", ["console"], ("console",), "both a lane and a console"),
])
def test_invalid_ids_are_refused(tmp_path, store_id, lanes, consoles, says):
    with pytest.raises(ValueError, match=says):
        init_store(tmp_path / "store", store_id, lanes, consoles=consoles)


def test_invalid_hosts_and_ports_are_refused(tmp_path):
    with pytest.raises(ValueError, match="neither a host name nor an IP"):
        init_store(tmp_path / "a", "S1", LANES, broker_hosts=("bad host",))
    with pytest.raises(ValueError, match="port"):
        init_store(tmp_path / "b", "S1", LANES, port=70000)
    with pytest.raises(ValueError, match="at least one broker host"):
        init_store(tmp_path / "c", "S1", LANES, broker_hosts=())


def test_password_hashes_are_mosquitto_passwds_own(tmp_path):
    """The same hash mosquitto_passwd writes, byte for byte, for the same salt and iteration count."""
    pwfile = tmp_path / "passwd"
    pwfile.write_text("")
    subprocess.run(["/usr/bin/mosquitto_passwd", "-b", str(pwfile), "lane-1", "s3cret pass"], check=True)
    theirs = pwfile.read_text().strip().split(":", 1)[1]
    _, kind, iterations, salt, _ = theirs.split("$")
    assert kind == "7"
    assert mosquitto_hash("s3cret pass", salt=base64.b64decode(salt), iterations=int(iterations)) == theirs
    assert mosquitto_check("s3cret pass", theirs) and not mosquitto_check("s3cret pasS", theirs)
    assert mosquitto_check("x", mosquitto_hash("x")) and not mosquitto_check("x", "garbage")


def test_the_lane_snippet_is_a_working_assist_section(tmp_path):
    files = init_store(tmp_path / "store", "S1", LANES, broker_hosts=("store-server.local", "10.1.2.3"))
    snippet = store.lane_assist_snippet(files, "lane-2")
    assist = tomllib.loads(snippet)["assist"]
    assert assist == {"bus": "mqtts://store-server.local:8883", "username": "lane-2",
                      "password_file": "assist/lane-2.password", "ca_file": "assist/ca.crt",
                      "command_key_file": "assist/command.key"}
    assert "copy" in snippet.lower() and str(files.lane_password("lane-2")) in snippet

    # what the technician does on the lane: copy the three files, paste the section, and the lane loads it
    from kiosk.config import load as load_config
    lane_dir = tmp_path / "lane"
    (lane_dir / "assist").mkdir(parents=True)
    for src, dst in ((files.ca_cert, "ca.crt"), (files.command_key, "command.key"),
                     (files.lane_password("lane-2"), "lane-2.password")):
        shutil.copy(src, lane_dir / "assist" / dst)
    (lane_dir / "kiosk.toml").write_text('[lane]\nid = "lane-2"\n\n[store]\nid = "S1"\n\n' + snippet)
    config = load_config(lane_dir / "kiosk.toml").assist
    assert config.bus == "mqtts://store-server.local:8883" and config.username == "lane-2"
    assert config.password_file.read_text().strip() == files.password("lane-2")
    assert config.ca_file.read_bytes() == files.ca_cert.read_bytes()

    with pytest.raises(ValueError, match="lane-9"):
        store.lane_assist_snippet(files, "lane-9")
    text = store.describe(files)
    for needle in ("S1", str(files.mosquitto_conf), "lane-1", "lane-2", "ca.key", "[assist]",
                   str(files.console_password("console"))):
        assert needle in text


# ----------------------------------------------------------------------------------------- the real broker

@pytest.fixture
def site(tmp_path):
    """A store's files and its broker, on free ports, over TLS."""
    files = init_store(tmp_path / "store", "S1", LANES, consoles=("console",), plain_port=18830)
    with Mosquitto(tmp_path / "broker", conf=files.mosquitto_conf) as broker:   # both listeners on free ports
        yield files, broker


@pytest.fixture
def buses():
    made: list[MqttBus] = []

    def make(files, broker, user: str, password: str | None = None, client_id: str | None = None, **kw):
        kw.setdefault("ca_file", str(files.ca_cert))
        bus = MqttBus(kw.pop("url", broker.tls_url), client_id or user, username=user,
                      password=files.password(user) if password is None else password,
                      reconnect_delay=FAST, **kw)
        made.append(bus)
        return bus

    yield make
    for bus in made:
        bus.close(timeout=0.5)


def connected(bus: MqttBus) -> MqttBus:
    bus.start()
    wait_for(lambda: bus.connected, what=f"{bus.client_id} to connect ({bus.last_error})")
    return bus


def refused(bus: MqttBus) -> str:
    bus.start()
    wait_for(lambda: bus.last_error is not None, what=f"{bus.client_id} to be refused")
    assert not bus.connected
    return bus.last_error


def test_the_broker_takes_lanes_and_consoles_by_password_over_tls(site, buses):
    files, broker = site
    connected(buses(files, broker, "lane-1"))
    connected(buses(files, broker, "console"))
    assert "not authorised" in refused(buses(files, broker, "lane-2", password="wrong", client_id="intruder"))
    assert "not authorised" in refused(buses(files, broker, "lane-9", password="x", client_id="nobody"))
    anonymous = MqttBus(broker.tls_url, "anonymous", ca_file=str(files.ca_cert), reconnect_delay=FAST)
    try:
        assert "not authorised" in refused(anonymous)
    finally:
        anonymous.close()
    assert "not authorised" in broker.log()


def test_the_broker_is_checked_against_the_store_ca(site, buses, tmp_path):
    files, broker = site
    other = init_store(tmp_path / "other", "S2", ["lane-1"])
    wrong_ca = buses(files, broker, "lane-1", ca_file=str(other.ca_cert))
    assert refused(wrong_ca).startswith("TLS error")
    tls_to_plain = buses(files, broker, "lane-2", url=f"mqtts://localhost:{broker.port}")
    assert refused(tls_to_plain).startswith("TLS error")
    plain = buses(files, broker, "lane-2", client_id="plain", ca_file=None, url=f"mqtt://127.0.0.1:{broker.tls_port}")
    assert "closed the connection before answering" in refused(plain)      # plain MQTT to the TLS port


def test_the_plain_test_listener_has_the_same_users(site, buses):
    files, broker = site
    assert f"listener {broker.port} 127.0.0.1" in broker.conf.read_text()
    connected(buses(files, broker, "lane-1", ca_file=None, url=broker.url))
    assert "not authorised" in refused(buses(files, broker, "lane-2", password="wrong", ca_file=None,
                                             url=broker.url))


def test_the_broker_host_name_is_checked(tmp_path, buses):
    files = init_store(tmp_path / "store", "S1", LANES, broker_hosts=("store-server.invalid",))
    with Mosquitto(tmp_path / "broker", conf=files.mosquitto_conf) as broker:
        why = refused(buses(files, broker, "lane-1"))          # dialled "localhost", the certificate says otherwise
        assert why.startswith("TLS error") and "hostname" in why.lower()


def test_a_lane_speaks_only_for_itself(site, buses):
    files, broker = site
    console, states = buses(files, broker, "console"), Inbox()
    console.subscribe("kiosk/v1/S1/+/state", states)
    console.subscribe("kiosk/v1/S1/+/alert", states)
    lane1 = buses(files, broker, "lane-1")
    lane2, commands2 = buses(files, broker, "lane-2"), Inbox()
    lane2.subscribe("kiosk/v1/S1/lane-2/command", commands2)
    for bus in (console, lane1, lane2):
        connected(bus)

    # lane-1 tries to speak for lane-2, to command lanes, and to leave the store's topics
    for topic in ("kiosk/v1/S1/lane-2/state", "kiosk/v1/S1/lane-2/alert", "kiosk/v1/S1/lane-2/command",
                  "kiosk/v1/S1/lane-1/command", "kiosk/v1/S2/lane-1/state", "elsewhere"):
        lane1.publish(topic, b"forged")
    lane1.publish("kiosk/v1/S1/lane-1/state", b"lane-1 marker")        # its own state: allowed, and after them
    got = states.wait_for(b"lane-1 marker")
    assert got == [("kiosk/v1/S1/lane-1/state", b"lane-1 marker")]

    # a real command for lane-2 after the forged one: lane-2 receives only the real one
    console.publish("kiosk/v1/S1/lane-2/command", b"approve")
    assert commands2.wait_for(b"approve") == [("kiosk/v1/S1/lane-2/command", b"approve")]
    assert lane1.flush() and lane1.connected          # refused publications are dropped, the lane stays connected


def test_consoles_command_and_each_lane_hears_only_its_own(site, buses):
    files, broker = site
    console = buses(files, broker, "console")
    watcher, states = buses(files, broker, "console", client_id="console-watch"), Inbox()
    watcher.subscribe("kiosk/v1/S1/+/state", states)
    lane1, own1, snoop1 = buses(files, broker, "lane-1"), Inbox(), Inbox()
    lane1.subscribe("kiosk/v1/S1/lane-1/command", own1)
    lane1.subscribe("kiosk/v1/S1/+/command", snoop1)          # trying to listen to other lanes' commands
    lane2, own2 = buses(files, broker, "lane-2"), Inbox()
    lane2.subscribe("kiosk/v1/S1/lane-2/command", own2)
    for bus in (console, watcher, lane1, lane2):
        connected(bus)

    console.publish("kiosk/v1/S1/lane-1/state", b"forged by a console")   # consoles do not speak for lanes
    console.publish("kiosk/v1/S1/lane-2/command", b"for lane-2")
    console.publish("kiosk/v1/S1/lane-1/command", b"for lane-1")
    assert own2.wait_for(b"for lane-2") == [("kiosk/v1/S1/lane-2/command", b"for lane-2")]
    assert own1.wait_for(b"for lane-1") == [("kiosk/v1/S1/lane-1/command", b"for lane-1")]
    assert all(p != b"for lane-2" for _, p in snoop1.snapshot())
    lane1.publish("kiosk/v1/S1/lane-1/state", b"real state")
    assert states.wait_for(b"real state") == [("kiosk/v1/S1/lane-1/state", b"real state")]


def test_the_last_will_of_a_lane_passes_the_acl(site, buses):
    files, broker = site
    console, states = buses(files, broker, "console"), Inbox()
    console.subscribe("kiosk/v1/S1/+/state", states)
    connected(console)
    lane = buses(files, broker, "lane-1")
    lane.set_will("kiosk/v1/S1/lane-1/state", b'{"online":false}')
    connected(lane)
    lane._client.socket().close()     # the connection dies under the lane without a DISCONNECT
    assert ("kiosk/v1/S1/lane-1/state", b'{"online":false}') in states.wait_for(b'{"online":false}')


def test_retained_state_survives_a_broker_restart(site, buses):
    files, broker = site
    lane = connected(buses(files, broker, "lane-1"))
    lane.publish("kiosk/v1/S1/lane-1/state", b"seq 7", retain=True)
    assert lane.flush()
    broker.restart()
    console, states = buses(files, broker, "console"), Inbox()
    console.subscribe("kiosk/v1/S1/+/state", states)
    connected(console)
    assert states.wait_for(b"seq 7") == [("kiosk/v1/S1/lane-1/state", b"seq 7")]


@pytest.mark.skipif(os.geteuid() != 0, reason="handing files to the broker's user needs root")
def test_the_broker_runs_as_its_own_user_with_the_files_handed_over(buses):
    """As on the store server: mosquitto started as root drops to the user 'mosquitto' and must still read its
    password file and key, and write its persistence."""
    top = Path(tempfile.mkdtemp(prefix="kiosk-store-"))   # pytest's temporary folders are closed to other users
    try:
        os.chmod(top, 0o755)
        files = init_store(top / "store", "S1", LANES, broker_user="mosquitto")
        owner = files.passwd.stat().st_uid
        assert owner != 0 and files.broker_key.stat().st_uid == owner and mode(files.passwd) == 0o600
        assert files.ca_key.stat().st_uid == 0                       # the CA's key stays with root
        broker = Mosquitto(top / "broker", conf=files.mosquitto_conf, stay_root=False)
        with broker:
            lane = connected(buses(files, broker, "lane-1"))
            lane.publish("kiosk/v1/S1/lane-1/state", b"retained", retain=True)
            assert lane.flush()
        assert (files.persistence_dir / "mosquitto.db").stat().st_uid == owner
        assert init_store(top / "store", "S1", []).broker_user == "mosquitto"      # remembered on reruns
        assert files.passwd.stat().st_uid == owner
    finally:
        shutil.rmtree(top)
