#!/usr/bin/python3
"""A burst of parallel POP3 logins (stdlib sockets and threads), as a
password-guessing tool makes them, for ../ext-scenarios.sh: one connection
per password, all opened at once (a barrier releases the USER commands
together); each reads the greeting, sends USER and PASS, then QUIT, and
waits for the server to close.  The passwords are --wrong-count wrong ones
(PREFIX01, PREFIX02, ...) and the right one, tried by the last thread.
Exits non-zero unless exactly the right password logs in.
"""
import argparse
import sys
import threading

from lineconn import LineConn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("--wrong-prefix", default="Not-Pass-")
    ap.add_argument("--wrong-count", type=int, default=20)
    a = ap.parse_args()
    tries = ["%s%02d" % (a.wrong_prefix, i) for i in range(1, a.wrong_count + 1)]
    tries.append(a.password)
    barrier = threading.Barrier(len(tries))
    results = [None] * len(tries)
    lock = threading.Lock()

    def one(i, pw):
        try:
            c = LineConn(a.host, a.port)
            with lock:
                greeting = c.line()
            if not greeting.startswith(b"+OK"):
                raise SystemExit("bad greeting %r" % greeting)
            barrier.wait(timeout=30)
            c.send(b"USER %s\r\n" % a.user.encode())
            c.line()
            c.send(b"PASS %s\r\n" % pw.encode())
            res = c.line()
            results[i] = res.startswith(b"+OK")
            c.send(b"QUIT\r\n")
            c.line()
            c.wait_close()
        except BaseException as e:   # noqa: BLE001 - reported below
            sys.stderr.write("connection %d: %r\n" % (i, e))
            results[i] = "error"

    threads = [threading.Thread(target=one, args=(i, pw)) for i, pw in enumerate(tries)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sys.stderr.write("results: %r\n" % results)
    if results != [False] * a.wrong_count + [True]:
        raise SystemExit("unexpected results %r" % results)


if __name__ == "__main__":
    main()
