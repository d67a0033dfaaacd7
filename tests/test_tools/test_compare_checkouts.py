"""tools/analysis_tools/compare_checkouts.py times two checkouts."""
from ._runner_utils import REPO_ROOT, run

TOOL = str(REPO_ROOT / 'tools/analysis_tools/compare_checkouts.py')


def test_same_checkout_twice_gives_a_row_per_checkout():
    proc = run([
        TOOL,
        str(REPO_ROOT),
        str(REPO_ROOT), '--parts', 'maskattn-unet-backbone', '--rounds',
        '1', '--repeats', '1', '--warmup', '0'
    ])
    rows = [
        line for line in proc.stdout.splitlines()
        if line.startswith('| maskattn-unet-backbone |')
    ]
    assert len(rows) == 2
    assert all(float(r.split('|')[3]) > 0 for r in rows)


def test_not_a_checkout(tmp_path):
    proc = run([TOOL, str(REPO_ROOT), str(tmp_path)], check=False)
    assert proc.returncode != 0
    assert f'{tmp_path} is not a checkout' in proc.stderr
