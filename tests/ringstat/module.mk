# tests/ringstat: gcb-ringfeed (segments in known states for the gcb-ringstat
# tests) and the walker's unit test.

$(eval $(call gcb_program,gcb-ringfeed,tests/ringstat/gcb_ringfeed.c $(SHM_SRCS),))
