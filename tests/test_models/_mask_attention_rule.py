"""The initialisation rule of ``MaskAttention``, kept as data.

Shared by the tests of the module and of ``MaskAttnUNet``, which embeds it;
the rule format is that of ``tests/test_models/_init_rule.py``.
"""


def attention_rule(prefix='', score=True):
    """(parameter regex, distribution, value), see
    tests/test_models/_init_rule.py; ``score``: the module has a score
    conv (mask_mode 'hard' or 'soft')."""
    rule = [
        (r'(q|kv|proj)\.(weight|bias)', 'torch', None),
        (r'ffn\.layers\.(0\.0|1)\.(weight|bias)', 'torch', None),
        (r'norm\.weight', 'const', 1.0),
        (r'norm\.bias', 'const', 0.0),
    ]
    if score:
        rule.append((r'score\.(weight|bias)', 'torch', None))
    return [(prefix + regex, dist, value) for regex, dist, value in rule]
