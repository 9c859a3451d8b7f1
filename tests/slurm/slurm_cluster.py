"""A throwaway single-node Slurm cluster on localhost, for tests: Debian's slurm-wlm (installed when missing),
run as root without munge (auth/none, cred/none), every file in one temporary folder, daemons stopped by the
PIDs this module started. Use as a context manager:

    with SlurmCluster() as cluster:
        subprocess.run(["sbatch", ...], env=cluster.env)

The settings are the ones measured on Debian 12 (Slurm 22.05): proctrack/pgid (linuxproc leaks orphans past the
job), cred_expire=10 and sched_interval=2 so a requeued job starts again in ~15 s instead of ~3 min, MinJobAge so
finished tasks stay visible to squeue.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time

SLURM_TOOLS = ["slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel"]


def install_slurm():
    """Installs Debian's slurm-wlm when a tool is missing (about 8 s); returns the seconds it took."""
    if all(shutil.which(t) for t in SLURM_TOOLS):
        return 0.0
    started = time.monotonic()
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "-q", "slurm-wlm"], check=True, env=env, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def node_line():
    """`slurmd -C`'s description of this machine, renamed to the node `localhost`."""
    line = subprocess.run(["slurmd", "-C"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    fields = [f for f in line.split() if not f.startswith("NodeName=")]
    return "NodeName=localhost NodeAddr=127.0.0.1 " + " ".join(fields) + " State=UNKNOWN"


class SlurmCluster:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="gatelab-slurm-")
        self.conf = os.path.join(self.root, "slurm.conf")
        self.env = dict(os.environ, SLURM_CONF=self.conf)
        self.daemons = {}  # name -> Popen
        self.start_seconds = 0.0

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def write_conf(self):
        for d in ("state", "spool"):
            os.makedirs(self.path(d))
        settings = {
            "ClusterName": "gatelabtest", "SlurmctldHost": "localhost", "SlurmUser": "root", "SlurmdUser": "root",
            "AuthType": "auth/none", "CredType": "cred/none", "AuthInfo": "cred_expire=10",
            "ProctrackType": "proctrack/pgid", "TaskPlugin": "task/none", "JobAcctGatherType": "jobacct_gather/none",
            "SelectType": "select/cons_tres", "SelectTypeParameters": "CR_Core", "MpiDefault": "none",
            "SchedulerType": "sched/backfill", "SchedulerParameters": "sched_interval=2,bf_interval=1",
            "MinJobAge": "3600", "ReturnToService": "2", "KillWait": "10",
            "SlurmctldPort": str(free_port()), "SlurmdPort": str(free_port()),
            "StateSaveLocation": self.path("state"), "SlurmdSpoolDir": self.path("spool"),
            "SlurmctldPidFile": self.path("slurmctld.pid"), "SlurmdPidFile": self.path("slurmd.pid"),
            "SlurmctldLogFile": self.path("slurmctld.log"), "SlurmdLogFile": self.path("slurmd.log"),
        }
        with open(self.conf, "w") as f:
            for key, value in settings.items():
                f.write(f"{key}={value}\n")
            f.write(node_line() + "\n")
            f.write("PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP\n")

    def start(self):
        started = time.monotonic()
        self.write_conf()
        self.daemons["slurmctld"] = subprocess.Popen(["slurmctld", "-D", "-i", "-f", self.conf], env=self.env,
                                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.daemons["slurmd"] = subprocess.Popen(["slurmd", "-D", "-N", "localhost", "-f", self.conf], env=self.env,
                                                  stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for name, p in self.daemons.items():
                if p.poll() is not None:
                    raise RuntimeError(f"{name} exited with {p.returncode}; see {self.path(name + '.log')}")
            state = self.run(["sinfo", "-h", "-o", "%T"], check=False).stdout.strip()
            if state.startswith("idle"):
                self.start_seconds = time.monotonic() - started
                return
            time.sleep(0.5)
        raise RuntimeError(f"the node did not become idle in 60 s; see {self.root}/*.log")

    def run(self, command, check=True):
        return subprocess.run(command, capture_output=True, text=True, env=self.env, check=check)

    def stop(self):
        """Kill and cancel every job, wait for the queue to empty (shutdown does not kill jobs), shut down, kill
        leftovers by the PIDs started here, remove the folder."""
        if "slurmctld" in self.daemons and self.daemons["slurmctld"].poll() is None:
            # SIGKILL first: a gatelab task that gets scancel's SIGTERM checkpoints and requeues itself.
            self.run(["scancel", "--full", "--signal=KILL", "--user=root"], check=False)
            self.run(["scancel", "--user=root"], check=False)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                left = self.run(["squeue", "-h", "-o", "%i"], check=False)
                if left.returncode != 0 or not left.stdout.strip():
                    break
                time.sleep(0.5)
            self.run(["scontrol", "shutdown"], check=False)
        for name, p in self.daemons.items():
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False
