"""A broken lane config stops the lane at start with a message naming the file, the key and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, load

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "lane.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_the_demo_config_loads_with_paths_relative_to_the_file():
    c = load(ROOT / "config" / "lane.toml")
    assert c.lane_id == "demo-1" and c.data_dir == (ROOT / "var" / "demo").resolve()
    assert c.catalog_seed == ROOT / "config" / "catalog.csv"
    assert {a.role for a in c.attendants} == {"attendant", "supervisor", "technician"}
    assert all(a.pin_hash.startswith("scrypt$") for a in c.attendants)
    assert [lay.template for lay in c.layouts][:2] == ["22AAAAKVVVVVC", "23AAAAKVVVVVC"]


@pytest.mark.parametrize("text, words", [
    ("[lane\nid = 1", "not valid TOML"),
    ("[lane]\nid = 'bad id!'", "lane.id"),
    ("[lanes]\nid = 'x'", "lanes: unknown section"),
    ("[rules]\nnudge_s = -1", "rules.nudge_s: must be a non-negative number"),
    ("[rules]\nnudge = 3", "rules.nudge: unknown rule"),
    ("[rules]\nbagging_enabled = 'yes'", "rules.bagging_enabled: must be true or false"),
    ("[lane]\nlang = 'fr'", "lane.lang: must be de, en or nl"),
    ("[devices]\nscale = 'nothing'", "devices.scale"),
    ("[devices]\ntoaster = 'sim:'", "devices.toaster: unknown device family"),
    ("[assist]\nbus = 'amqp://x'", "assist.bus: 'amqp://x': expected"),
    ("[assist]\nconsole = 'localhost'", "assist.console: 'localhost': expected host:port"),
    ("[assist]\nconsole = '127.0.0.1:99999'", "assist.console"),
    ("[assist]\nbroker = 'x'", "assist.broker: unknown setting"),
    ("[assist]\nbus = 'mqtt://server:1883'", "assist.command_key_file: a lane on the store's broker needs"),
    ("[assist]\nbus = 'mqtts://server:8883'\ncommand_key_file = 'k'", "assist.ca_file: mqtts:// needs the store CA"),
    ("[assist]\ncert_file = 'c.pem'", "assist.cert_file: the console's TLS needs both"),
    ("[store]\nid = 'my store/1'", "store.id: 'my store/1' must be letters"),
    ("[devices]\nprinter = 'escpos+tcp://10.0.0.9:port'", "devices.printer: 'escpos+tcp://10.0.0.9:port': the port"),
    ("[devices]\nscale = 'hx711:?dout=5&dout=6'", "devices.scale: 'hx711:?dout=5&dout=6': parameter 'dout' appears"),
    ("[[attendants]]\nid = 'a'\npin = '1234'", "plain PINs are not accepted"),
    ("[[attendants]]\nid = 'a'\nrole = 'boss'", "'boss' is not one of"),
    ("[[attendants]]\nid = 'a'\n[[attendants]]\nid = 'a'", "appears twice"),
    ("[[instore]]\ntemplate = '22AAAA'\nkind = 'price'", "instore"),
])
def test_a_broken_config_names_the_file_and_the_key(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load(path)
    assert str(path) in str(err.value) and words in str(err.value)


def test_a_missing_config_says_how_to_give_one(tmp_path):
    with pytest.raises(ConfigError, match="no such config file.*--config"):
        load(tmp_path / "nope.toml")
