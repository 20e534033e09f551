#!/bin/sh
# gcb-ringstat --dump on known records: headers, decoded EVENT / AVRO / DLQ
# payloads, hex + printable columns, --count and --bytes, corrupt rings.
. "$GCB_ROOT/tests/ringstat/ringstat_lib.sh"

inst dump
feed crashed "$I"

rs --dump fetch.0 --count 0 "$I"
expect_rc 0 "dump fetch.0"
expect_out '^ring 0 fetch.0: release 0 read 0 tail 720$'
[ "$(grep -c ' EVENT ' "$TMP/out")" = 5 ] || fail "five EVENT records"
expect_out '^offset 0 +pos 0 +EVENT +length 127 flags 0x0000 seq 1 unread$'
expect_out '^offset 144 +pos 144 +EVENT +length 127 flags 0x0000 seq 2 unread$'
expect_out '^offset 288 +pos 288 +EVENT +length 127 flags 0x0001 \(batch_end\) seq 3 unread$'
expect_out '^offset 576 +pos 576 +EVENT +length 127 flags 0x0001 \(batch_end\) seq 5 unread$'
expect_out '^    json +"\{\\"id\\":\\"ev-4\\",\\"topicName\\":\\"v2.detail.events.conversation.start\\"\}"$'
# The batch's cursor, from its slot (records do not carry it).
expect_out '^    cursor +"cursor-2"$'
expect_out '^    stream +"stream-a"$'
expect_out '^    received +2026-01-01T00:00:00.003Z$'
# Hex like hexdump -C: offset, two groups of eight bytes, printable column.
expect_out '^    00000000  01 00 00 00 00 00 00 00  01 a8 da 76 9b 01 00 00  \|\.\.\.\.\.\.\.\.\.\.\.v\.\.\.\.\|$'
expect_out '^    00000020  77 00 00 00 08 00 00 00  00 00 00 00 00 00 00 00  \|w\.\.\.\.\.\.\.\.\.\.\.\.\.\.\.\|$'
expect_out '^    \.\.\. 63 more bytes$'
expect_out '^5 records shown$'

rs --dump out.0 "$I"
expect_rc 0 "dump out.0"
expect_out '^offset 0 +pos 0 +AVRO +length 205 flags 0x0000 seq 1 unread$'
expect_out '^    schema_ref +id 7 version 3 fingerprint 0123456789abcdef$'
expect_out '^    topic +"gcb.conversations"$'
expect_out '^    key +"conv-1"$'
expect_out '^    value +9 bytes \(Confluent-framed Avro\)$'
expect_out '^    schema +"genesys.ConversationStart"$'
expect_out '^offset 224 +pos 224 +DLQ +length 231 flags 0x0000 seq 2 unread$'
expect_out '^    topic +"gcb.dlq"$'
expect_out '^    error_reason +"missing_field"$'
expect_out '^    error_field +"data.disposition.code"$'
expect_out '^    error_detail +"required field absent"$'
expect_out '^    cursor +"cursor-1"$' # its batch's, from the slot

# By index, limited count and bytes.
rs --dump 0 --count 2 --bytes 16 "$I"
expect_rc 0 "dump by index"
[ "$(grep -c ' EVENT ' "$TMP/out")" = 2 ] || fail "--count 2"
[ "$(grep -c '^    000000' "$TMP/out")" = 2 ] || fail "--bytes 16: one hex line per record"
expect_out '^    \.\.\. 111 more bytes$'
expect_out '^2 records shown \(--count reached\)$'

rs --dump nosuchring "$I"
expect_rc 2 "unknown ring"
expect_out 'no ring "nosuchring"' "$TMP/err"
rs --dump 7 "$I"
expect_rc 2 "ring index out of range"

# A corrupt ring: the records before the bad header, then the finding.
inst dump-corrupt
feed corrupt-length "$I"
rs --dump fetch.0 --bytes 0 "$I"
expect_rc 1 "dump corrupt"
[ "$(grep -c ' EVENT ' "$TMP/out")" = 2 ] || fail "two records before the corruption"
expect_out '^corrupt at offset 288 \(pos 288\): bad length: length 32753 > max_record 32752$'
echo "ringstat dump ok"
