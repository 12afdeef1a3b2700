#!/usr/bin/env python3
"""check-explain.py - every label mailtap gives a line on the bundled
captures has an explanation under --explain, in English and in each
translated language, and the translations are used.

  MAILTAP=./mailtap tests/e2e/check-explain.py

Runs `mailtap --follow --explain` over captures/ (with each TLS capture's
key log) for LANG=C, pt_BR.UTF-8, es_ES.UTF-8 and fr_FR.UTF-8. A labelled
line ("C LOGIN ..." or "S 250 ...", not "(decoded)") must be followed by its
explanation ("               = ..."); a translated run must differ from the
English one on nearly every explanation (a catalogue that did not load
gives English). Exit status 1 on any failure, listing the labels."""
import glob
import os
import re
import subprocess
import sys

LANGS = ["C", "pt_BR.UTF-8", "es_ES.UTF-8", "fr_FR.UTF-8"]
LINE = re.compile(r"^([CS]) (.{12}) ")
EXPL = " " * 15 + "= "


def locale_dir(binary):
    here = os.path.dirname(os.path.abspath(binary))
    for d in (os.path.join(here, "build", "locale"), os.path.join(here, "locale")):
        if os.path.isdir(d):
            return d
    return None


def run(binary, cap, lang):
    env = dict(os.environ)
    for k in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        env.pop(k, None)
    env["LANG"] = lang
    d = locale_dir(binary)
    if d:
        env["MAILTAP_LOCALEDIR"] = d
    keys = cap.rsplit(".", 1)[0] + ".keys"
    args = [binary, "-q", "-r", cap, "--follow", "--explain", "--color=never"]
    if os.path.exists(keys):
        args += ["--keylog", keys]
    out = subprocess.run(args, env=env, stdout=subprocess.PIPE, check=True).stdout
    return out.decode("utf-8", "replace").split("\n")


def explanations(lines, cap, missing):
    """The explanation under each labelled line; records labels without."""
    found = []
    for i, l in enumerate(lines):
        m = LINE.match(l)
        if not m or not m.group(2).strip() or m.group(2).strip() == "(decoded)":
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if nxt.startswith(EXPL):
            found.append(nxt[len(EXPL):])
        else:
            missing.add((os.path.basename(cap), m.group(1), m.group(2).strip()))
    return found


def main():
    binary = os.environ.get("MAILTAP", "./mailtap")
    caps = sorted(glob.glob("captures/*.pcap") + glob.glob("captures/*.pcapng"))
    failures = 0
    labelled = 0
    english = {}
    for lang in LANGS:
        missing = set()
        same = total = 0
        for cap in caps:
            found = explanations(run(binary, cap, lang), cap, missing)
            if lang == "C":
                english[cap] = found
                labelled += len(found)
            else:
                if len(found) != len(english[cap]):
                    print("FAIL: %s %s: %d explanations, %d in English" %
                          (lang, cap, len(found), len(english[cap])))
                    failures += 1
                total += len(found)
                same += sum(1 for a, b in zip(found, english[cap]) if a == b)
        for cap, d, label in sorted(missing):
            print("FAIL: %s: no explanation of %s line %r in %s" % (lang, d, label, cap))
            failures += 1
        if lang != "C" and total and same > total // 20:
            print("FAIL: %s: %d of %d explanations are the English ones" % (lang, same, total))
            failures += 1
    print("explain: %d labelled lines in %d captures, %d languages, %d failures" %
          (labelled, len(caps), len(LANGS), failures))
    return 1 if failures or labelled == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
