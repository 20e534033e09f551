# stages/coord: group coordination and the state topic (docs/multihost.md),
# part of the fetcher stage: the fetcher is the group member, because the
# source is what a unit's owner runs and drains. stages/fetcher/module.mk
# adds COORD_SRCS / COORD_LIBS to the fetcher's.

COORD_SRCS := stages/coord/gcb_coord.c stages/coord/gcb_coord_state.c
COORD_LIBS := $(call pkglibs,rdkafka libcjson)
