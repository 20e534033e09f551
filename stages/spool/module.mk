# stages/spool: the on-disk spool in front of the fetch rings (docs/spool.md).

SPOOL_SRCS = stages/spool/gcb_spool.c stages/spool/gcb_spool_io.c \
	stages/spool/gcb_spool_seg.c stages/spool/gcb_spool_read.c \
	stages/spool/gcb_spool_pos.c stages/spool/gcb_spool_crc.c $(DIR_SRCS)
SPOOL_LIBS := $(call pkglibs,liburing)
