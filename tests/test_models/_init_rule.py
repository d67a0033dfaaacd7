"""Check a module's initial weights against a rule kept as data.

A rule is a list of ``(parameter-name regex, distribution, value)``; every
parameter must match exactly one entry (``re.fullmatch``). Distributions:

* ``'const'``: every entry equals ``value``.
* ``'torch'``: PyTorch's default of a linear / conv, weight and bias
  ~ U(-b, b) with b = 1 / sqrt(fan_in), fan_in = ``weight[0].numel()``
  (``value`` unused). Every entry must lie in [-b, b].
* ``'kaiming'``: mmcv's ConvModule default (ReLU), N(0, sqrt(2 / fan_out))
  with fan_out = ``weight.shape[0] * kh * kw`` (``value`` unused).
* ``'normal'``: N(0, ``value``).

For the random ones the sample std must lie within 6 standard errors
(std / sqrt(2n)) of the expected std and |mean| < 6 * std / sqrt(n) (a
single value: |x| < 6 * std).
"""
import math
import re

import torch


def _rule(rule, name):
    hits = [r for r in rule if re.fullmatch(r[0], name)]
    assert len(hits) == 1, f'{name}: {len(hits)} rules match'
    return hits[0]


def check_init(params, rule, check_all_rules=True):
    """Check every parameter against ``rule``.

    Args:
        params (dict[str, Tensor]): name -> parameter; a bias needs its
            weight under the same prefix (for fan-in).
        rule (list[tuple]): ``(regex, distribution, value)`` entries.
        check_all_rules (bool): Also require that every rule entry matches
            some parameter (so that the table stays in sync with the
            model).
    """
    used = set()
    for name, p in params.items():
        pattern, dist, value = _rule(rule, name)
        used.add(pattern)
        p = p.detach().double()
        n = p.numel()
        if dist == 'const':
            assert torch.all(p == value), (name, p.flatten()[:4])
            continue
        if dist == 'torch':
            w = params[name[:-len('bias')] + 'weight'] if name.endswith(
                'bias') else p
            bound = 1 / math.sqrt(w[0].numel())
            assert p.abs().max().item() <= bound + 1e-12, (name, bound)
            std = bound / math.sqrt(3)
        elif dist == 'kaiming':
            fan_out = p.shape[0] * math.prod(p.shape[2:])
            std = math.sqrt(2.0 / fan_out)
        elif dist == 'normal':
            std = value
        else:
            raise ValueError(f'unknown distribution {dist!r}')
        if n == 1:  # e.g. the bias of a conv with one output
            assert abs(p.item()) < 6 * std, (name, p.item())
            continue
        tol = 6 * std / math.sqrt(2 * n)
        assert abs(p.std().item() - std) < tol, (name, p.std().item(), std)
        assert abs(p.mean().item()) < 6 * std / math.sqrt(n), (
            name, p.mean().item())
    if check_all_rules:
        unused = [r[0] for r in rule if r[0] not in used]
        assert not unused, f'rules matching no parameter: {unused}'


def perturb(module):
    """Overwrite every parameter with a value no rule above produces."""
    with torch.no_grad():
        for p in module.parameters():
            p.fill_(0.37)
