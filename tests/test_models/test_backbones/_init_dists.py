"""Initial-weight distributions beyond those of ``_init_rule.check_init``.

:func:`check_rule` takes the same ``(parameter-name regex, distribution,
value)`` rule table as :func:`tests.test_models._init_rule.check_init`.
Entries whose distribution is in ``EXTRA`` are checked here, all others by
``check_init``:

* ``'trunc_normal'``: N(0, ``value``) cut at +-2, the default bounds of
  mmengine's ``trunc_normal_init`` and timm's ``trunc_normal_``.
* ``'fan_out_normal'``: N(0, sqrt(2 / fan_out)) with fan_out =
  ``out_channels * kh * kw / groups`` (the MiT / SegFormer / LVT conv
  rule); ``value`` is ``groups``, or ``'depthwise'`` for groups =
  out_channels.
* ``'kaiming_uniform'``: ``nn.init.kaiming_uniform_`` with a=0,
  U(+-sqrt(6 / fan_in)), fan_in = ``weight[0].numel()`` (``value``
  unused).
* ``'xavier_uniform'``: U(+-sqrt(6 / (fan_in + fan_out))) (``value``
  unused).
* ``'uniform'``: U(+-``value``).

As in ``check_init``, the sample std must lie within 6 standard errors
(std / sqrt(2n)) of the expected std and |mean| < 6 * std / sqrt(n); the
bounded ones must also keep every entry within their bound.
"""
import math
import re

from tests.test_models._init_rule import check_init

EXTRA = ('trunc_normal', 'fan_out_normal', 'kaiming_uniform',
         'xavier_uniform', 'uniform')


def _bound_and_std(p, dist, value):
    """Return ``(bound or None, std)`` of ``dist`` for the tensor ``p``."""
    receptive = math.prod(p.shape[2:])
    if dist == 'trunc_normal':
        return 2.0, value
    if dist == 'fan_out_normal':
        groups = p.shape[0] if value == 'depthwise' else value
        return None, math.sqrt(2.0 * groups / (p.shape[0] * receptive))
    if dist == 'kaiming_uniform':
        bound = math.sqrt(6.0 / p[0].numel())
    elif dist == 'xavier_uniform':
        bound = math.sqrt(6.0 / ((p.shape[0] + p.shape[1]) * receptive))
    else:  # 'uniform'
        bound = value
    return bound, bound / math.sqrt(3)


def check_rule(params, rule, check_all_rules=True):
    """Check every parameter against ``rule``, ``EXTRA`` entries included.

    Args:
        params (dict[str, Tensor]): name -> parameter; a bias with the
            ``'torch'`` distribution needs its weight under the same prefix.
        rule (list[tuple]): ``(regex, distribution, value)`` entries; every
            parameter must match exactly one (``re.fullmatch``).
        check_all_rules (bool): Also require that every rule entry matches
            some parameter.
    """
    base, used = {}, set()
    for name, p in params.items():
        hits = [r for r in rule if re.fullmatch(r[0], name)]
        assert len(hits) == 1, f'{name}: {len(hits)} rules match'
        pattern, dist, value = hits[0]
        if dist not in EXTRA:
            base[name] = p
            continue
        used.add(pattern)
        p = p.detach().double()
        bound, std = _bound_and_std(p, dist, value)
        if bound is not None:
            assert p.abs().max().item() <= bound + 1e-12, (name, bound)
        n = p.numel()
        assert abs(p.std().item() - std) < 6 * std / math.sqrt(2 * n), (
            name, p.std().item(), std)
        assert abs(p.mean().item()) < 6 * std / math.sqrt(n), (
            name, p.mean().item())
    check_init(base, [r for r in rule if r[1] not in EXTRA],
               check_all_rules=check_all_rules)
    if check_all_rules:
        unused = [r[0] for r in rule if r[1] in EXTRA and r[0] not in used]
        assert not unused, f'rules matching no parameter: {unused}'
