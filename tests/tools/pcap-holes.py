#!/usr/bin/env python3
"""pcap-holes.py - one IMAP session whose client sends N one-byte segments,
each followed by a one-byte hole that is never filled, in a chosen order:
the reassembly cost of a stream full of holes, whatever the arrival order.

  pcap-holes.py OUT.pcap [--holes 100000] [--order shuffled|reversed|forward]
                [--seed 1]

The client's bytes are "a1 LOGIN alice secret\\r\\n" in order, then the N
segments (offsets 2k of a region after it), then, in order again once every
hole is behind them, "a2 LOGOUT\\r\\n"; the server greets and answers a1.
Classic pcap, Ethernet, IPv4, correct checksums (pcap-dialog.py's frames).
"""
import argparse
import importlib.util
import os
import random

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("dialog", os.path.join(here, "pcap-dialog.py"))
dialog = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dialog)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("output")
    ap.add_argument("--holes", type=int, default=100000)
    ap.add_argument("--order", choices=["shuffled", "reversed", "forward"], default="shuffled")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    C, S = dialog.CLIENT, (dialog.SERVER[0], 143)
    cseq, sseq = 1000, 5000
    frames = [dialog.frame(C, S, cseq - 1, 0, 0x02), dialog.frame(S, C, sseq - 1, cseq, 0x12),
              dialog.frame(C, S, cseq, sseq, 0x10)]

    def send(src, dst, seq, ack, data):
        frames.append(dialog.frame(src, dst, seq, ack, 0x18, data))

    greet = b"* OK ready\r\n"
    send(S, C, sseq, cseq, greet)
    sseq += len(greet)
    login = b"a1 LOGIN alice secret\r\n"
    send(C, S, cseq, sseq, login)
    cseq += len(login)
    ok = b"a1 OK done\r\n"
    send(S, C, sseq, cseq, ok)
    sseq += len(ok)
    pieces = list(range(a.holes))
    if a.order == "shuffled":
        random.Random(a.seed).shuffle(pieces)
    elif a.order == "reversed":
        pieces.reverse()
    for k in pieces:
        send(C, S, cseq + 2 * k + 1, sseq, b"x")  # the byte before each is a hole
    cseq += 2 * a.holes
    bye = b"a2 LOGOUT\r\n"
    send(C, S, cseq, sseq, bye)
    cseq += len(bye)
    frames.append(dialog.frame(C, S, cseq, sseq, 0x11))
    frames.append(dialog.frame(S, C, sseq, cseq + 1, 0x11))
    frames.append(dialog.frame(C, S, cseq + 1, sseq + 1, 0x10))
    dialog.write_pcap(a.output, frames)


if __name__ == "__main__":
    main()
