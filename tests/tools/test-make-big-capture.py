#!/usr/bin/python3
"""test-make-big-capture.py - checks of scripts/make-big-capture.py.

Usage:
    test-make-big-capture.py [--size-mb 30] [--keep DIR] [SRC.pcap ...]

Uses the synthetic edge-case capture of test-pcap-mangle.py plus the SRC
files given as sources, builds small captures and checks with the
independent pcap-streams.py that:

  * the output is at least the size asked for, deterministic for a seed,
    and changes with the seed; checksums are right, time never goes back;
  * replay only (--replay-ratio 1): every stream is byte-identical to a
    stream of the sources, and there are two streams per session;
  * synthetic only: every stream is complete (no hole, no conflict) and
    protocol-correct (IMAP literal length exact, POP3 / SMTP data ends
    with a lone '.', no undoubled leading dot, session closes properly);
  * --reorder only changes the packet order: streams identical to the run
    without it, no data moved across a SYN/FIN/RST; --loss leaves the
    dropped bytes as holes;
  * several link types can be written and read back.

Ends with 'N passed, N failed'; exit status 1 if anything failed.
"""

import argparse
import collections
import filecmp
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIG = os.path.join(ROOT, "scripts", "make-big-capture.py")
STREAMS = os.path.join(HERE, "pcap-streams.py")
PY = sys.executable or "/usr/bin/python3"


def load(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"),
                                                  os.path.join(HERE, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def big(out, args):
    r = run([PY, BIG, out] + args)
    if r.returncode:
        raise RuntimeError("make-big-capture failed: " + r.stderr[-500:])
    m = re.search(r"(\d+) sessions", r.stdout)
    d = re.search(r"(\d+) data packets dropped \((\d+) bytes\)", r.stdout)
    return r.stdout, int(m.group(1)), int(d.group(2))


def streams(path, dump=None):
    cmd = [PY, STREAMS, path, "--check"] + (["--dump", dump] if dump else [])
    r = run(cmd)
    lines = r.stdout.splitlines()
    return r.returncode, lines, r.stderr


def body(line):
    """The part of a pcap-streams line after the addresses."""
    return line.split(" ", 5)[5]


def protocol_errors(dump):
    errs = []
    for f in sorted(os.listdir(dump)):
        m = re.match(r"\d_(.*)\.(\d+)-(.*)\.(\d+)_#\d+\.bin$", f)
        if not m:
            continue
        sport, dport = int(m.group(2)), int(m.group(4))
        with open(os.path.join(dump, f), "rb") as fh:
            b = fh.read()
        ok = True
        if sport == 143:
            lit = re.search(rb"\* 1 FETCH \(BODY\[\] \{(\d+)\}\r\n", b)
            ok = lit is not None
            if ok:
                n = int(lit.group(1))
                ok = (b[lit.end() + n:].startswith(b")\r\na3 OK FETCH completed\r\n")
                      and b[lit.end():lit.end() + n].endswith(b"\r\n")
                      and b.endswith(b"a4 OK LOGOUT completed\r\n"))
        elif sport == 110:
            ok = (b.endswith(b"\r\n.\r\n+OK bye\r\n") and b.count(b"\r\n.\r\n") == 1
                  and re.search(rb"\r\n\.[^.\r]", b) is None)
        elif dport == 25:
            ok = (b.endswith(b"\r\n.\r\nQUIT\r\n") and b.count(b"\r\n.\r\n") == 1
                  and re.search(rb"\r\n\.[^.\r]", b) is None)
        elif dport == 143:
            ok = b.endswith(b"a4 LOGOUT\r\n")
        elif dport == 110:
            ok = b.endswith(b"QUIT\r\n")
        elif sport == 25:
            ok = b.endswith(b"221 2.0.0 bye\r\n")
        if not ok:
            errs.append("protocol error in " + f)
    return errs


def main():
    ap = argparse.ArgumentParser(description="Checks of make-big-capture.py")
    ap.add_argument("sources", nargs="*")
    ap.add_argument("--size-mb", type=float, default=30)
    ap.add_argument("--keep")
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="bigcap-test-")
    os.makedirs(work, exist_ok=True)
    passed = failed = 0

    def result(name, errs):
        nonlocal passed, failed
        if errs:
            failed += 1
            print("FAIL %s: %s" % (name, "; ".join(errs[:5])))
        else:
            passed += 1
            print("ok   %s" % name)
        sys.stdout.flush()

    synth = os.path.join(work, "synthetic.pcap")
    load("test-pcap-mangle").synthetic_pcap(synth)
    srcs = [synth] + a.sources
    size = str(a.size_mb)
    p = lambda n: os.path.join(work, n)

    # size, determinism, seed, checksums
    try:
        out1, n1, _ = big(p("a.pcap"), ["--size-mb", size] + srcs)
        big(p("b.pcap"), ["--size-mb", size] + srcs)
        big(p("c.pcap"), ["--size-mb", size, "--seed", "2"] + srcs)
    except RuntimeError as e:
        result("build", [str(e)])
        print("%d passed, %d failed" % (passed, failed))
        return 1
    errs = []
    if os.path.getsize(p("a.pcap")) < a.size_mb * 1e6:
        errs.append("smaller than asked")
    if not filecmp.cmp(p("a.pcap"), p("b.pcap"), shallow=False):
        errs.append("not deterministic")
    if filecmp.cmp(p("a.pcap"), p("c.pcap"), shallow=False):
        errs.append("seed has no effect")
    rc, lines, err = streams(p("a.pcap"))
    if rc:
        errs.append("check failed: " + err.strip())
    if len(lines) != 2 * n1:
        errs.append("%d streams for %d sessions" % (len(lines), n1))
    if any(" #0 " not in x for x in lines):
        errs.append("an address/port pair was used twice")
    result("mixed: size, determinism, checksums, distinct flows", errs)

    # replay only: streams identical to the sources'
    src_bodies = set()
    for s in srcs:
        rc, lines, err = streams(s)
        src_bodies.update(body(x) for x in lines)
    _, n, _ = big(p("r.pcap"), ["--size-mb", str(a.size_mb / 3), "--replay-ratio", "1",
                                "--concurrency", "16"] + srcs)
    rc, lines, err = streams(p("r.pcap"))
    errs = []
    if rc:
        errs.append("check failed: " + err.strip())
    missing = [x for x in lines if body(x) not in src_bodies]
    if missing:
        errs.append("%d streams not found in the sources, e.g. %s" % (len(missing), missing[0]))
    if len(lines) != 2 * n:
        errs.append("%d streams for %d sessions" % (len(lines), n))
    result("replay only: streams identical to the sources'", errs)

    # synthetic only: complete and protocol-correct
    dump = p("dump")
    shutil.rmtree(dump, ignore_errors=True)
    _, n, _ = big(p("s.pcap"), ["--size-mb", str(a.size_mb / 3), "--synthetic-mb", "0.05,0.8",
                                "--ipv6", "40", "--concurrency", "24"])
    rc, lines, err = streams(p("s.pcap"), dump)
    errs = []
    if rc:
        errs.append("check failed: " + err.strip())
    if any("holes=0 conflicts=0 after_fin=0" not in x for x in lines):
        errs.append("incomplete stream")
    if len(lines) != 2 * n:
        errs.append("%d streams for %d sessions" % (len(lines), n))
    errs += protocol_errors(dump)
    ports = collections.Counter(int(re.search(r":(\d+) > ", x).group(1)) for x in lines)
    if not all(ports[q] for q in (25, 110, 143)):
        errs.append("not all protocols present: %s" % dict(ports))
    result("synthetic only: complete, protocol-correct", errs)

    # faults
    base_rc, base, _ = streams(p("a.pcap"))
    big(p("ro.pcap"), ["--size-mb", size, "--reorder", "5"] + srcs)
    rc, lines, err = streams(p("ro.pcap"))
    errs = []
    if rc:
        errs.append("check failed: " + err.strip())
    if lines != base:
        errs.append("--reorder changed the streams")
    if filecmp.cmp(p("a.pcap"), p("ro.pcap"), shallow=False):
        errs.append("--reorder changed nothing")
    # same sessions and flows as a.pcap: no data may cross a SYN/FIN/RST
    tm = load("test-pcap-mangle")
    ref = tm.Analysis(p("a.pcap"))
    errs += tm.check_ordering(ref, tm.Analysis(p("ro.pcap"), ref))
    result("--reorder keeps the streams", errs)

    _, _, dropped = big(p("lo.pcap"), ["--size-mb", size, "--loss", "2"] + srcs)
    rc, lines, err = streams(p("lo.pcap"))
    holes = sum(int(re.search(r"holes=(\d+)", x).group(1)) for x in lines)
    base_holes = sum(int(re.search(r"holes=(\d+)", x).group(1)) for x in base)
    errs = []
    if rc:
        errs.append("check failed: " + err.strip())
    # a dropped last segment of a stream is no hole: holes <= dropped
    if not 0 < holes - base_holes <= dropped or dropped == 0:
        errs.append("holes %d (base %d) vs dropped %d bytes" % (holes, base_holes, dropped))
    result("--loss leaves holes of the dropped bytes", errs)

    for lt in ("sll", "sll2", "null", "loop", "raw"):
        big(p("lt.pcap"), ["--size-mb", "3", "--linktype", lt] + srcs)
        rc, lines, err = streams(p("lt.pcap"))
        errs = []
        if rc:
            errs.append("check failed: " + err.strip())
        if not lines:
            errs.append("no streams read back")
        result("--linktype %s" % lt, errs)

    print("%d passed, %d failed" % (passed, failed))
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
