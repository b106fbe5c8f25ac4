"""The Python example is a program users copy: it must run and say what it promises."""
import pathlib
import subprocess
import sys

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def test_quickstart_runs():
    out = subprocess.run([sys.executable, str(EXAMPLES / "quickstart.py")], check=True, capture_output=True,
                         text=True).stdout
    assert "customers inserted: 2" in out
    assert "events counted: 1 duplicates: 1" in out
    assert 'field "timezone"' in out
    assert "customers after erasing c2: 1" in out


def test_conditions_runs():
    out = subprocess.run([sys.executable, str(EXAMPLES / "conditions.py")], check=True, capture_output=True,
                         text=True).stdout
    assert "did you mean 'email'?" in out
    assert "dict match: True" in out
    assert "unknown size matches: False" in out
    assert "frame: {'r1': True, 'r2': False, 'r3': False}" in out
    assert "engaged: ['a']" in out
    assert "clicks of a: 2" in out


def test_segments_runs():
    out = subprocess.run([sys.executable, str(EXAMPLES / "segments.py")], check=True, capture_output=True,
                         text=True).stdout
    assert "hot_saas: ['c1']" in out
    assert "4 2026-03-15 00:00:00+00:00 hot_saas          c1  exit" in out
    assert "c1 in hot_saas: False" in out
    assert 'in_segment("shopping") => False' in out


def test_scores_runs():
    out = subprocess.run([sys.executable, str(EXAMPLES / "scores.py")], check=True, capture_output=True,
                         text=True).stdout
    assert "c1 is now marketing_qualified" in out
    assert "2026-03-02 11:00 worth 0.00 of 5 (over the maximum)" in out
    assert "crossing 1 2026-03-02 12:00 engagement c1 up mql -> marketing_qualified" in out
    assert "crossing 2 2026-03-04 15:20 engagement c1 down mql" in out


def test_predictive_runs():
    out = subprocess.run([sys.executable, str(EXAMPLES / "predictive.py")], check=True, capture_output=True,
                         text=True).stdout
    assert "held-out AUC 0." in out
    assert "warnings: []" in out
    assert "classes: ['no', 'yes']" in out
    assert "probabilities shape: (200, 2)" in out
    assert "log-odds" in out
    assert "loaded model scores the same: True" in out


def test_automation_runs():
    out = subprocess.run([sys.executable, str(EXAMPLES / "automation.py")], check=True, capture_output=True,
                         text=True).stdout
    assert 'audit 2 welcome_eu c2 skipped customer.country="US"' in out
    assert "owner of c1: ann" in out
    assert "task 1 c1 ann Call due 2026-11-03T12:00:00+00:00\ntask 2 c3 bob Call due" in out
    assert "reopened: 5 inputs, 3 audit records, 0 tasks, last task 2" in out
    assert "  outbox 1 c1 welcome_eu done\n  outbox 2 c3 welcome_eu pending" in out
