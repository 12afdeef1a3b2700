#!/usr/bin/env python3
"""Checks the shape of the source tree that docs/architecture.md describes.

  check-layout.py [ROOT]

- every .c and .h under src/ and include/ opens with a comment;
- no file under src/, include/ or tests/unit/ is over 800 lines, and
  src/main.c is under 300;
- each room includes only the headers of the rooms it may see (the table
  ROOMS below, which docs/architecture.md states in words), and the
  libraries' headers only where they belong.

Prints one line per problem; exit 1 if there is any."""
import os
import re
import sys

# Which room each of our headers belongs to.
HEADER_ROOM = {
    "base64.h": "util", "budget.h": "util", "jsonstr.h": "util", "render.h": "util",
    "siphash.h": "util", "words.h": "util",
    "session.h": "vocabulary",
    "capture.h": "capture",
    "decode.h": "decode",
    "flow.h": "flow", "reasm.h": "flow",
    "stream.h": "stream",
    "transform.h": "transform", "tls.h": "transform", "keylog.h": "transform",
    "tls_crypto.h": "transform", "tls_decrypt.h": "transform", "tls_impl.h": "transform",
    "inflate.h": "transform",
    "dissect.h": "dissect", "proto.h": "dissect", "lines.h": "dissect",
    "sasl.h": "sasl", "sasl_impl.h": "sasl",
    "event.h": "event",
    "output.h": "sinks", "outstream.h": "sinks", "report_impl.h": "sinks",
    "tui.h": "tui", "tui_model.h": "tui", "spool.h": "tui", "ui.h": "tui",
    "cli.h": "wiring", "pipeline.h": "wiring", "privs.h": "wiring",
    "explain.h": "explain", "explain_impl.h": "explain",
}

# Which room each file is in: the first pattern that matches its path.
FILE_ROOM = [
    (r"^src/util/", "util"),
    (r"^src/transform/", "transform"),
    (r"^src/proto/", "proto"),
    (r"^src/sasl/", "sasl"),
    (r"^src/sinks/", "sinks"),
    (r"^src/tui/", "tui"),
    (r"^src/explain/", "explain"),
    (r"^src/(capture|pcapng)\.c$", "capture"),
    (r"^src/(decode)\.c$", "decode"),
    (r"^src/(flow|reasm)\.c$", "flow"),
    (r"^src/dissect\.c$", "dissect"),
    (r"^src/event\.c$", "event"),
    (r"^src/session\.c$", "vocabulary"),
    (r"^src/(main|cli|pipeline|privs)\.c$", "wiring"),
]

# What a room may include, besides its own headers. The analysis half
# (capture to dissect) never sees a sink or the interface; sinks and the
# interface see only events (and the interface the source's step result);
# a transform sees no event and no protocol; util sees nothing of ours;
# the explanations of labels (and their translations) see only the
# vocabulary and the event's enums, and sinks and the interface may ask them.
ROOMS = {
    "util": set(),
    "vocabulary": set(),
    "capture": {"vocabulary"},
    "decode": {"vocabulary"},
    "stream": {"vocabulary"},
    "flow": {"vocabulary", "decode", "stream", "util"},
    "transform": {"util"},
    "sasl": {"util"},
    "event": {"vocabulary"},
    "dissect": {"vocabulary", "stream", "event", "transform", "sasl", "util"},
    "proto": {"vocabulary", "event", "dissect", "transform", "sasl", "util"},
    "explain": {"vocabulary", "event"},
    "sinks": {"vocabulary", "event", "util", "explain"},
    "tui": {"vocabulary", "event", "util", "explain"},
    "wiring": None,  # main, cli, pipeline, privs: may see every room
}

# Single headers of other rooms a room may include: the interface writes
# transcripts through the sinks' write-error stream, and reads the packet
# source's step results.
ALSO = {
    "tui": {"outstream.h", "capture.h"},
}

# Libraries' headers and the rooms that may use them.
LIBRARIES = [
    (r"^pcap", {"capture", "decode"}),
    (r"^n?cursesw?\.h$|^ncursesw?/|^term\.h$", {"tui"}),
    (r"^openssl/", {"transform"}),
    (r"^zlib\.h$|^zstd\.h$", {"transform"}),
    (r"^libintl\.h$", {"explain"}),
]

MAX_LINES = 800
MAIN_MAX = 300


def room_of_file(path):
    name = os.path.basename(path)
    if path.startswith("include/"):
        return HEADER_ROOM.get(name)
    if path.endswith(".h"):
        return HEADER_ROOM.get(name)
    for pattern, room in FILE_ROOM:
        if re.search(pattern, path):
            return room
    return None


def sources(root):
    for top in ("src", "include"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(dirpath, f), root)


def check(root):
    problems = []
    files = list(sources(root))
    if len(files) < 40:
        problems.append(f"only {len(files)} source files found under {root}")
    tests = [os.path.join("tests/unit", f) for f in os.listdir(os.path.join(root, "tests/unit"))
             if f.endswith((".c", ".h"))]
    for path in files + tests:
        with open(os.path.join(root, path), encoding="utf-8") as f:
            text = f.read()
        lines = text.count("\n")
        if lines > MAX_LINES:
            problems.append(f"{path}: {lines} lines (most {MAX_LINES})")
        if path in tests:
            continue
        if not text.lstrip().startswith("/*") or not text.startswith("/*"):
            problems.append(f"{path}: does not open with a comment saying what it is for")
        if path == "src/main.c" and lines >= MAIN_MAX:
            problems.append(f"{path}: {lines} lines (under {MAIN_MAX})")
        room = room_of_file(path)
        if room is None:
            problems.append(f"{path}: in no room (add it to check-layout.py and architecture.md)")
            continue
        may = ROOMS[room]
        for m in re.finditer(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', text, re.M):
            kind, inc = m.group(1), m.group(2)
            if kind == '"' or inc.startswith("mailtap/"):
                name = os.path.basename(inc)
                target = HEADER_ROOM.get(name)
                if target is None:
                    problems.append(f"{path}: includes {inc}, a header of no room")
                elif (may is not None and target != room and target not in may and
                      name not in ALSO.get(room, ())):
                    problems.append(f"{path} ({room}) may not include {inc} ({target})")
            else:
                for pattern, rooms in LIBRARIES:
                    if re.search(pattern, inc) and room not in rooms:
                        problems.append(f"{path} ({room}) may not include <{inc}>")
    return problems


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    problems = check(root)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
