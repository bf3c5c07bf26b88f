#!/usr/bin/env python3
"""slurm/sweep.sbatch and slurm/array.sbatch on a real SLURM: a one-node cluster
(munged, slurmctld, slurmd) started here with this machine's CPU count and memory,
its own configuration, munge socket and ports, in a temporary directory.

- sweep.sbatch runs tests/jobs/slurm.yaml with mpirun, is sent SIGUSR1 part-way
  (scancel --signal=USR1 --batch, as --signal=B:USR1@... does before the walltime),
  stops cleanly, requeues itself, resumes and completes: its cube equals a direct
  mpirun run's /results bitwise.
- array.sbatch runs the same job as 3 parts (srun as the launcher); one element is
  stopped and requeued too; its dependent merge job joins the parts into a cube that
  equals the same.

The daemons this test started are stopped by their pids at the end, pass or fail,
with every process they started. Skipped (exit 77) where the SLURM or munge daemons
are not installed (scripts/setup-deps installs them) or when not run as root.

    slurm_test.py HETSWEEP_BINARY SOURCE_ROOT
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402
from helpers import results_datasets  # noqa: E402

DAEMONS = ["munged", "slurmctld", "slurmd", "sbatch", "scontrol", "scancel", "sinfo", "squeue",
           "srun"]
MARKER = "HETSWEEP_SLURM_TEST"  # in the environment of every process the cluster starts
TIMEOUT = 180  # seconds any one job may take here, requeue included


def missing_programs():
    return [name for name in DAEMONS
            if not shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_mb():
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    return 1024


class Cluster:
    """A one-node SLURM cluster in a directory; start() and stop() it."""

    def __init__(self, directory):
        self.dir = directory
        self.procs = {}
        self.host = socket.gethostname().split(".")[0]
        self.conf = os.path.join(directory, "slurm.conf")
        self.env = dict(os.environ, SLURM_CONF=self.conf)
        self.env[MARKER] = directory
        self.env["PATH"] = self.env.get("PATH", "") + ":/usr/sbin:/sbin"

    def path(self, name):
        return os.path.join(self.dir, name)

    def write_conf(self):
        cpus = len(os.sched_getaffinity(0))
        real_memory = max(256, int(memory_mb() * 0.9) - 256)
        self.cpus = cpus
        lines = [
            "ClusterName=hetsweeptest",
            f"SlurmctldHost={self.host}(127.0.0.1)",
            f"SlurmctldPort={free_port()}",
            f"SlurmdPort={free_port()}",
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            # cred_expire is also how long a requeued job waits before it may start
            # again (default 120 s)
            f"AuthInfo=socket={self.path('munge.socket')},cred_expire=10",
            f"StateSaveLocation={self.path('state')}",
            f"SlurmdSpoolDir={self.path('spool')}",
            f"SlurmctldPidFile={self.path('slurmctld.pid')}",
            f"SlurmdPidFile={self.path('slurmd.pid')}",
            f"SlurmctldLogFile={self.path('slurmctld.log')}",
            f"SlurmdLogFile={self.path('slurmd.log')}",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core",
            "MpiDefault=none",
            "ReturnToService=2",
            "JobRequeue=1",
            "KillWait=10",
            "MinJobAge=600",
            "SchedulerParameters=sched_min_interval=0",
            f"NodeName={self.host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={real_memory} "
            "State=UNKNOWN",
            f"PartitionName=debug Nodes={self.host} Default=YES MaxTime=INFINITE State=UP",
        ]
        with open(self.conf, "w") as fh:
            fh.write("\n".join(lines) + "\n")

    def spawn(self, name, args):
        log = open(self.path(name + ".out"), "w")
        self.procs[name] = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                            env=self.env, cwd=self.dir)
        log.close()

    def start(self):
        for sub in ("state", "spool"):
            os.mkdir(self.path(sub))
        os.chmod(self.dir, 0o755)  # munged wants its socket's directory traversable
        key = self.path("munge.key")
        with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as fh:
            fh.write(os.urandom(1024))
        self.write_conf()
        self.spawn("munged", ["munged", "--foreground", "--force", f"--key-file={key}",
                              f"--socket={self.path('munge.socket')}",
                              f"--pid-file={self.path('munged.pid')}",
                              f"--log-file={self.path('munged.log')}",
                              f"--seed-file={self.path('munged.seed')}"])
        self.wait_for(lambda: os.path.exists(self.path("munge.socket")), 20, "munged's socket")
        self.spawn("slurmctld", ["slurmctld", "-D", "-f", self.conf])
        self.spawn("slurmd", ["slurmd", "-D", "-f", self.conf])
        self.wait_for(self.node_idle, 60, "the node to be idle in sinfo")

    def node_idle(self):
        r = self.run(["sinfo", "-h", "-N", "-o", "%T"], check=False)
        return r.returncode == 0 and r.stdout.strip() == "idle"

    def wait_for(self, predicate, seconds, what):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode} while waiting for "
                                       f"{what}\n{self.logs()}")
            if predicate():
                return
            time.sleep(0.5)
        raise RuntimeError(f"timed out waiting for {what}\n{self.logs()}")

    def run(self, args, check=True, cwd=None, extra_env=None):
        env = dict(self.env, **(extra_env or {}))
        r = subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=60)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: exit {r.returncode}\n{r.stdout}{r.stderr}")
        return r

    def job(self, job_id):
        """scontrol show job's fields of one job (the first record)."""
        r = self.run(["scontrol", "show", "job", "-o", str(job_id)], check=False)
        fields = {}
        line = r.stdout.splitlines()[0] if r.stdout else ""
        for m in re.finditer(r"(\w+)=(\S*)", line):
            fields.setdefault(m.group(1), m.group(2))
        return fields

    def logs(self):
        out = []
        for name in ("slurmctld.log", "slurmd.log", "munged.log"):
            try:
                with open(self.path(name)) as fh:
                    out.append(f"---- {name} (tail)\n" + "".join(fh.readlines()[-25:]))
            except OSError:
                pass
        return "\n".join(out)

    def stop(self):
        """Cancel every job, stop the daemons by pid, then end what they started."""
        if self.procs.get("slurmctld") and self.procs["slurmctld"].poll() is None:
            subprocess.run(["scancel", "--full", "--user", "root"], env=self.env,
                           capture_output=True, timeout=30)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                r = subprocess.run(["squeue", "-h"], env=self.env, capture_output=True,
                                   text=True, timeout=30)
                if r.returncode != 0 or not r.stdout.strip():
                    break
                time.sleep(0.5)
        for name in ("slurmd", "slurmctld", "munged"):
            proc = self.procs.get(name)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.kill_leftovers()

    def kill_leftovers(self):
        """Processes the cluster started (slurmstepd, job scripts, ranks) carry MARKER
        in their environment; end any still alive, by pid."""
        needle = f"{MARKER}={self.dir}".encode() + b"\0"
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                with open(f"/proc/{entry}/environ", "rb") as fh:
                    if needle in fh.read() + b"\0":
                        os.kill(int(entry), signal.SIGKILL)
            except (OSError, ProcessLookupError):
                pass


class Slurm(unittest.TestCase):
    cluster = None

    @classmethod
    def setUpClass(cls):
        cls.started = time.monotonic()
        cls.dir = tempfile.mkdtemp(prefix="hetsweep-slurm-")
        cls.job = helpers.job_path("slurm.yaml")
        cls.cluster = Cluster(os.path.join(cls.dir, "cluster"))
        os.mkdir(cls.cluster.dir)
        try:
            cls.cluster.start()
            reference = os.path.join(cls.dir, "reference.h5")
            r = helpers.mpirun(2, "run", cls.job, "-o", reference, "--quiet")
            if r.returncode != 0:
                raise RuntimeError(r.stdout + r.stderr)
            cls.reference = results_datasets(reference)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.cluster:
                cls.cluster.stop()
        finally:
            shutil.rmtree(cls.dir, ignore_errors=True)
            print(f"\nslurm_test: {time.monotonic() - cls.started:.0f} s in all", flush=True)

    def sbatch(self, script, env, *options):
        args = ["sbatch", "--parsable", *options, os.path.join(helpers.ROOT, "slurm", script)]
        exports = ",".join(["ALL"] + [f"{k}={v}" for k, v in env.items()])
        r = self.cluster.run(args[:2] + [f"--export={exports}"] + args[2:], cwd=helpers.ROOT)
        return r.stdout.strip().split(";")[0]

    def wait_until(self, predicate, what, seconds=TIMEOUT):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.5)
        self.fail(f"timed out waiting for {what}\n{self.cluster.logs()}")

    def wait_done(self, job_id, log=None):
        def finished():
            return self.cluster.job(job_id).get("JobState") in (
                "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY")
        self.wait_until(finished, f"job {job_id} to finish")
        fields = self.cluster.job(job_id)
        self.assertEqual(fields.get("JobState"), "COMPLETED",
                         f"job {job_id}: {fields}\n{read_log(log)}\n{self.cluster.logs()}")
        return fields

    def stop_part_way(self, job_id, log):
        """SIGUSR1 to the batch script once the sweep has made progress."""
        def progressing():
            return re.search(r"hetsweep: \d+/\d+ units, [1-9]\d*/\d+ networks", read_log(log))
        self.wait_until(progressing, f"progress in {log}")
        self.cluster.run(["scancel", "--signal=USR1", "--batch", str(job_id)])

    def assert_reference(self, cube):
        other = results_datasets(cube)
        self.assertEqual(sorted(other), sorted(self.reference))
        for name, data in self.reference.items():
            self.assertEqual(other[name], data, f"/results/{name} differs from a direct mpirun")

    def test_sweep_stops_requeues_and_resumes(self):
        out = os.path.join(self.dir, "sweep")
        os.mkdir(out)
        cube, log = os.path.join(out, "cube.h5"), os.path.join(out, "sweep.out")
        ranks = min(2, self.cluster.cpus)
        job_id = self.sbatch("sweep.sbatch",
                             {"JOB": self.job, "CUBE": cube, "HETSWEEP": helpers.BINARY},
                             f"--ntasks-per-node={ranks}", "--mem-per-cpu=512M",
                             f"--output={log}")
        self.stop_part_way(job_id, log)
        fields = self.wait_done(job_id, log)
        text = read_log(log)
        self.assertGreaterEqual(int(fields.get("Restarts", "0")), 1, text)
        self.assertIn("stopped cleanly (exit 3): requeueing job", text)
        self.assertIn("stopped (resumable, exit 3)", text)
        self.assertRegex(text, r"resuming: [1-9]\d* of 96 networks done")
        self.assertIn("the sweep is complete", text)
        self.assert_reference(cube)
        self.assertEqual(sorted(os.listdir(out)),
                         ["cube.h5", "cube.h5.lock", "cube.h5.sum", "sweep.out"])

    def test_array_parts_and_merge(self):
        out = os.path.join(self.dir, "array")
        os.mkdir(out)
        parts, merged = os.path.join(out, "parts"), os.path.join(out, "merged.h5")
        env = {"JOB": self.job, "PARTDIR": parts, "MERGE_OUT": merged,
               "HETSWEEP": helpers.BINARY, "HETSWEEP_LAUNCHER": "srun"}
        array_id = self.sbatch("array.sbatch", env, "--array=0-2", "--ntasks-per-node=1",
                               "--mem-per-cpu=512M", f"--output={out}/part-%A_%a.out")
        logs = [os.path.join(out, f"part-{array_id}_{k}.out") for k in range(3)]
        self.stop_part_way(f"{array_id}_1", logs[1])
        for k in range(3):
            self.wait_done(f"{array_id}_{k}", logs[k])
        self.assertGreaterEqual(int(self.cluster.job(f"{array_id}_1").get("Restarts", "0")), 1)
        found = re.search(r"Submitted batch job (\d+)", read_log(logs[0]))
        self.assertTrue(found, read_log(logs[0]))
        merge_id = found.group(1)
        self.wait_done(merge_id)
        merge_log = read_log(os.path.join(out, f"hetsweep-merge-{merge_id}.out"))
        self.assertIn("merged 3 part(s)", merge_log)
        self.assertIn("96 of 96 networks computed", merge_log)
        self.assert_reference(merged)
        for k in range(3):
            self.assertIn(f"part {k}/3", read_log(logs[k]))
        self.assertIn("requeueing job", read_log(logs[1]))
        r = helpers.hetsweep("status", os.path.join(parts, "part-1.h5"))
        self.assertIn("part: 1/3", r.stdout)
        # nothing was written into the repository (the submit directory)
        self.assertFalse([f for f in os.listdir(helpers.ROOT) if f.startswith("hetsweep-")])


def read_log(path):
    try:
        with open(path) as fh:
            return fh.read()
    except (OSError, TypeError):
        return ""


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[2])
    missing = missing_programs()
    if missing:
        print(f"SKIP: SLURM test needs {', '.join(missing)} (scripts/setup-deps installs "
              "slurm-wlm and munge)")
        sys.exit(77)
    if os.geteuid() != 0:
        print("SKIP: the SLURM test runs its one-node cluster as root (SlurmUser=root)")
        sys.exit(77)
    def stop_on_term(signum, frame):
        # meson's timeout: tearDownClass would not run, so stop the cluster here
        if Slurm.cluster:
            Slurm.cluster.stop()
        shutil.rmtree(getattr(Slurm, "dir", ""), ignore_errors=True)
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, stop_on_term)
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    sys.exit(0 if result.wasSuccessful() else 1)
