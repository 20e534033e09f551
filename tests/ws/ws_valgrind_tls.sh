#!/bin/sh
# ws_tls.sh with the driver under valgrind (see ws_valgrind.sh).
WS_SCRIPT=ws_tls.sh exec "$(dirname "$0")/ws_valgrind.sh"
