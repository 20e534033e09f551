# Sourced by test scripts: a tool a test needs is a dependency, installed by
# tools/install-deps, so its absence fails the test (exit 1, naming the
# Debian package) instead of skipping a check silently.
#
#   need_cmd COMMAND PACKAGE    an executable on PATH
#   need_py MODULE PACKAGE      a module /usr/bin/python3 can import

need_cmd() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "FAIL: $1 not found (Debian package $2; tools/install-deps installs it)"
	exit 1
}

need_py() {
	need_cmd /usr/bin/python3 python3
	/usr/bin/python3 -c "import $1" 2>/dev/null && return 0
	echo "FAIL: python3 module $1 not importable (Debian package $2; tools/install-deps installs it)"
	exit 1
}
