#!/usr/bin/env python3
"""The fault-injection suite: drives the built `gatelab` binary through the faults an overnight sweep meets and
checks that nothing is lost. Each scenario prints exactly one line

    SCENARIO: N tried, N survived, rows lost 0

and exits 0 only when every trial survived and no result row was lost (details of a failed trial go to stderr).
Everything is CPU, tiny MQAR models, one thread per run, and a fixed random seed per scenario, so a failure
replays. Usage: fault_suite.py SCENARIO GATELAB_BINARY (SCENARIO: one of SCENARIOS below, or `all`).
"""
import concurrent.futures
import hashlib
import math
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

TOLERANCE = 1e-6  # resumed runs do the same float arithmetic (one thread): equal up to printing, in practice 0

# A tiny run (~1 s on 2 cores), checkpointing every 5 steps.
TINY_RUN = ["--set", "model.d_model=16", "--set", "model.n_layers=2", "--set", "task.seq_len=32",
            "--set", "task.mqar.num_kv=4", "--set", "task.mqar.vocab=64", "--set", "train.batch_size=4",
            "--set", "train.steps=24", "--set", "train.eval_every=8", "--set", "train.log_every=4",
            "--set", "train.eval_batches=2", "--set", "train.warmup_steps=4", "--set", "train.checkpoint_every=5",
            "--threads", "1", "--quiet"]

# Four tiny runs of a sweep (linear and softmax, two seeds), checkpointing every 5 steps.
TINY_GRID = """name: fault
base:
  model: {d_model: 16, n_heads: 2, n_layers: 1, mlp: none}
  task: {name: mqar, seq_len: 32, mqar: {num_kv: 4, vocab: 64, train_examples: 512, test_examples: 64}}
  train: {steps: 40, batch_size: 8, lr: 3.0e-3, warmup_steps: 4, eval_every: 20, log_every: 5, checkpoint_every: 5,
          eval_batches: 2}
grid:
  model.attn.kind: [linear, softmax]
seeds: 2
"""


# The out-of-memory scenario's sweep: a tiny run, the hog (16 x 1024 tokens of softmax attention with 2-dim heads:
# its [B, H, T, T] scores are nearly all of its memory, so 8 slices need a fraction of it, and compute stays small)
# and a run too large to fit even one example per slice (2 x 4096 tokens: ~270 MB per score tensor per example).
OOM_GRID = """name: oom
base:
  model: {d_model: 8, n_heads: 4, n_layers: 1, mlp: none, attn: {kind: softmax}}
  task: {name: mqar, mqar: {num_kv: 4, vocab: 8192, train_examples: 64, test_examples: 16}}
  train: {warmup_steps: 0, log_every: 2, checkpoint_every: 2, eval_batches: 1}
zip:
  - task.seq_len:     [32, 1024, 4096]
    train.batch_size: [8, 16, 2]
    train.steps:      [12, 2, 2]
    train.eval_every: [6, 2, 2]
"""


class Scenario:
    def __init__(self, name, binary, workdir):
        self.name, self.binary, self.workdir = name, binary, workdir
        self.tried = self.survived = self.rows_lost = 0

    def path(self, *parts):
        return os.path.join(self.workdir, *parts)

    def gatelab(self, args, timeout=300, limit_bytes=None, cwd=None, memory_bytes=None):
        command = [self.binary] + args
        if limit_bytes is not None:
            command = ["prlimit", f"--fsize={limit_bytes}"] + command
        if memory_bytes is not None:  # RLIMIT_AS: every allocation past it fails, as on a machine out of memory
            command = ["prlimit", f"--as={memory_bytes}"] + command
        done = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=timeout, cwd=cwd)
        return done.returncode, done.stdout + done.stderr

    def run_args(self, name, extra=()):
        return ["run"] + TINY_RUN + ["--db", self.path(name + ".db"), "--run-dir", self.path(name)] + list(extra)

    def trial(self, label, ok, detail="", rows_lost=0):
        self.tried += 1
        self.rows_lost += rows_lost
        if ok and rows_lost == 0:
            self.survived += 1
        else:
            print(f"{self.name}: {label} did not survive ({rows_lost} rows lost): {detail}", file=sys.stderr)

    def report(self):
        print(f"{self.name}: {self.tried} tried, {self.survived} survived, rows lost {self.rows_lost}")
        return 0 if self.tried > 0 and self.tried == self.survived and self.rows_lost == 0 else 1


def metric_rows(db_path, run_ids=None):
    """{(run_id, step, split, key): value} of every measurement but throughput (a property of the machine)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT run_id, step, split, key, value FROM metrics WHERE key != 'tokens_per_s'").fetchall()
    return {(r[0], r[1], r[2], r[3]): r[4] for r in rows if run_ids is None or r[0] in run_ids}


def rows_lost(reference, actual, relative_tolerance=0.0):
    """Reference rows missing from `actual` or off by more than the tolerance (TOLERANCE, or relative_tolerance
    times 1 + |value| when given); rows `actual` has extra count too."""
    lost = 0
    for key, value in reference.items():
        got = actual.get(key, "missing")
        tolerance = relative_tolerance * (1 + abs(value)) if relative_tolerance and value is not None else TOLERANCE
        if got == "missing" or (value is None) != (got is None) or (
                value is not None and abs(value - got) > tolerance):
            lost += 1
    return lost + len(set(actual) - set(reference))


def scalar(db_path, sql):
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        return db.execute(sql).fetchone()[0]


def integrity_ok(db_path):
    return not os.path.exists(db_path) or scalar(db_path, "PRAGMA integrity_check") == "ok"


def file_digest(path):
    """SHA-256 of a file's bytes: a DB that nothing wrote to keeps its digest."""
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def clean_output(output):
    """A one-line report: no LibTorch backtrace, no std::terminate."""
    return "frame #" not in output and "terminate called" not in output


def corrupt_checkpoint(s):
    """Truncations, flipped bits and random blocks at random offsets, zero length, another run's file, a directory
    in its place: each detected, and the run resumed to the uninterrupted result."""
    rng = random.Random(15)
    assert s.gatelab(s.run_args("straight"))[0] == 0
    assert s.gatelab(s.run_args("base", ["--interrupt-after", "12"]))[0] == 3  # checkpoints at 10 (prev) and 12
    assert s.gatelab(s.run_args("other", ["--set", "seed=7"]))[0] == 0
    reference = metric_rows(s.path("straight.db"))
    size = os.path.getsize(s.path("base", "checkpoint.pt"))

    def truncate(n):
        return lambda f: os.truncate(f, n)

    def flip(offset, bit):
        def apply(f):
            with open(f, "r+b") as out:
                out.seek(offset)
                byte = out.read(1)[0]
                out.seek(offset)
                out.write(bytes([byte ^ (1 << bit)]))
        return apply

    def block(offset, n):
        def apply(f):
            with open(f, "r+b") as out:
                out.seek(offset)
                out.write(bytes(rng.getrandbits(8) for _ in range(min(n, size - offset))))
        return apply

    def directory(f):
        os.remove(f)
        os.makedirs(os.path.join(f, "inner"))

    cases = [("zero length", truncate(0)), ("another run's file",
             lambda f: shutil.copyfile(s.path("other", "checkpoint.pt"), f)), ("a directory", directory)]
    cases += [(f"truncated to {n}", truncate(n)) for n in [1, 40, size // 3, size - 1] + rng.sample(range(size), 3)]
    cases += [(f"bit {b} flipped at {o}", flip(o, b)) for o, b in
              [(0, 0), (26, 0), (60, 5), (size - 1, 7)] + [(rng.randrange(size), rng.randrange(8)) for _ in range(8)]]
    cases += [(f"random block at {o}", block(o, 4096)) for o in [rng.randrange(size) for _ in range(3)] + [0]]
    for i, (label, apply) in enumerate(cases):
        name = f"case{i}"
        shutil.copytree(s.path("base"), s.path(name))
        shutil.copyfile(s.path("base.db"), s.path(name + ".db"))
        apply(s.path(name, "checkpoint.pt"))
        code, output = s.gatelab(s.run_args(name))
        warned = output.count("gatelab: warning:") == 1 and "rejected:" in output
        ok = code == 0 and warned and clean_output(output) and \
            scalar(s.path(name + ".db"), "SELECT status FROM runs") == "finished"
        s.trial(label, ok, output, rows_lost(reference, metric_rows(s.path(name + ".db"))) if code == 0 else 0)


def disk_full(s):
    """RLIMIT_FSIZE on every file the run writes, at fill levels that stop different writes first (the tiny model:
    DB creation, migrations, metrics, later DB pages; d_model 64: its 1.4 MB checkpoint): a clean failure (exit 1,
    one line naming the file, no checkpoint.pt.tmp, DB intact), then resumed exactly once the limit is lifted."""
    wide = ["--set", "model.d_model=64"]
    assert s.gatelab(s.run_args("straight"))[0] == 0
    assert s.gatelab(s.run_args("straight-wide", wide))[0] == 0
    references = {False: metric_rows(s.path("straight.db")), True: metric_rows(s.path("straight-wide.db"))}
    levels = [(False, n) for n in [2048, 4096, 8192, 16384, 32768, 70000, 150000, 209000, 250000, 400000]]
    levels += [(True, n) for n in [600000, 1000000, 1400000]]
    for is_wide, limit in levels:
        name = f"limit{limit}"
        extra = wide if is_wide else []
        code, output = s.gatelab(s.run_args(name, extra), limit_bytes=limit)
        clean = code == 1 and clean_output(output) and output.count("gatelab: failed:") == 1 and \
            output.count("\n") == 1 and s.workdir in output
        tidy = not os.path.exists(s.path(name, "checkpoint.pt.tmp")) and integrity_ok(s.path(name + ".db"))
        code2, output2 = s.gatelab(s.run_args(name, extra))
        finished = code2 == 0 and scalar(s.path(name + ".db"), "SELECT status FROM runs") == "finished"
        lost = rows_lost(references[is_wide], metric_rows(s.path(name + ".db"))) if finished else 0
        s.trial(f"limit {limit} bytes", clean and tidy and finished and integrity_ok(s.path(name + ".db")),
                f"exit {code}: {output}\nthen exit {code2}: {output2}", lost)
    # A sweep under the limit: the scheduler ends with a summary that counts the runs it could not finish (or, when
    # it cannot create its DB, one line), and the same command with space back completes it exactly.
    with open(s.path("grid.yaml"), "w") as grid:
        grid.write(TINY_GRID.replace("d_model: 16", "d_model: 64"))
    assert s.gatelab(sweep_args(s, s.path("reference.db")))[0] == 0
    reference = metric_rows(s.path("reference.db"))
    for limit in [150000, 1000000]:
        db = s.path(f"sweep{limit}.db")
        code, output = s.gatelab(sweep_args(s, db), limit_bytes=limit)
        summarized = "failed" in output.splitlines()[-1] if output else False
        tidy = all(not name.endswith(".tmp") for _, _, files in os.walk(s.path("runs-" + os.path.basename(db)))
                   for name in files) and integrity_ok(db)
        code2, output2 = s.gatelab(sweep_args(s, db))
        lost = rows_lost(reference, metric_rows(db)) if code2 == 0 else 0
        s.trial(f"sweep under a limit of {limit} bytes", code == 1 and summarized and tidy and clean_output(output)
                and code2 == 0, f"exit {code}: {output}\nthen exit {code2}: {output2}", lost)


def time_limit(s):
    """--max-minutes: stopped with a checkpoint (exit 4, status stopped), resumed to the uninterrupted result."""
    longer = ["--set", "train.steps=160", "--set", "train.eval_every=40"]
    assert s.gatelab(s.run_args("straight", longer))[0] == 0
    reference = metric_rows(s.path("straight.db"))
    for minutes in ["0.004", "0.008", "0.015"]:
        name = f"limit{minutes}"
        code, output = s.gatelab(s.run_args(name, longer + ["--max-minutes", minutes]))
        stopped = code == 4 and scalar(s.path(name + ".db"), "SELECT status FROM runs") == "stopped" and \
            os.path.exists(s.path(name, "checkpoint.pt"))
        code2, output2 = s.gatelab(s.run_args(name, longer))
        lost = rows_lost(reference, metric_rows(s.path(name + ".db"))) if code2 == 0 else 0
        s.trial(f"--max-minutes {minutes}", stopped and code2 == 0, f"exit {code}: {output}\n{output2}", lost)
    # In a sweep the limit reaches every run: the sweep goes on past stopped runs, exits 4, and resumes them.
    with open(s.path("grid.yaml"), "w") as grid:
        grid.write(TINY_GRID)
    assert s.gatelab(sweep_args(s, s.path("reference.db")))[0] == 0
    db = s.path("limited-sweep.db")
    code, output = s.gatelab(sweep_args(s, db) + ["--max-minutes", "0.005"])
    statuses = sorted(r[0] for r in sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("SELECT status FROM runs"))
    code2, output2 = s.gatelab(sweep_args(s, db))
    lost = rows_lost(metric_rows(s.path("reference.db")), metric_rows(db)) if code2 == 0 else 0
    s.trial("sweep run --max-minutes 0.005", code == 4 and "stopped" in statuses and set(statuses) <= {"stopped", "finished"} and code2 == 0,
            f"exit {code}, {statuses}: {output}\nthen exit {code2}: {output2}", lost)


def divergence(s):
    """An injected NaN or an absurd learning rate ends the run as 'diverged' at the right step (the reason names
    the step of the first loss row that is NaN, or above 10 ln(vocab)), with the metrics up to then kept; in a sweep
    the other runs go on."""
    for at in [1, 6, 13, 24]:
        name = f"nan{at}"
        code, output = s.gatelab(s.run_args(name, ["--inject-nan-at", str(at)]))
        db = s.path(name + ".db")
        ok = code == 0 and scalar(db, "SELECT status FROM runs") == "diverged" and \
            f"at step {at}" in scalar(db, "SELECT status_reason FROM runs") and \
            scalar(db, "SELECT step FROM metrics WHERE key = 'loss' AND split = 'train' AND value IS NULL") == at
        # Metrics before the divergence are kept: every log step (4, 8, ...) before it has its training loss.
        kept = scalar(db, f"SELECT count(*) FROM metrics WHERE key = 'loss' AND split = 'train' AND step < {at} "
                          "AND value IS NOT NULL")
        s.trial(f"--inject-nan-at {at}", ok and kept == (at - 1) // 4, output)
    absurd = ["--set", "train.lr=10", "--set", "train.warmup_steps=0", "--set", "train.log_every=1"]
    for seed in [0, 1, 2]:
        name = f"lr10-seed{seed}"
        code, output = s.gatelab(s.run_args(name, absurd + ["--set", f"seed={seed}"]))
        db = s.path(name + ".db")
        first = scalar(db, "SELECT min(step) FROM metrics WHERE key = 'loss' AND split = 'train' "
                           f"AND value > {10 * math.log(64)}") if os.path.exists(db) else None
        ok = code == 0 and scalar(db, "SELECT status FROM runs") == "diverged" and first is not None and \
            f"at step {first} " in scalar(db, "SELECT status_reason FROM runs") and \
            scalar(db, "SELECT max(step) FROM metrics WHERE key = 'loss' AND split = 'train'") == first
        s.trial(f"train.lr=10 seed {seed}", ok, output)
    # A sweep with an absurd learning rate beside a sane one: the first diverges, the second finishes, exit 0.
    with open(s.path("grid.yaml"), "w") as grid:
        grid.write(TINY_GRID.replace("model.attn.kind: [linear, softmax]", "train.lr: [3.0e-3, 10.0]")
                   .replace("seeds: 2", "seeds: 1"))
    db = s.path("sweep.db")
    code, output = s.gatelab(sweep_args(s, db))
    statuses = dict(sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute(
        "SELECT json_extract(config_json, '$.train.lr'), status FROM runs")) if os.path.exists(db) else {}
    s.trial("sweep with train.lr 10 beside 3e-3", code == 0 and statuses == {3.0e-3: "finished", 10.0: "diverged"},
            f"exit {code}, {statuses}: {output}")


def out_of_memory(s):
    """RLIMIT_AS (as a machine out of memory): a run whose step cannot allocate ends 'oom' (exit 5, one line, no
    stack trace) with its DB intact; the same run with --micro-batches 8 fits under the same limit; in a sweep with
    --on-oom fail the neighbour finishes and the summary counts the oom, with --on-oom split-batch the sweep resumes
    the run with 2, 4, 8 ... micro-batches until it fits (the same model as the whole batch, within float order),
    and a run that cannot fit even one example per slice ends 'oom'."""
    hog = ["--set", "model.attn.kind=softmax", "--set", "model.d_model=8", "--set", "model.n_heads=4",
           "--set", "model.n_layers=1", "--set", "task.seq_len=1024", "--set", "task.mqar.vocab=2048",
           "--set", "task.mqar.train_examples=64", "--set", "task.mqar.test_examples=16", "--set", "train.batch_size=16",
           "--set", "train.steps=2", "--set", "train.eval_every=2", "--set", "train.eval_batches=1"]
    assert s.gatelab(s.run_args("whole", hog))[0] == 0
    reference = metric_rows(s.path("whole.db"))
    # The limit: the smallest of a ladder under which the run fits in 8 micro-batches (the process's own
    # footprint -- libraries, threads, allocator -- differs between machines, so it is measured, not assumed).
    # The ladder starts above the process's footprint plus OpenBLAS's 128 MB work buffer: below that OpenBLAS
    # retries its mmap forever (a hang inside the BLAS library, seen with strace: mmap ENOMEM, mbind, again), so a
    # probe that times out counts as "does not fit".
    limit = None
    for mib in range(1024, 8192, 128):
        try:
            fits = s.gatelab(s.run_args(f"probe{mib}", hog + ["--micro-batches", "8"]), timeout=120,
                             memory_bytes=mib << 20)[0] == 0
        except subprocess.TimeoutExpired:
            fits = False
        if fits:
            limit = mib << 20
            break
    assert limit is not None, "no address-space limit up to 8 GiB lets 8 micro-batches run"
    for trial in range(2):
        name = f"oom{trial}"
        code, output = s.gatelab(s.run_args(name, hog), memory_bytes=limit)
        db = s.path(name + ".db")
        oom = code == 5 and clean_output(output) and output.count("\n") == 1 and os.path.exists(db) and \
            scalar(db, "SELECT status FROM runs") == "oom" and "out of memory" in scalar(db, "SELECT status_reason FROM runs") \
            and integrity_ok(db)
        code2, output2 = s.gatelab(s.run_args(name, hog + ["--micro-batches", "8"]), memory_bytes=limit)
        fits = code2 == 0 and scalar(db, "SELECT status FROM runs") == "finished"
        s.trial(f"whole batch under {limit >> 20} MiB, then 8 micro-batches", oom and fits,
                f"exit {code}: {output}\nthen exit {code2}: {output2}", rows_lost(reference, metric_rows(db), 1e-4) if fits else 0)
    # Sweeps: the hog beside a tiny run, everything under the limit (children inherit it).
    with open(s.path("grid.yaml"), "w") as grid:
        grid.write(OOM_GRID)
    for policy in ["fail", "split-batch"]:
        db = s.path(f"{policy}.db")
        code, output = s.gatelab(sweep_args(s, db) + ["--on-oom", policy], memory_bytes=limit)
        rows = dict(sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute(
            "SELECT json_extract(config_json, '$.task.seq_len'), status || ' ' || coalesce(device, '') FROM runs"))
        if policy == "fail":
            ok = code == 1 and "2 out of memory" in output and rows.get(32, "").startswith("finished") and \
                rows.get(1024, "").startswith("oom") and rows.get(4096, "").startswith("oom")
        else:
            ok = code == 1 and "1 out of memory" in output and rows.get(32, "").startswith("finished") and \
                rows.get(1024, "").startswith("finished") and "micro-batches per step" in rows.get(1024, "") and \
                rows.get(4096, "").startswith("oom") and "cannot be split further" in output
        s.trial(f"sweep --on-oom {policy}", ok and integrity_ok(db) and clean_output(output), f"exit {code}, {rows}: {output}")


def sweep_args(s, db):
    return ["sweep", "run", s.path("grid.yaml"), "--db", db, "--runs-dir", s.path("runs-" + os.path.basename(db)),
            "--out", s.path("out-" + os.path.basename(db)), "--gpus", "none", "--threads-per-run", "1",
            "--max-parallel", "2", "--progress", "lines"]


def children_of(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def kill(s):
    """SIGKILL the scheduler, the scheduler and its children, or one child, at random moments of a tiny sweep,
    relaunching after each; the final DB equals an uninterrupted sweep's (no row lost, none duplicated)."""
    rng = random.Random(1515)
    with open(s.path("grid.yaml"), "w") as grid:
        grid.write(TINY_GRID)
    reference_db = s.path("reference.db")
    started = time.monotonic()
    assert s.gatelab(sweep_args(s, reference_db))[0] == 0
    sweep_seconds = time.monotonic() - started
    reference = metric_rows(reference_db)
    # Chains: one DB, killed and relaunched again and again, then run to the end.
    for what, kills in [("scheduler", 8), ("scheduler and children", 8)]:
        db = s.path(what.replace(" ", "-") + ".db")
        healthy = True
        for k in range(kills):
            process = subprocess.Popen([s.binary] + sweep_args(s, db), stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.05, sweep_seconds / 4))
            children = children_of(process.pid)  # their own process groups: killed one by one
            process.kill()
            if what != "scheduler":
                for child in children:
                    os.kill(child, signal.SIGKILL)
            process.wait()
            ok = integrity_ok(db)
            healthy = healthy and ok
            s.trial(f"kill {what} #{k + 1}", ok, "integrity_check failed")
        code, output = s.gatelab(sweep_args(s, db))
        check_against_reference(s, db, reference, code, output, healthy, f"chain '{what}'")
    # Single children: each in a fresh sweep that must retry or resume the killed run and complete by itself. A
    # moment that finds no child (the sweep already ended: timing on a loaded machine) is drawn again, earlier, on
    # a fresh DB: the trial is about the kill, not about the moment.
    for k in range(6):
        delay = rng.uniform(0.3, sweep_seconds * 0.6)
        for attempt in range(6):
            db = s.path(f"one-child-{k}-{attempt}.db")
            process = subprocess.Popen([s.binary] + sweep_args(s, db), stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True)
            time.sleep(delay)
            children = children_of(process.pid)
            for _ in range(500):  # between two runs the scheduler has no child for a moment
                if children or process.poll() is not None:
                    break
                time.sleep(0.02)
                children = children_of(process.pid)
            if children:
                os.kill(rng.choice(children), signal.SIGKILL)
            output = process.communicate(timeout=300)[0]
            if children:
                break
            delay /= 2
        s.trial(f"kill one child #{k + 1}", bool(children), "no child was running at any moment chosen")
        check_against_reference(s, db, reference, process.returncode, output, bool(children), f"sweep {k + 1}")


def check_against_reference(s, db, reference, code, output, counted, label):
    """Counted against the last trial: the runs of `db` must all be finished with the reference's rows."""
    statuses = {r[0] for r in sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("SELECT status FROM runs")}
    lost = rows_lost(reference, metric_rows(db))
    if code != 0 or statuses != {"finished"} or lost or not integrity_ok(db):
        s.survived -= 1 if counted else 0
        s.rows_lost += lost
        print(f"{s.name}: {label} did not resume cleanly (exit {code}, statuses {statuses}, {lost} rows lost): "
              f"{output}", file=sys.stderr)


def read_only_query(s):
    """Hostile statements through `gatelab query`: none writes (the DB file stays byte-identical), none hangs."""
    assert s.gatelab(s.run_args("db"))[0] == 0
    db = s.path("db.db")

    before = file_digest(db)
    statements = [
        "DELETE FROM metrics", "DROP TABLE runs", "UPDATE runs SET status = 'queued'",
        "INSERT INTO runs (run_id) VALUES ('x')", "CREATE TABLE x (a)", "CREATE TEMP TABLE x (a)",
        "PRAGMA journal_mode = DELETE", "PRAGMA user_version = 99", "PRAGMA writable_schema = ON",
        "ATTACH DATABASE '" + s.path("other.db") + "' AS o", "VACUUM", "VACUUM INTO '" + s.path("copy.db") + "'",
        "SELECT load_extension('/nonexistent')", "SELECT fts3_tokenizer('simple')",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r",
        "SELECT 1; DELETE FROM metrics", "REINDEX", "ANALYZE", "BEGIN IMMEDIATE", "SAVEPOINT a",
        "REPLACE INTO runs (run_id) VALUES ('x')", "SELECT writefile('" + s.path("w") + "', 'x')",
        "DETACH DATABASE main", "PRAGMA wal_checkpoint(TRUNCATE)", "CREATE VIEW v AS SELECT 1",
    ]
    for sql in statements:
        started = time.monotonic()
        try:
            code, output = s.gatelab(["query", sql, "--db", db, "--timeout", "2"], timeout=60)
        except subprocess.TimeoutExpired:
            code, output = -1, "hung"
        elapsed = time.monotonic() - started
        wrote = file_digest(db) != before or os.path.exists(s.path("copy.db")) or os.path.exists(s.path("w")) or \
            os.path.exists(s.path("other.db"))
        s.trial(sql, code in (0, 1, 2) and not wrote and elapsed < 30 and clean_output(output),
                f"exit {code} after {elapsed:.1f}s, wrote={wrote}: {output}")


def concurrent_writers(s):
    """Eight `gatelab run` processes writing runs and metrics into one DB at once, three rounds, then two overlapping
    sweeps of one grid on one DB at once: every run finished with every row of its solo reference, no 'database is
    locked', integrity_check ok."""
    db = s.path("shared.db")
    # The per-run row count of a solo run: every run of a round has the same config but its seed.
    assert s.gatelab(s.run_args("solo", ["--set", "seed=100"]))[0] == 0
    solo_rows = len(metric_rows(s.path("solo.db")))
    for round_index in range(3):
        processes = []
        for k in range(8):
            seed = 8 * round_index + k
            args = ["run"] + TINY_RUN + ["--set", f"seed={seed}", "--db", db, "--run-dir", s.path(f"run-{seed}")]
            processes.append(subprocess.Popen([s.binary] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                              text=True))
        for k, process in enumerate(processes):
            output = process.communicate(timeout=600)[0]
            s.trial(f"round {round_index + 1} writer {k + 1}", process.returncode == 0 and "locked" not in output,
                    f"exit {process.returncode}: {output}")
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    per_run = connection.execute(
        "SELECT r.run_id, r.status, count(m.run_id) FROM runs r LEFT JOIN metrics m USING (run_id) "
        "WHERE m.key <> 'tokens_per_s' OR m.key IS NULL GROUP BY r.run_id").fetchall()
    missing = sum(max(0, solo_rows - n) for _, _, n in per_run) + solo_rows * max(0, 24 - len(per_run))
    s.trial("every writer's runs and rows present", len(per_run) == 24 and all(st == "finished" for _, st, _ in per_run)
            and integrity_ok(db), f"{len(per_run)} runs: {per_run}", rows_lost=missing)
    # Two sweeps of one grid on one DB at once: each run is trained once (the run lock), both end with it finished.
    with open(s.path("grid.yaml"), "w") as grid:
        grid.write(TINY_GRID)
    sweep_db = s.path("sweeps.db")
    overlapping = ["sweep", "run", s.path("grid.yaml"), "--db", sweep_db, "--runs-dir", s.path("sweep-runs"),
                   "--gpus", "none", "--threads-per-run", "1", "--max-parallel", "2", "--progress", "lines"]
    processes = [subprocess.Popen([s.binary] + overlapping + ["--out", s.path(f"sweep-out-{k}")],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for k in range(2)]
    for k, process in enumerate(processes):
        output = process.communicate(timeout=600)[0]
        s.trial(f"overlapping sweep {k + 1}", process.returncode == 0 and "locked" not in output,
                f"exit {process.returncode}: {output}")
    reference_db = s.path("sweep-reference.db")
    assert s.gatelab(sweep_args(s, reference_db))[0] == 0
    lost = rows_lost(metric_rows(reference_db), metric_rows(sweep_db))
    s.trial("overlapping sweeps equal one sweep", integrity_ok(sweep_db), "integrity_check failed", rows_lost=lost)


def mutate_yaml(text, rng):
    """One random mutation of a grid file: the kinds the issue lists (deleted lines, swapped types, huge numbers,
    invalid UTF-8, deep nesting, aliases, huge scalars, an empty file)."""
    lines = text.split("\n")
    kind = rng.randrange(9)
    if kind == 0 and len(lines) > 1:
        del lines[rng.randrange(len(lines))]
    elif kind == 1:
        i = rng.randrange(len(lines))
        lines[i] = lines[i].replace(":", ": [", 1) if rng.random() < 0.5 else lines[i].replace("[", "{", 1)
    elif kind == 2:
        i = rng.randrange(len(lines))
        lines[i] = "".join(("9" * rng.randrange(20, 400)) if c.isdigit() and rng.random() < 0.3 else c
                           for c in lines[i])
    elif kind == 3:
        data = bytearray(text.encode())
        for _ in range(rng.randrange(1, 4)):
            data[rng.randrange(len(data))] = rng.choice([0x80, 0xC3, 0xFF, 0xFE, 0xED])
        return bytes(data)
    elif kind == 4:
        depth = rng.randrange(10, 5000)
        lines.append("base2: " + "[" * depth + "]" * depth if rng.random() < 0.5 else "base2: " + "{a: " * depth + "1" + "}" * depth)
    elif kind == 5:
        lines = ["x: &a [1, 2]", "y: &b [*a, *a, *a, *a]", "z: &c [*b, *b, *b, *b, *b]", "w: [*c, *c, *c, *c]"] + lines
        if rng.random() < 0.5:
            lines.append("base: &self {<<: *self}")
    elif kind == 6:
        i = rng.randrange(len(lines))
        lines[i] = lines[i] + " " + "x" * rng.randrange(1000, 200000)
    elif kind == 7:
        return b""
    else:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines).encode("utf-8", "surrogateescape")


def mutate_command(rng, bad_grid, db):
    """A command line of some subcommand with one thing wrong: an unknown option or value, a missing value, a bad
    number, a key that does not exist (sweep commands get a grid with an unknown key, so none can launch)."""
    commands = [
        ["run", "--db", db, "--set", rng.choice(["model.attn.gate=nope", "model.d_modle=4", "train.lr=fast",
                                                  "train.steps=-3", "model.n_heads=0", "task.seq_len=1e99", "=",
                                                  "model.layers=[baseconv, nope]"])] +
        ([] if rng.random() < 0.5 else ["--set", "task.name=bytes"]),
        ["run", "--db", db, rng.choice(["--threads", "--device", "--set", "--config"])],
        ["run", "--db", db, "--device", rng.choice(["gpu7", "cuda:99x", "tpu", ""]), "--set", "model.attn.gate=nope"],
        ["sweep", rng.choice(["plan", "run", "status"]), bad_grid, "--db", db,
         rng.choice(["--gpus", "--runs-per-gpu", "--max-runs", "--mps"]), rng.choice(["-1", "x", "0,0,", "1e9", ""])],
        ["sweep", rng.choice(["plan", "pla", "runn", ""]), s_random_path(rng)],
        ["query", "--db", db, rng.choice(["SELEC 1", "SELECT * FROM nope", "", "SELECT 1", "'"]),
         rng.choice(["--format", "--max-rows", "--timeout"]), rng.choice(["xml", "-5", "abc", ""])],
        ["export", rng.choice(["nope", "metrics", "all"]), "--db", db, rng.choice(["--key", "--sweep", "--run"])],
        ["plot", rng.choice(["nope", "loss_curves", "mqar_accuracy"]), "--db", db, "--by", rng.choice(["nope", ""])],
        ["report", "--db", db, rng.choice(["--sweep", "--out"])],
        ["examples", "--set", rng.choice(["task.name=nope", "task.mqar.num_kv=999", "x=1"]), "-n", "2"],
        [rng.choice(["rn", "swep", "qeury", "--nope"])],
        ["variants", "--nope"],
    ]
    return rng.choice(commands)


def s_random_path(rng):
    return rng.choice(["/nonexistent.yaml", "/etc", "/dev/null", ""])


def hostile_input(s):
    """Mutated copies of the shipped grid files through `sweep plan` and mutated command lines of every subcommand,
    from a fixed seed: each is a valid plan or exit 2 with a message naming the problem (the file for YAML); never
    a signal, a hang or a partial launch; an existing DB stays byte-identical. GATELAB_FAULT_MUTATIONS of each kind
    (default 1,000, the issue's count), two at a time (each is a process start: ~0.6 s of loading LibTorch)."""
    rng = random.Random(1515)
    sweeps_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "sweeps")
    shipped = sorted(os.path.join(sweeps_dir, f) for f in os.listdir(sweeps_dir) if f.endswith(".yaml"))
    assert s.gatelab(s.run_args("db"))[0] == 0
    db = s.path("db.db")
    before = file_digest(db)
    count = int(os.environ.get("GATELAB_FAULT_MUTATIONS", "1000"))
    with open(s.path("bad.yaml"), "w") as f:
        f.write("name: bad\ngrid:\n  model.attn.gat: [none, gla]\n")
    cwd = s.path("cwd")
    os.makedirs(cwd)
    cases = []  # (label, args, path of the mutated file or None); drawn in order from the seed before any runs
    for k in range(count):
        source = rng.choice(shipped)
        with open(source, encoding="utf-8") as f:
            mutated = mutate_yaml(f.read(), rng)
        path = s.path(f"mutant-{k}.yaml")
        with open(path, "wb") as f:
            f.write(mutated)
        cases.append((f"{os.path.basename(source)} mutant {k}", ["sweep", "plan", path, "--db", db], path))
    for k in range(count):
        args = mutate_command(rng, s.path("bad.yaml"), db)
        cases.append((f"command {args}", args, None))

    def attempt(case):
        label, args, path = case
        try:
            code, output = s.gatelab(args, timeout=60, cwd=cwd)
        except subprocess.TimeoutExpired:
            code, output = -1, "hung"
        if path is not None:
            return label, code in (0, 2) and (code == 0 or path in output or "mutant" in output) and \
                clean_output(output), f"exit {code}: {output[:400]}"
        return label, code in (0, 2) and clean_output(output), f"exit {code}: {output[:400]}"

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for label, ok, detail in pool.map(attempt, cases):
            s.trial(label, ok, detail)
    # Checked once at the end (a write at any point would have changed them for good): nothing wrote to the DB,
    # and no command launched anything.
    launched = os.path.exists(os.path.join(cwd, "runs")) or os.path.exists(os.path.join(cwd, "results.db"))
    s.trial("the DB byte-identical and nothing launched after every mutation", file_digest(db) == before and
            not launched, f"launched {launched}")


SCENARIOS = {
    "corrupt-checkpoint": corrupt_checkpoint,
    "disk-full": disk_full,
    "time-limit": time_limit,
    "divergence": divergence,
    "out-of-memory": out_of_memory,
    "kill": kill,
    "read-only-query": read_only_query,
    "concurrent-writers": concurrent_writers,
    "hostile-input": hostile_input,
}


def run_scenario(name, binary):
    workdir = tempfile.mkdtemp(prefix=f"gatelab-fault-{name}-")
    scenario = Scenario(name, binary, workdir)
    try:
        SCENARIOS[name](scenario)
    except Exception as error:  # a broken setup step is a failed trial, reported in the one line
        scenario.trial("setup", False, repr(error))
    finally:
        if not os.environ.get("GATELAB_KEEP_TEST_DIRS"):
            shutil.rmtree(workdir, ignore_errors=True)
    return scenario.report()


def main(argv):
    if len(argv) != 3 or (argv[1] not in SCENARIOS and argv[1] != "all"):
        print(f"usage: {argv[0]} {{{'|'.join(SCENARIOS)}|all}} GATELAB_BINARY", file=sys.stderr)
        return 2
    names = list(SCENARIOS) if argv[1] == "all" else [argv[1]]
    return max(run_scenario(name, os.path.abspath(argv[2])) for name in names)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
