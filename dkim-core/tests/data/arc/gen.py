#!/usr/bin/env python3
"""Regenerates the ARC chains in this folder with dkimpy (pip install dkimpy pynacl).

Each hop first adds its Authentication-Results (authserv-id hopN.example), then
dkimpy's arc_sign seals with the example RSA key (examples/data/rsa2048.pem,
d=example.com, s=2026rsa). Keys for verification: examples/data/dns.zone.
Timestamps are fixed (1767225600 + hop), so the output is reproducible.
"""
import pathlib, dkim

here = pathlib.Path(__file__).resolve().parent
data = here.parents[3] / "examples" / "data"
key = (data / "rsa2048.pem").read_bytes()

base = (b"From: Joe <joe@example.com>\r\nTo: list@lists.example.net\r\n"
        b"Subject: ARC test\r\nDate: Thu, 01 Jan 2026 00:00:00 +0000\r\n"
        b"Message-ID: <arc-test@example.com>\r\n\r\n"
        b"Hello, this is the body.\r\nIt has two lines.\r\n")

def hop(msg, n, arc=None):
    """Hop n: its Authentication-Results (with arc=ARC when given: the chain
    result it found, which dkimpy turns into cv=), then dkimpy's seal."""
    arc_result = b"" if arc is None else b" arc=%s;" % arc
    ar = b"Authentication-Results: hop%d.example;%s dkim=none; spf=pass smtp.mailfrom=example.com\r\n" % (n, arc_result)
    msg = ar + msg
    fields = dkim.arc_sign(msg, b"2026rsa", b"example.com", key, b"hop%d.example" % n, timestamp=1767225600 + n)
    return b"".join(fields) + msg

m1 = hop(base, 1)
(here / "chain1.eml").write_bytes(m1)
m2 = hop(m1, 2, b"pass")
(here / "chain2.eml").write_bytes(m2)
m3 = hop(m2, 3, b"pass")
(here / "chain3.eml").write_bytes(m3)
# The body changed after the second seal (a list footer), then sealed again.
broken = m2 + b"-- \r\nlist footer\r\n"
(here / "chain2-footer.eml").write_bytes(broken)
# Hop 3 found the chain broken (arc=fail) and sealed with cv=fail.
(here / "chain3-sealed-fail.eml").write_bytes(hop(broken, 3, b"fail"))
