"""The shop's domain, pure: money and VAT, barcodes, catalog items, the basket and its pricing.

Nothing here touches a file, a socket, a clock or a random generator; the shell passes in what it needs.
"""
