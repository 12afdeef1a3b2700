#!/usr/bin/env python3
"""Writes a classic pcap to standard output in two parts, for the test of
a key log that grows while mailtap reads: the first N frames, then (after
the key log lines are appended to a file mailtap already has open) the
rest.

  stream-pcap.py PCAP N KEYS_FROM KEYS_TO
  stream-pcap.py PCAP N --exec COMMAND

Between the parts it waits a little so that mailtap has read the first
one, copies KEYS_FROM to the end of KEYS_TO (or runs the shell COMMAND,
e.g. to put something in the place of a file mailtap writes), and waits
again."""
import shutil
import subprocess
import struct
import sys
import time


def main():
    path, first, src, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    with open(path, "rb") as f:
        data = f.read()
    order = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off, n = 24, 0
    while off + 16 <= len(data) and n < first:
        caplen = struct.unpack(order + "I", data[off + 8:off + 12])[0]
        off += 16 + caplen
        n += 1
    out = sys.stdout.buffer
    out.write(data[:off])
    out.flush()
    time.sleep(0.5)
    if src == "--exec":
        subprocess.run(dst, shell=True, check=True)
    else:
        with open(src, "rb") as a, open(dst, "ab") as b:
            shutil.copyfileobj(a, b)
    time.sleep(0.2)
    out.write(data[off:])
    out.flush()


if __name__ == "__main__":
    main()
