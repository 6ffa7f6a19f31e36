#!/usr/bin/env python3
"""dkimpy's ARC (PyPI dkimpy, authres) for the interop tests in ../arc.rs.

  arc.py verify PORT            < message   prints pass, fail or none
  arc.py seal PORT SRVID KEYPEM < message   prints the message sealed (its AR with SRVID first)

Keys are looked up at the DNS server on 127.0.0.1:PORT (dnspython, which dkimpy uses).
"""
import sys
import dkim
import dns.resolver

mode, port = sys.argv[1], int(sys.argv[2])
resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = ["127.0.0.1"]
resolver.port = port


def dnsfunc(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    try:
        answer = resolver.resolve(name, "TXT", lifetime=timeout)
    except Exception:
        return b""
    return b"".join(b"".join(r.strings) for r in answer)


msg = sys.stdin.buffer.read()
cv, _, why = dkim.arc_verify(msg, dnsfunc=dnsfunc)
cv = (cv or b"fail").decode()
if mode == "verify":
    print(cv)
    print(why, file=sys.stderr)
    sys.exit(0)
srvid, key = sys.argv[3], open(sys.argv[4], "rb").read()
msg = b"Authentication-Results: %s; arc=%s; dkim=none\r\n" % (srvid.encode(), cv.encode()) + msg
fields = dkim.arc_sign(msg, b"2026rsa", b"example.com", key, srvid.encode(), timestamp=1767300000,
                       include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
if not fields:
    sys.exit("dkimpy did not seal")
sys.stdout.buffer.write(b"".join(fields) + msg)
