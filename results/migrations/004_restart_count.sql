-- gatelab results schema, migration 4: how often a cluster restarted a run's task. Append-only like 001-003.
-- A Slurm task that is preempted or reaches its time limit checkpoints and is requeued; the run records the
-- SLURM_RESTART_COUNT of its last start, so a result says it was trained in several pieces.
ALTER TABLE runs ADD COLUMN restart_count INTEGER NOT NULL DEFAULT 0;
