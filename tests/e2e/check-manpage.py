#!/usr/bin/env python3
"""Checks that the man page and --help (made from the option table in
src/cli.c) name the same options.

  check-manpage.py HELP.txt docs/mailtap.1

Every option --help lists must be described in the man page, and every
option the man page describes (a .TP item, or the synopsis) must be one
--help lists. Prints one line per difference; exit 1 if there is any."""
import re
import sys


def help_options(text):
    """Options in the left column of --help, and the usage line."""
    opts = set()
    for line in text.splitlines():
        m = re.match(r"^  (-\S.*?)(?:\s{2,}|$)|^  (-\S+(?: \S+)?) ", line)
        if line.startswith("usage:") or line.startswith("               "):
            opts.update(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", line))
        elif m:
            opts.update(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", m.group(1) or m.group(2)))
    return opts


def man_options(roff):
    """Options the man page describes: .TP items and the synopsis."""
    described, mentioned = set(), set()
    lines = roff.splitlines()
    section = ""
    for i, line in enumerate(lines):
        if line.startswith(".SH"):
            section = line[3:].strip().strip('"')
            continue
        plain = line.replace("\\-", "-").replace("\\fR", " ").replace("\\fP", " ").replace(
            "\\fI", " ").replace("\\fB", " ")
        found = re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", plain)
        mentioned.update(found)
        if section in ("KEYS", "EXAMPLES", "SEE ALSO"):
            continue
        item = i > 0 and lines[i - 1].startswith(".TP")
        if section == "SYNOPSIS" or item:
            described.update(found)
    return described, mentioned


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        help_text = f.read()
    with open(sys.argv[2], encoding="utf-8") as f:
        roff = f.read()
    listed = help_options(help_text)
    described, mentioned = man_options(roff)
    problems = []
    if len(listed) < 20:
        problems.append(f"--help lists only {len(listed)} options: {sorted(listed)}")
    for o in sorted(listed - described):
        where = "mentioned but not described" if o in mentioned else "missing"
        problems.append(f"{o}: in --help, {where} in the man page")
    for o in sorted(described - listed):
        problems.append(f"{o}: described in the man page, not in --help")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
