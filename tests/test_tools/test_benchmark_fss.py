"""Smoke test of tools/analysis_tools/benchmark_fss.py: a tiny HDMNet and a
tiny PrototypeFSS on toy episodes, one timed step each, K = 1 and 2."""
import math
import re

from ._runner_utils import REPO_ROOT, run

BENCH = str(REPO_ROOT / 'tools' / 'analysis_tools' / 'benchmark_fss.py')
PROTOTYPE = '''
_base_ = {hdmnet!r}
model = dict(
    _delete_=True,
    type='PrototypeFSS',
    data_preprocessor=dict(
        type='FewShotDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        size=(64, 64),
        shot=1),
    backbone=dict(
        type='ResNetV1c', depth=18, base_channels=8, stem_channels=8,
        num_stages=3, out_indices=(1, 2), dilations=(1, 1, 2),
        strides=(1, 2, 1)),
    decode_head=dict(type='PrototypeHead', in_channels=48, channels=16))
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))
'''
ROW = re.compile(r'^\| (\S+\.py) \| (\w+) \| (\d+) \| (\d+) \| ([\d.]+) '
                 r'\| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$')


def test_benchmark_prints_table_with_finite_numbers(toy_data_root, tmp_path,
                                                    hdmnet_tiny_config):
    # the benchmark times train and test steps only: the seeds of the
    # config's test loop are not read
    hdmnet = hdmnet_tiny_config(toy_data_root, shot=1, seeds=(321, 322))
    prototype = tmp_path / 'prototype_tiny.py'
    prototype.write_text(PROTOTYPE.format(hdmnet=str(hdmnet)))
    proc = run([
        BENCH,
        str(hdmnet),
        str(prototype), '--shots', '1', '2', '--warmup', '0', '--repeats',
        '1', '--threads', '1'
    ])
    out = proc.stdout
    assert 'command: `python ' in out and 'machine: ' in out
    assert '| config | model | K |' in out
    rows = [m.groups() for m in map(ROW.match, out.splitlines()) if m]
    assert [(r[1], int(r[2])) for r in rows] == [('HDMNet', 1),
                                                  ('PrototypeFSS', 1),
                                                  ('HDMNet', 2),
                                                  ('PrototypeFSS', 2)], out
    for row in rows:
        assert int(row[3]) == 2  # the config's training batch size
        for value in row[4:]:
            value = float(value)
            assert math.isfinite(value) and value > 0, row
    ratios = re.findall(r'K=(\d) (train|test): HDMNet runs at ([\d.]+)x', out)
    assert len(ratios) == 4 and all(float(r[2]) > 0 for r in ratios), out
