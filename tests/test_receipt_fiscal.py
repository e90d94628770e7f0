"""The fiscal interface: the no-op the lane runs with today, and what a German TSE's signature adds to the receipt."""

from __future__ import annotations

import dataclasses

import pytest

from kiosk.receipt import content as c
from kiosk.receipt.content import ReceiptOptions, compose, ereceipt_url
from kiosk.receipt.fiscal import Fiscal, FiscalData, NoFiscal, process_data, qr_payload
from kiosk.receipt.text import to_text
from receiptkit import BERLIN, STORE, URL, basket, synthetic

SIGNED = FiscalData("test-1", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 1731, 88412,
                    "2025-03-14T14:40:00.000Z", "2025-03-14T14:42:15.000Z", "MGUCMQDcV2Xr8hYk3gYwS1o1Q0c5i8lJ6w3W",
                    public_key="BHhWOeisRpPBTGQ1W4VUH95TXx2GARf8e2NYZXJoInjtGqnxJ8sZ3CQpYgjI",
                    process_data="Beleg^17.08_21.56_0.00_0.00_0.00^38.64:Unbar")


def test_no_fiscal_device_signs_nothing_and_prints_nothing():
    fiscal = NoFiscal()
    assert isinstance(fiscal, Fiscal)
    summary = basket()
    assert fiscal.start_transaction("test-1", 1, 0.0) is None
    data = fiscal.finish_transaction(summary)
    assert data is None
    with_none = compose(summary, STORE, ReceiptOptions(tz=BERLIN, qr_url=URL, fiscal=data))
    assert with_none == compose(summary, STORE, ReceiptOptions(tz=BERLIN, qr_url=URL))
    assert with_none.of(c.Field) == [] and "TSE" not in to_text(with_none, 42)


def test_a_tse_signature_adds_its_block_and_qr_code():
    doc = compose(basket(), STORE, ReceiptOptions(tz=BERLIN, qr_url=URL, fiscal=SIGNED))
    fields = {f.label: f.value for f in doc.of(c.Field)}
    assert fields == {"Kassen-Seriennr.": "test-1", "TSE-Seriennr.": SIGNED.tse_serial, "TSE-Transaktion": "1731",
                      "Signaturzähler": "88412", "Start": "2025-03-14T14:40:00.000Z",
                      "Ende": "2025-03-14T14:42:15.000Z", "Algorithmus": "ecdsa-plain-SHA384",
                      "Zeitformat": "utcTime", "Signatur": SIGNED.signature}
    fiscal_qr, ereceipt_qr = doc.of(c.Qr)
    assert fiscal_qr.purpose == "fiscal" and fiscal_qr.content == qr_payload(SIGNED)
    assert ereceipt_qr.content == URL
    assert doc.blocks.index(doc.of(c.Field)[0]) > doc.blocks.index(doc.of(c.Payment)[0])
    without_qr = compose(basket(), STORE, ReceiptOptions(tz=BERLIN, fiscal=SIGNED, fiscal_qr=False))
    assert without_qr.of(c.Qr) == []


def test_a_failed_tse_is_said_on_the_receipt():
    failed = dataclasses.replace(SIGNED, signature="", error="keine Antwort vom Sicherheitsmodul")
    doc = compose(basket(), STORE, ReceiptOptions(tz=BERLIN, fiscal=failed))
    text = to_text(doc, 42)
    assert "TSE ausgefallen: keine Antwort vom" in text and doc.of(c.Field) == [] and doc.of(c.Qr) == []


def test_process_data_is_dsfinvk_kassenbeleg():
    summary = basket()
    assert process_data(summary) == "Beleg^17.08_21.56_0.00_0.00_0.00^38.64:Unbar"
    cancelled = dataclasses.replace(summary, status="cancelled", payments=())
    assert process_data(cancelled) == "AVBelegabbruch^17.08_21.56_0.00_0.00_0.00^"
    payout = synthetic([("Weizenbrötchen", 35, 700), ("Leergutbon", -300, 1900)], kinds=["item", "voucher"])
    assert process_data(payout).startswith("Beleg^-3.00_0.35_")
    with pytest.raises(ValueError, match="21 %"):
        process_data(synthetic([("Hagelslag", 289, 2100)], lang="nl"))


def test_the_dsfinvk_qr_payload():
    assert qr_payload(SIGNED) == (
        "V0;test-1;Kassenbeleg-V1;Beleg^17.08_21.56_0.00_0.00_0.00^38.64:Unbar;1731;88412;"
        "2025-03-14T14:40:00.000Z;2025-03-14T14:42:15.000Z;ecdsa-plain-SHA384;utcTime;"
        f"{SIGNED.signature};{SIGNED.public_key}")


def test_the_ereceipt_address():
    assert ereceipt_url("https://receipts.example/", "lane-1", 42, "a/b+c") == \
        "https://receipts.example/lane-1/42?k=a%2Fb%2Bc"
