"""Receipts: layout of a finished transaction for the printer and the e-receipt."""
