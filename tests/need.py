"""need.sh for Python tests: a module a test needs is a dependency,
installed by tools/install-deps, so its absence fails the test (exit 1,
naming the Debian package) instead of skipping a check silently.

    sys.path.insert(0, <tests/>); from need import need_py
    need_py("websockets", "python3-websockets")
"""
import importlib
import sys


def need_py(module, package):
    try:
        importlib.import_module(module)
    except ImportError:
        print("FAIL: python3 module %s not importable (Debian package %s; "
              "tools/install-deps installs it)" % (module, package))
        sys.exit(1)
