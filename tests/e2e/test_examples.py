"""The Kubernetes and Slurm examples: they parse, carry the fields the README names, and the sbatch script runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from batchgen.store.ledger import read_ledger
from tests.helpers import (
    KEY,
    many_jobs_yaml,
    write,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_kubernetes_indexed_job_runs_one_shard_per_index():
    job = yaml.safe_load((EXAMPLES / "kubernetes-indexed-job.yaml").read_text())
    assert job["apiVersion"] == "batch/v1" and job["kind"] == "Job"
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    assert spec["completions"] == spec["parallelism"] == 8
    assert spec["podReplacementPolicy"] == "Failed"  # a replacement starts only once its predecessor stopped
    assert spec["template"]["spec"]["restartPolicy"] == "Never"
    (container,) = spec["template"]["spec"]["containers"]
    command = " ".join(container["command"] + container["args"])
    assert "--shard auto" in command and "--out s3://" in command
    assert "BATCHGEN_LEASE_HOLDER=" in command and "$JOB_COMPLETION_INDEX" in command
    env = {item["name"]: item for item in container["env"]}
    assert env["BATCHGEN_SHARDS"]["value"] == str(spec["completions"])
    # The key comes from a Secret, never a literal in the manifest.
    assert "value" not in env["SEGMIND_API_KEY"] and env["SEGMIND_API_KEY"]["valueFrom"]["secretKeyRef"]
    rules = spec["podFailurePolicy"]["rules"]
    assert rules[0]["action"] == "FailIndex" and rules[0]["onExitCodes"]["values"] == [1, 2, 4]


def test_the_slurm_array_script_declares_an_array_and_runs_its_shard(sim, tmp_path):
    script = EXAMPLES / "slurm-array.sbatch"
    text = script.read_text()
    directives = dict(re.findall(r"^#SBATCH --([a-z-]+)(?:=(\S+))?", text, re.MULTILINE))
    assert directives["array"] == "0-7" and "requeue" in directives
    assert "--shard auto" in text
    subprocess.run(["bash", "-n", str(script)], check=True)
    # Run it as Slurm would run array task 1 of 2 (an array numbered from 1), against the simulator.
    server = sim(seed=5)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    key_file = write(tmp_path / "key", KEY)
    key_file.chmod(0o600)
    env = {
        **{k: v for k, v in os.environ.items() if k != "SEGMIND_API_KEY"},
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "SLURM_ARRAY_JOB_ID": "4242", "SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "2",
        "SLURM_ARRAY_TASK_MIN": "1", "MANIFEST": str(manifest), "OUT": str(tmp_path / "out"),
        "SEGMIND_KEY_FILE": str(key_file), "BATCHGEN_BASE_URL": server.url,
    }  # fmt: skip
    done = subprocess.run(["bash", str(script), "--time-scale", "2000", "--quiet"], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    jobs = read_ledger(tmp_path / "out" / "shards" / "1-of-2" / "ledger.jsonl").jobs
    assert jobs and {rec["state"] for rec in jobs.values()} == {"completed"}
    assert not (tmp_path / "out" / "shards" / "0-of-2").exists()
    assert not (tmp_path / "out" / "report.html").exists()  # shards of one folder do not race for one report
    assert KEY not in done.stdout.decode() + done.stderr.decode()
