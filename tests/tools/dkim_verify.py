#!/usr/bin/env python3
"""Verifies the DKIM signature of a message with dkimpy, against a public key given as a file
instead of DNS.   dkim_verify.py MESSAGE.eml PUBLIC_KEY.pem   (exit 0 when valid)"""
import base64, sys
import dkim

message = open(sys.argv[1], "rb").read()
pem = open(sys.argv[2]).read()
body = "".join(line for line in pem.splitlines() if "-----" not in line)
record = f"v=DKIM1; k=rsa; p={body}".encode()


def dns(name, timeout=5):
    return record


valid = dkim.verify(message, dnsfunc=dns)
print("valid" if valid else "invalid")
sys.exit(0 if valid else 1)
