#!/usr/bin/python3
"""A scripted line dialogue over one plain TCP connection (stdlib socket):
our own client for sessions that no stock client produces on purpose
(logins a server must refuse, STARTTLS followed by cleartext, HTML in a
user name).  Used by ../report-scenarios.sh.

  dialogue.py HOST PORT STEP...

STEPs, done in order:
  -e REGEX   wait until the server's bytes (after the previous match) match
             REGEX (Python re, MULTILINE|DOTALL, on bytes decoded as UTF-8)
  -s TEXT    send TEXT and CRLF (TEXT is sent as UTF-8, as given)
  --eof      wait until the server closes the connection (after LOGOUT /
             QUIT, or when it gives up), then close our side
Without a final --eof the client closes after the last step.  Every line
sent and received is logged on standard error.  Exit status 0 means every
-e matched (within 30 s each).
"""
import re
import socket
import sys
import time


def main():
    argv = sys.argv[1:]
    if len(argv) < 3:
        raise SystemExit(__doc__)
    host, port, steps = argv[0], int(argv[1]), argv[2:]
    s = socket.create_connection((host, port), timeout=30)
    buf = b""

    def recv():
        nonlocal buf
        d = s.recv(65536)
        if d:
            for l in d.split(b"\r\n"):
                if l:
                    sys.stderr.write("S: %r\n" % l)
        buf += d
        return d

    i = 0
    while i < len(steps):
        op = steps[i]
        if op == "-e":
            r = re.compile(steps[i + 1].encode("utf-8"), re.M | re.S)
            end = time.monotonic() + 30
            while True:
                m = r.search(buf)
                if m:
                    buf = buf[m.end():]
                    break
                if time.monotonic() > end:
                    raise SystemExit("timeout waiting for %r; last: %r" % (steps[i + 1], buf[-300:]))
                if not recv():
                    raise SystemExit("closed while waiting for %r; last: %r" % (steps[i + 1], buf[-300:]))
            i += 2
        elif op == "-s":
            data = steps[i + 1].encode("utf-8") + b"\r\n"
            sys.stderr.write("C: %r\n" % data)
            s.sendall(data)
            i += 2
        elif op == "--eof":
            try:
                while recv():
                    pass
            except OSError as e:
                sys.stderr.write("connection ended: %s\n" % e)
            i += 1
        else:
            raise SystemExit("unknown step %r" % op)
    s.close()


if __name__ == "__main__":
    main()
