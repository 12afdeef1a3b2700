"""A line-oriented TCP connection for the capture clients: reads CRLF
lines, logs both directions on stderr, and waits for the server to close."""
import socket
import sys


class LineConn:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port), timeout=20)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(4096)
            if not d:
                raise SystemExit("connection closed by server")
            self.buf += d
        l, self.buf = self.buf.split(b"\r\n", 1)
        sys.stderr.write("S: %r\n" % l)
        return l

    def send(self, data):
        sys.stderr.write("C: %r\n" % data)
        self.s.sendall(data)

    def wait_close(self):
        # wait for the server to close first, as real clients do after QUIT/LOGOUT
        try:
            while self.s.recv(4096):
                pass
        except OSError:
            pass
        self.s.close()
