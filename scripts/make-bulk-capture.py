#!/usr/bin/python3
"""make-bulk-capture.py - one IMAP session fetching many large bodies, for
`make bench`: LOGIN, SELECT, then FETCH 1:N (BODY[]) answered with N
literals of SIZE bytes of text lines, the server's side in segments of
1448 bytes (each acknowledged by the client every other segment), then
LOGOUT; streamed to a classic pcap (Ethernet, IPv4, 10.0.0.1 -> 10.0.0.2:143).

    make-bulk-capture.py OUT.pcap [--messages 1600] [--size 262144]
"""
import argparse
import importlib.util
import os
import struct

# The frames of tests/tools/pcap-dialog.py (Ethernet, IPv4, checksums right).
_spec = importlib.util.spec_from_file_location(
    "pcap_dialog", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "tools",
                                "pcap-dialog.py"))
_dialog = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_dialog)
frame = _dialog.frame
C, S = _dialog.CLIENT, _dialog.SERVER


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("output")
    ap.add_argument("--messages", type=int, default=1600)
    ap.add_argument("--size", type=int, default=262144)
    a = ap.parse_args()
    out = open(a.output, "wb")
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    t = [1767225600 * 1000000]
    seq = {"C": 1000, "S": 5000}

    def put(f):
        t[0] += 10
        out.write(struct.pack("<IIII", t[0] // 1000000, t[0] % 1000000, len(f), len(f)))
        out.write(f)

    def send(side, data):
        src, dst = (C, S) if side == "C" else (S, C)
        other = "S" if side == "C" else "C"
        for k, i in enumerate(range(0, len(data), 1448)):
            piece = data[i:i + 1448]
            put(frame(src, dst, seq[side], seq[other], 0x18, piece))
            seq[side] += len(piece)
            if k % 2:
                put(frame(dst, src, seq[other], seq[side], 0x10))

    put(frame(C, S, seq["C"] - 1, 0, 0x02))
    put(frame(S, C, seq["S"] - 1, seq["C"], 0x12))
    put(frame(C, S, seq["C"], seq["S"], 0x10))
    send("S", b"* OK [CAPABILITY IMAP4rev1] ready\r\n")
    send("C", b'a1 LOGIN bulk "Bulk-Bench-1"\r\n')
    send("S", b"a1 OK Logged in\r\n")
    send("C", b"a2 SELECT INBOX\r\n")
    send("S", b"* %d EXISTS\r\na2 OK [READ-WRITE] Select completed\r\n" % a.messages)
    send("C", b"a3 FETCH 1:* (BODY[])\r\n")
    line = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\r\n"
    body = (line * (a.size // len(line) + 1))[:a.size - 2] + b"\r\n"
    for i in range(1, a.messages + 1):
        send("S", b"* %d FETCH (BODY[] {%d}\r\n" % (i, len(body)) + body + b")\r\n")
    send("S", b"a3 OK Fetch completed\r\n")
    send("C", b"a4 LOGOUT\r\n")
    send("S", b"* BYE Logging out\r\na4 OK Logout completed\r\n")
    put(frame(C, S, seq["C"], seq["S"], 0x11))
    put(frame(S, C, seq["S"], seq["C"] + 1, 0x11))
    out.close()


if __name__ == "__main__":
    main()
