# lib/: what every process uses (docs/architecture.md): log, clock, process
# identity, private state directory, file operations, growable buffer and
# array, the HTTP client and its body sink, the JSON scanner, the UTF-8 check.

LOG_SRCS := lib/gcb_log.c
BUF_SRCS := lib/gcb_buf.c
ARRAY_SRCS := lib/gcb_array.c
HTTP_SINK_SRCS := lib/gcb_http_sink.c $(BUF_SRCS)
HTTP_SRCS := lib/gcb_http.c $(HTTP_SINK_SRCS)
HTTP_LIBS := $(call pkglibs,libcurl)
JSON_SRCS := lib/gcb_json.c
UTF8_SRCS := lib/gcb_utf8.c
DIR_SRCS := lib/gcb_dir.c
PROC_SRCS := lib/gcb_proc.c
