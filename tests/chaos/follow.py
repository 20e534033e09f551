#!/usr/bin/python3
"""Follow Kafka topics from offset 0 until SIGTERM, one file per topic.

usage: follow.py BOOTSTRAP DIR TOPIC[:json] ...

Data topics: one line per message, "partition TAB offset TAB timestamp TAB key
TAB headers" with headers as "name=value,..." (kcat's -f '%p\t%o\t%T\t%k\t%h'
layout). ":json" topics: one JSON object per message like kcat -J
({"partition","offset","ts","key","headers":[name,value,...]}). Values are not
written. kcat itself cannot follow a chaos run: it terminates when every
broker is down, so this uses librdkafka's consumer through confluent_kafka,
which reconnects.
"""
import json
import signal
import sys

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

stop = False


def on_term(_sig, _frm):
	global stop
	stop = True


def text(b):
	return b.decode("utf-8", "replace") if isinstance(b, bytes) else (b or "")


def main():
	bootstrap, directory = sys.argv[1], sys.argv[2]
	specs = [a.split(":") for a in sys.argv[3:]]
	signal.signal(signal.SIGTERM, on_term)
	c = Consumer({"bootstrap.servers": bootstrap, "group.id": "chaos-follow",
		      "enable.auto.commit": False, "auto.offset.reset": "earliest",
		      "fetch.wait.max.ms": 100, "log_level": 0})
	out, as_json, parts = {}, {}, []
	for spec in specs:
		topic = spec[0]
		out[topic] = open("%s/%s.kafka" % (directory, topic), "w")
		as_json[topic] = len(spec) > 1 and spec[1] == "json"
		md = c.list_topics(topic, timeout=60).topics[topic]
		parts += [TopicPartition(topic, p, OFFSET_BEGINNING) for p in md.partitions]
	c.assign(parts)
	while not stop:
		msgs = c.consume(num_messages=1000, timeout=0.2)
		dirty = set()
		for m in msgs:
			if m.error():
				if m.error().code() != KafkaError._PARTITION_EOF:
					print("follow: %s" % m.error(), file=sys.stderr)
				continue
			t = m.topic()
			hs = m.headers() or []
			if as_json[t]:
				flat = []
				for k, v in hs:
					flat += [k, text(v)]
				line = json.dumps({"partition": m.partition(), "offset": m.offset(),
						   "ts": m.timestamp()[1], "key": text(m.key()),
						   "headers": flat})
			else:
				line = "%d\t%d\t%d\t%s\t%s" % (
					m.partition(), m.offset(), m.timestamp()[1], text(m.key()),
					",".join("%s=%s" % (k, text(v)) for k, v in hs))
			out[t].write(line.replace("\n", " ") if not as_json[t] else line)
			out[t].write("\n")
			dirty.add(t)
		for t in dirty:
			out[t].flush()
	c.close()
	for f in out.values():
		f.close()


if __name__ == "__main__":
	main()
