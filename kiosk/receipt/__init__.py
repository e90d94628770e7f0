"""Receipts: a finished transaction as the German (English, Dutch) receipt, for paper, screen, e-receipt and log.

- :mod:`kiosk.receipt.content`: ``compose(summary, store, ReceiptOptions(...))`` -> a :class:`Receipt` document of
  typed blocks (pure);
- :mod:`kiosk.receipt.layout`: ``layout(receipt, width)`` -> the lines both renderers print (pure);
- :mod:`kiosk.receipt.text`: plain text (``to_text``; ``render(summary, store, width=42, copy=False)``);
- :mod:`kiosk.receipt.escpos`: ESC/POS bytes through the hal's ReceiptBuilder (``render``, ``for_printer``, ``job``;
  ``text_receipt`` for the technician's test print);
- :mod:`kiosk.receipt.fiscal`: the ``Fiscal`` interface where the German TSE goes, and the no-op ``NoFiscal``.
"""
