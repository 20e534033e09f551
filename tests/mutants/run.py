#!/usr/bin/python3
"""make mutants: deliberate one-line bugs, one at a time, each of which a
test must catch.

    tests/mutants/run.py [--list FILE] [--keep] [NAME...]
    tests/mutants/run.py --check [--list FILE] [NAME...]

Reads tests/mutants/mutants.txt (format below), copies the repository to a
scratch directory (never touching the work tree), builds it once and runs
every test the list names on the unchanged code: those must pass, or a
"caught" would mean nothing. Then, for each mutant: replaces its line,
rebuilds (incrementally), runs the tests that should notice it through
tests/run, puts the line back. Prints a table "mutant | test | caught" and
exits 1 unless every mutant was caught. NAME... runs only those mutants.

--check builds and runs nothing: it only says whether every mutant still
applies to the work tree (its file exists, its 'from' line is found as
stated) and names tests that exist, so a moved file or an edited line is
noticed at once (tests/mutants/mutants_apply.sh, run by make check).

mutants.txt: blocks separated by blank lines; '#' lines are comments.

    == NAME: what the bug does
    file PATH            (relative to the repository)
    from TEXT            (one line of PATH, compared without its indentation;
                          it must occur exactly once, unless nth says which)
    nth N                (optional: the Nth line equal to TEXT, from 1)
    to TEXT              (what the line becomes; the indentation is kept)
    test TEST...         (bin/PROGRAM or a script, as tests/run takes them)
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def parse(path):
    """The mutants of the list, in order: dicts name, what, file, from, to, tests."""
    out, cur = [], None
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            key, _, val = line.partition(" ")
            if key == "==":
                name, _, what = val.partition(": ")
                cur = {"name": name.strip(), "what": what.strip(), "line": n}
                out.append(cur)
            elif cur is not None and key in ("file", "from", "to", "test", "nth"):
                cur[key] = val.strip()
            else:
                sys.exit("%s:%d: cannot parse %r" % (path, n, line))
    for m in out:
        for k in ("file", "from", "to", "test"):
            if k not in m:
                sys.exit("%s:%d: mutant %s lacks '%s'" % (path, m["line"], m["name"], k))
        m["tests"] = m.pop("test").split()
    names = [m["name"] for m in out]
    dups = {x for x in names if names.count(x) > 1}
    if dups:
        sys.exit("%s: names used twice: %s" % (path, ", ".join(sorted(dups))))
    return out


def mutate(tree, m):
    """Applies m in tree; returns the original text of the file."""
    path = os.path.join(tree, m["file"])
    with open(path) as f:
        text = f.read()
    lines = text.split("\n")
    hits = [i for i, l in enumerate(lines) if l.strip() == m["from"]]
    nth = int(m.get("nth", "0"))
    if (nth == 0 and len(hits) != 1) or nth > len(hits):
        raise ValueError("%s: 'from' matches %d lines of %s" % (m["name"], len(hits), m["file"]))
    i = hits[nth - 1 if nth else 0]
    indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
    if m["to"] == m["from"]:
        raise ValueError("%s: 'to' equals 'from'" % m["name"])
    lines[i] = indent + m["to"]
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return text


def check(mutants):
    """0 when every mutant applies to the work tree and names existing tests."""
    bad = 0
    for m in mutants:
        try:
            if not os.path.isfile(os.path.join(ROOT, m["file"])):
                raise ValueError("%s: no file %s" % (m["name"], m["file"]))
            with tempfile.TemporaryDirectory() as tmp:
                dst = os.path.join(tmp, m["file"])
                os.makedirs(os.path.dirname(dst))
                shutil.copy(os.path.join(ROOT, m["file"]), dst)
                mutate(tmp, m)
            for t in m["tests"]:
                if not t.startswith("bin/") and not os.path.isfile(os.path.join(ROOT, t)):
                    raise ValueError("%s: no test %s" % (m["name"], t))
        except ValueError as e:
            print("mutants.txt: %s" % e)
            bad += 1
    print("%d mutants, %d apply" % (len(mutants), len(mutants) - bad))
    return 1 if bad else 0


def restore(tree, m, text):
    with open(os.path.join(tree, m["file"]), "w") as f:
        f.write(text)


def make(tree, log):
    return subprocess.run(["make", "-j%d" % (os.cpu_count() or 2), "all"], cwd=tree,
                          stdout=log, stderr=subprocess.STDOUT).returncode == 0


TIMEOUT_S = 300  # a mutant can make a test wait forever: that is a test noticing it


def run_tests(tree, tests, log, timeout=TIMEOUT_S):
    """tests/run's exit status; "timeout" when the tests did not end in `timeout` s."""
    env = dict(os.environ, GCB_BIN="bin", T="")
    p = subprocess.Popen([os.path.join(tree, "tests", "run"), "-j", "1"] + tests, cwd=tree,
                         env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        log.write("\n(killed after %d s)\n" % timeout)
        return "timeout"


def copy_tree(dst):
    """The repository's files (tracked and new, not ignored) into dst."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, check=True, stdout=subprocess.PIPE).stdout.split(b"\0")
    for rel in files:
        if not rel:
            continue
        rel = rel.decode()
        src = os.path.join(ROOT, rel)
        if not os.path.lexists(src):
            continue  # deleted in the work tree, not yet in the index
        os.makedirs(os.path.dirname(os.path.join(dst, rel)) or dst, exist_ok=True)
        shutil.copy2(src, os.path.join(dst, rel), follow_symlinks=False)


def main():
    args = sys.argv[1:]
    listfile = os.path.join(HERE, "mutants.txt")
    keep = False
    only_check = "--check" in args
    if only_check:
        args.remove("--check")
    if "--keep" in args:
        keep = True
        args.remove("--keep")
    if "--list" in args:
        i = args.index("--list")
        listfile = args[i + 1]
        del args[i:i + 2]
    mutants = parse(listfile)
    if args:
        unknown = set(args) - {m["name"] for m in mutants}
        if unknown:
            sys.exit("no such mutant: %s" % ", ".join(sorted(unknown)))
        mutants = [m for m in mutants if m["name"] in args]
    if only_check:
        return check(mutants)

    tree = tempfile.mkdtemp(prefix="gcb-mutants.", dir=os.environ.get("TMPDIR", "/tmp"))
    logpath = os.path.join(tree, "mutants.log")
    try:
        copy_tree(tree)
        with open(logpath, "w") as log:
            print("mutants: building a copy of the repository in %s" % tree, flush=True)
            if not make(tree, log):
                sys.exit("the unchanged copy does not build; see %s" % logpath)
            # Each 'from' line must be where the list says, before anything runs.
            for m in mutants:
                try:
                    restore(tree, m, mutate(tree, m))
                except ValueError as e:
                    sys.exit("mutants.txt: %s" % e)
            tests = sorted({t for m in mutants for t in m["tests"]})
            print("mutants: the %d tests they use, on the unchanged code" % len(tests), flush=True)
            log.flush()
            # Every test of the list, one after another: each gets what one
            # mutant's run gets.
            if run_tests(tree, tests, log, TIMEOUT_S * len(tests)) != 0:
                log.close()
                with open(logpath) as f:
                    sys.stdout.write(f.read()[-4000:])
                sys.exit("a test fails on the unchanged code: no mutant can be judged")
            rows = []
            for m in mutants:
                print("mutants: %s" % m["name"], flush=True)
                text = mutate(tree, m)
                log.write("\n==== %s: %s\n" % (m["name"], m["what"]))
                log.flush()
                try:
                    if not make(tree, log):
                        verdict = "does not build"
                    else:
                        log.flush()
                        rc = run_tests(tree, m["tests"], log)
                        verdict = "NO" if rc == 0 else (
                            "yes (the test hung: killed after %d s)" % TIMEOUT_S
                            if rc == "timeout" else "yes")
                finally:
                    restore(tree, m, text)
                rows.append((m, verdict))
            make(tree, log)
        print()
        print("| mutant | what it breaks | test | caught |")
        print("|---|---|---|---|")
        for m, v in rows:
            print("| %s | %s | %s | %s |" % (m["name"], m["what"],
                                            " ".join(os.path.basename(t) for t in m["tests"]), v))
        missed = [m["name"] for m, v in rows if not v.startswith("yes")]
        print()
        print("%d mutants, %d caught%s" % (len(rows), len(rows) - len(missed),
                                            (": not caught: " + ", ".join(missed)) if missed else ""))
        return 1 if missed else 0
    finally:
        if keep:
            print("mutants: scratch copy kept in %s" % tree)
        else:
            shutil.rmtree(tree, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
