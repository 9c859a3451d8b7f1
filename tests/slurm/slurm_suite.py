#!/usr/bin/env python3
"""The Slurm backend against a real cluster: a throwaway single-node slurmctld + slurmd on localhost
(slurm_cluster.py), a small sweep submitted as one job array with at most 2 tasks at once, and checks that

- every task completes and the merged DB holds the same runs and metrics as the same sweep run locally;
- a task sent SIGUSR1 checkpoints, requeues itself, restarts (SLURM_RESTART_COUNT 1, recorded on the run) and
  finishes with no duplicated metric rows and the metrics of the uninterrupted run;
- a task whose run is killed with SIGKILL leaves a shard that merges up to its last committed step, and the
  requeued task resumes and finishes;
- a cancelled task's run is marked cancelled while the others finish;
- merging twice adds 0 rows.

The daemons are stopped by the PIDs this script started and the cluster folder is removed, also on failure.
Prints the timings (cluster start, sweep, requeue) and exits 0 only when every check passed.
Usage: slurm_suite.py GATELAB_BINARY
"""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import slurm_cluster  # noqa: E402

TOLERANCE = 1e-6  # resumed runs do the same float arithmetic (one thread): equal up to printing, in practice 0

# Five small MQAR runs checkpointing every 10 steps, so a signal or a kill lands mid-run. RUN_STEPS is long enough
# that a run is still training when the test has cancelled task 4 and read `sweep status` (two process starts and
# the cluster's commands): at 300 steps a run on an unloaded CI machine finished in 9 s, before that. Task i of
# the array runs run i (plan order).
RUN_STEPS = 1200
GRID = """name: slurmtest
base:
  model: {d_model: 16, n_heads: 2, n_layers: 1, mlp: none}
  task: {name: mqar, seq_len: 32, mqar: {num_kv: 4, vocab: 64, train_examples: 512, test_examples: 64}}
  train: {steps: RUN_STEPS, batch_size: 8, warmup_steps: 4, eval_every: 400, log_every: 5, checkpoint_every: 10,
          eval_batches: 2}
grid:
  model.attn.kind: [linear, softmax]
  train.lr: [3.0e-3, 1.0e-3]
include:
  - {model.attn.kind: linear, model.d_model: 24}
""".replace("RUN_STEPS", str(RUN_STEPS))


class Failed(Exception):
    pass


def check(ok, message):
    if not ok:
        raise Failed(message)


def query(db_path, sql, args=()):
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        return db.execute(sql, args).fetchall()


def metric_rows(db_path, run_id):
    """{(step, split, key): value} of one run's measurements but throughput (a property of the machine)."""
    rows = query(db_path, "SELECT step, split, key, value FROM metrics WHERE run_id = ? AND key != 'tokens_per_s'",
                 (run_id,))
    return {(r[0], r[1], r[2]): r[3] for r in rows}


def same_metrics(reference, actual):
    if set(reference) != set(actual):
        return False
    return all((v is None) == (actual[k] is None) and (v is None or abs(v - actual[k]) <= TOLERANCE)
               for k, v in reference.items())


def wait_for(what, condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise Failed(f"timed out after {timeout} s waiting for {what}")


class Suite:
    def __init__(self, binary, workdir, cluster):
        self.binary, self.workdir, self.cluster = binary, workdir, cluster
        self.grid = self.path("grid.yaml")
        with open(self.grid, "w") as f:
            f.write(GRID)
        self.sweep_dir = self.path("sweep")
        self.db = self.path("main.db")

    def path(self, *parts):
        return os.path.join(self.workdir, *parts)

    def gatelab(self, args, timeout=300):
        done = subprocess.run([self.binary] + args, capture_output=True, text=True, env=self.cluster.env,
                              timeout=timeout, cwd=self.workdir)
        if done.returncode != 0:
            raise Failed(f"gatelab {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
        return done.stdout

    def slurm_args(self):
        return ["--db", self.db, "--out", self.sweep_dir, "--runs-dir", self.path("slurm-runs")]

    def task_states(self, job):
        out = self.cluster.run(["squeue", "-h", "-r", "-t", "all", "-j", job, "-o", "%K|%T"], check=False).stdout
        return dict(line.split("|") for line in out.split())

    def shard(self, task):
        return os.path.join(self.sweep_dir, "shards", f"launch-1-task-{task}.db")

    def shard_steps(self, task, run_id):
        if not os.path.exists(self.shard(task)):
            return 0
        try:
            rows = query(self.shard(task), "SELECT steps_done FROM runs WHERE run_id = ?", (run_id,))
        except sqlite3.Error:
            return 0
        return rows[0][0] if rows else 0

    def task_output(self, task):
        path = os.path.join(self.sweep_dir, "slurm", f"launch-1-task-{task}.out")
        return open(path, errors="replace").read() if os.path.exists(path) else ""

    def signal_task(self, job, task, run_id):
        # scancel keeps retrying while the job it signalled is in transition, and the task requeues itself at once,
        # so scancel would signal the restarted task again: it runs in the background and is stopped (by its pid)
        # once the task has requeued.
        self.signaller = subprocess.Popen(["scancel", "--batch", "--signal=USR1", f"{job}_{task}"], env=self.cluster.env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def hold(self, job, task):
        """Holds a requeued task in the queue (true once it is held and pending)."""
        held = self.cluster.run(["scontrol", "hold", f"{job}_{task}"], check=False).returncode == 0
        return held and self.task_states(job).get(str(task)) == "PENDING"

    def kill_run(self, job, task, run_id):
        os.kill(int(open(self.path("slurm-runs", run_id, "lock")).read().split()[0]), signal.SIGKILL)

    def run(self):
        timings = {}
        self.gatelab(["sweep", "run", self.grid, "--db", self.path("local.db"), "--runs-dir", self.path("local-runs"),
                      "--threads-per-run", "1", "--progress", "lines"])
        plan_tsv = open(self.path("local-runs", "slurmtest", "plan.tsv")).read()
        plan = [line.split("\t") for line in plan_tsv.split("\n")[1:] if line]
        names, ids = [p[0] for p in plan], [p[1] for p in plan]
        check(len(ids) == 5, f"the grid has 5 runs, plan.tsv lists {len(ids)}")

        dry = self.gatelab(["sweep", "run", self.grid, "--backend", "slurm", "--dry-run", "--max-concurrent", "2"]
                           + self.slurm_args())
        for directive in ("--array=0-4%2", "--requeue", "--open-mode=append", "--signal=B:USR1@"):
            check(f"#SBATCH {directive}" in dry, f"the dry run's script lacks #SBATCH {directive}:\n{dry}")
        check(not os.path.exists(os.path.join(self.sweep_dir, "slurm", "launch-1.job")), "a dry run submitted")

        started = time.monotonic()
        out = self.gatelab(["sweep", "run", self.grid, "--backend", "slurm", "--max-concurrent", "2",
                            "--threads-per-run", "1", "--cpus-per-task", "1", "--max-retries", "1"] + self.slurm_args())
        job = re.search(r"job array (\d+)", out).group(1)
        # Task 4 is pending behind the %2 cap: cancelling it removes it from the queue.
        self.gatelab(["sweep", "cancel", self.grid, "--run", names[4]] + self.slurm_args())
        status = self.gatelab(["sweep", "status", self.grid] + self.slurm_args())
        check(f"{job}_4: not found" in status, f"sweep status does not show the cancelled task as not found:\n{status}")

        # Once its run trains (a signal before the task runs its program would be dropped), task 0 gets USR1 and
        # task 1's run process (its pid is in the run's lock file) SIGKILL; both are watched at once, since either
        # may start first on a loaded machine.
        actions = {0: self.signal_task, 1: self.kill_run}
        deadline = time.monotonic() + 120
        while actions:
            check(time.monotonic() < deadline, f"tasks {sorted(actions)} did not reach step 20 in 120 s")
            for task in list(actions):
                steps = self.shard_steps(task, ids[task])
                check(steps < RUN_STEPS, f"task {task}'s run finished before it could be interrupted")
                if steps >= 20:
                    actions.pop(task)(job, task, ids[task])
                    if task == 0:
                        signalled = time.monotonic()
            time.sleep(0.1)
        wait_for("task 0 to requeue itself", lambda: "scontrol requeue" in self.task_output(0), 60)
        self.signaller.kill()
        self.signaller.wait()
        wait_for("task 1 to requeue itself", lambda: "scontrol requeue" in self.task_output(1), 60)
        # Held in the queue, task 1 cannot start again while its shard is merged: it merges up to its last committed
        # step.
        wait_for("task 1 to be held", lambda: self.hold(job, 1), 60)
        self.gatelab(["merge", self.sweep_dir, "--db", self.db])
        committed = metric_rows(self.shard(1), ids[1])
        check(committed and metric_rows(self.db, ids[1]) == committed,
              "the killed task's shard did not merge as committed")
        killed_at = max(step for step, _, _ in committed)
        self.cluster.run(["scontrol", "release", f"{job}_1"])

        wait_for("task 0 to run again after its requeue", lambda: "(restart 1)" in self.task_output(0), 120)
        timings["requeue"] = time.monotonic() - signalled
        wait_for("every task to complete",
                 lambda: all(self.task_states(job).get(str(t)) == "COMPLETED" for t in range(4)), 300)
        timings["sweep"] = time.monotonic() - started

        first = self.gatelab(["merge", self.sweep_dir, "--db", self.db])
        second = self.gatelab(["merge", self.sweep_dir, "--db", self.db])
        check(": 0 row(s) added" in second.splitlines()[-1], f"the second merge added rows:\n{second}")

        runs = {r[0]: r for r in query(self.db, "SELECT run_id, status, restart_count, attempts FROM runs")}
        for i in range(4):
            check(runs[ids[i]][1] == "finished", f"run {names[i]} is {runs[ids[i]][1]}, not finished")
            check(same_metrics(metric_rows(self.path("local.db"), ids[i]), metric_rows(self.db, ids[i])),
                  f"run {names[i]}: the merged metrics differ from the local sweep's")
        check(runs[ids[0]][2] == 1, f"the signalled run's restart count is {runs[ids[0]][2]}, not 1")
        check(runs[ids[1]][2] == 1 and runs[ids[1]][3] >= 2, f"the killed run did not resume: {runs[ids[1]]}")
        check(runs[ids[4]][1] == "cancelled", f"the cancelled run is {runs[ids[4]][1]}, not cancelled")
        check(not os.path.exists(self.shard(4)), "the cancelled task ran")
        print(f"slurm: 5 runs, 4 finished equal to the local sweep, 1 cancelled; USR1 requeue and SIGKILL requeue "
              f"resumed (killed at step {killed_at}); second merge added 0 rows")
        print(f"slurm: first merge: {first.splitlines()[-1]}")
        return timings


def main():
    binary = os.path.abspath(sys.argv[1])
    # ctest's timeout (and Ctrl-C) ends the suite through the finally blocks, so the daemons never outlive it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    installed = slurm_cluster.install_slurm()
    with tempfile.TemporaryDirectory(prefix="gatelab-slurm-suite-") as workdir:
        with slurm_cluster.SlurmCluster() as cluster:
            suite = Suite(binary, workdir, cluster)
            try:
                timings = suite.run()
            except Failed as e:
                print(f"slurm: FAILED: {e}", file=sys.stderr)
                for task in range(5):
                    print(f"--- task {task}'s output\n{suite.task_output(task)}", file=sys.stderr)
                for log in ("slurmctld.log", "slurmd.log"):
                    path = cluster.path(log)
                    if os.path.exists(path):
                        print(f"--- {log} (tail)\n" + "".join(open(path).readlines()[-15:]), file=sys.stderr)
                return 1
            print(f"slurm timings: install {installed:.1f} s, cluster start {cluster.start_seconds:.1f} s, "
                  f"sweep {timings['sweep']:.1f} s, requeue (USR1 to running again) {timings['requeue']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
