#!/usr/bin/env python3
"""pcap-flood.py - an SMTP AUTH LOGIN with a SYN flood in the middle of it:
after the user name and before the password, N spoofed SYNs to port 143
from distinct addresses (10.1.0.0/16 and up) that never go further.

  pcap-flood.py OUT.pcap [--syns 70000]

The login is erin / Flood-Proof-1 and the server accepts it (235). Classic
pcap, Ethernet, IPv4, correct checksums (pcap-dialog.py's frames).
"""
import argparse
import base64
import importlib.util
import os

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("dialog", os.path.join(here, "pcap-dialog.py"))
dialog = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dialog)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("output")
    ap.add_argument("--syns", type=int, default=70000)
    a = ap.parse_args()
    C, S = dialog.CLIENT, (dialog.SERVER[0], 587)
    seq = {"C": 1000, "S": 5000}
    frames = [dialog.frame(C, S, 999, 0, 0x02), dialog.frame(S, C, 4999, 1000, 0x12),
              dialog.frame(C, S, 1000, 5000, 0x10)]

    def say(side, data):
        src, dst = (C, S) if side == "C" else (S, C)
        other = "S" if side == "C" else "C"
        frames.append(dialog.frame(src, dst, seq[side], seq[other], 0x18, data))
        seq[side] += len(data)

    say("S", b"220 mail.example.test ESMTP\r\n")
    say("C", b"EHLO client\r\n")
    say("S", b"250-mail.example.test\r\n250 AUTH PLAIN LOGIN\r\n")
    say("C", b"AUTH LOGIN\r\n")
    say("S", b"334 VXNlcm5hbWU6\r\n")
    say("C", base64.b64encode(b"erin") + b"\r\n")
    say("S", b"334 UGFzc3dvcmQ6\r\n")
    for i in range(a.syns):
        src = (bytes([10, 1 + (i >> 16), (i >> 8) & 255, i & 255]), 1024 + i % 60000)
        frames.append(dialog.frame(src, (S[0], 143), i * 7919, 0, 0x02))
    say("C", base64.b64encode(b"Flood-Proof-1") + b"\r\n")
    say("S", b"235 2.7.0 Authentication successful\r\n")
    say("C", b"QUIT\r\n")
    say("S", b"221 2.0.0 Bye\r\n")
    dialog.write_pcap(a.output, frames)


if __name__ == "__main__":
    main()
