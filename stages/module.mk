# stages/: what every stage process shares with the supervisor.

STAGE_SRCS := stages/gcb_stage.c
