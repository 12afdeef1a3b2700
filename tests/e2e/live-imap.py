#!/usr/bin/env python3
"""IMAP client side of tests/e2e/live.sh (run inside its network namespace).

  live-imap.py wait PORT SECS
      waits until an IMAP server greets on 127.0.0.1:PORT.
  live-imap.py login PORT USER PASSWORD MODE OUTPUT
      logs in with imaplib (LOGIN), then watches OUTPUT, the file mailtap's
      standard output goes to, for the credential in MODE (json, creds or
      follow) and measures how long after the login completed it appeared.
      Prints one line: "latency_ms=N" or an error; exit status 0 if the
      credential appeared, with the right fields, within LIMIT_S. MODE none
      only logs in and out. MODE tui watches a screen instead: OUTPUT is
      the socket of a tmux server whose pane "m" runs mailtap --tui, and
      the session's row (imap, CLEARTEXT, *1) and the credential note in
      its conversation must both be on it.

The clock is the client's: the login is complete when imaplib has the
server's tagged OK, the moment mailtap can first know the login succeeded.
"""
import imaplib
import json
import re
import socket
import subprocess
import sys
import time

LIMIT_S = 1.0
PATIENCE_S = 3.0  # keep looking after the limit, to tell "late" from "never"


def wait(port, secs):
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.settimeout(1)
                if s.recv(100).startswith(b"* OK"):
                    return 0
        except OSError:
            pass
        time.sleep(0.05)
    print(f"no IMAP server on 127.0.0.1:{port} after {secs} s")
    return 1


def complete_lines(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return []
    # Only whole lines: a line being written is not judged half-way.
    return data[: data.rfind(b"\n") + 1].decode("utf-8", "replace").splitlines()


def screen_lines(sock):
    try:
        r = subprocess.run(["tmux", "-S", sock, "capture-pane", "-t", "m", "-p"],
                           capture_output=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return r.stdout.decode("utf-8", "replace").splitlines()


def find_json(lines, user, password):
    for line in lines:
        try:
            ev = json.loads(line)
        except ValueError:
            return None, f"not JSON: {line[:80]}"
        if ev.get("type") != "credential" or ev.get("user") != user:
            continue
        want = {"proto": "imap", "mech": "LOGIN", "via": "LOGIN", "user": user,
                "password": password, "hash": None, "result": "success",
                "server": "127.0.0.1:143", "starttls_offered": False}
        wrong = {k: ev.get(k) for k in want if ev.get(k) != want[k]}
        if wrong:
            return None, f"credential has wrong fields: {wrong}"
        return line, None
    return None, None


def find_creds(lines, user, password):
    for line in lines:
        cols = line.split()
        if user in cols and "success" in cols and line.rstrip().endswith(password) \
                and "imap" in cols and "LOGIN" in cols and "127.0.0.1:143" in cols:
            return line, None
    return None, None


def find_follow(lines, user, password):
    want = f"** credential: imap LOGIN via LOGIN, user {user}, password {password}: success"
    for i, line in enumerate(lines):
        if line.startswith(want):
            # The conversation came before it, live too.
            before = "\n".join(lines[:i])
            if "== session" not in before or "C LOGIN" not in before:
                return None, "credential line without the session header and LOGIN line before it"
            return line, None
    return None, None


TUI_ROW = re.compile(r"127\.0\.0\.1:\d+ -> 127\.0\.0\.1:143 +imap +CLEARTEXT +\*1 ")


def find_tui(lines, user, password):
    want = f"** credential: LOGIN via LOGIN, user {user}, password {password}: success"
    if any(TUI_ROW.search(line) for line in lines) and \
            any(line.strip().startswith(want) for line in lines):
        return "\n".join(lines), None
    return None, None


def login(port, user, password, mode, output):
    find = {"json": find_json, "creds": find_creds, "follow": find_follow,
            "tui": find_tui}.get(mode)
    read = screen_lines if mode == "tui" else complete_lines
    imap = imaplib.IMAP4("127.0.0.1", port, timeout=5)
    try:
        imap.login(user, password)
        if not find:
            return 0
        done = time.monotonic()
        found, error = None, None
        while not found and not error and time.monotonic() < done + PATIENCE_S:
            found, error = find(read(output), user, password)
            if not found:
                time.sleep(0.002)
        seen = time.monotonic()
    finally:
        try:
            imap.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    if error:
        print(error)
        return 1
    if not found:
        print(f"no credential for {user} within {PATIENCE_S:.0f} s of the login")
        if mode == "tui":
            print("--- screen:\n" + "\n".join(read(output)))
        return 1
    latency = max(0.0, seen - done)
    if latency > LIMIT_S:
        print(f"credential for {user} only {latency * 1000:.0f} ms after the login "
              f"(limit {LIMIT_S * 1000:.0f} ms)")
        return 1
    print(f"latency_ms={latency * 1000:.1f}")
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "wait":
        return wait(int(argv[2]), float(argv[3]))
    if len(argv) == 7 and argv[1] == "login":
        return login(int(argv[2]), argv[3], argv[4], argv[5], argv[6])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
