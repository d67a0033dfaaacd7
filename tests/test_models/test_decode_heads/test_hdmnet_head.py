"""HDMNetHead (Peng et al., CVPR 2023, arXiv 2303.14652) as the official
release builds and trains it: parameter counts per part, initial weights,
BatchNorms in eval mode, and the optimizer's parameter groups of the
configs.

Facts of the release kept here as data: the parameter counts of its meta
learner's parts (PASCAL-5i, ResNet-50, 64-dim tokens, two priors), its
initialisation rule and its parameter groups.
"""
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from torch.nn.modules.batchnorm import _BatchNorm

import mmseg_maskattn  # noqa: F401
from tests.test_models._init_rule import check_init

init_default_scope('mmseg')

BASE = 'configs/_base_/models/hdmnet_r50.py'
CAMVID = 'configs/hdmnet/hdmnet_r18_1xb4-300iter_camvid-fold0-1shot-120x160.py'
CAMVID_ENS = ('configs/hdmnet/hdmnet_r18-pspbasebg-ens_1xb4-300iter_camvid-'
              'fold0-1shot-120x160.py')

# trainable parameters of the release's transformer, by part (our prefixes)
RELEASE_PARAMS = {
    ('embeds', 'stages', 'stage_norms'): 557_120,  # down_sample_layers
    ('matchings', 'match_convs'): 271_296,  # match_layers
    ('refines', ): 1_872_960,  # parse_layers
    ('cls', 'conv_seg'): 608_258,  # cls
}

# The release's initialisation, in our names: (regex, distribution, value).
# Its transformer defines an init but never calls it, so every Linear and
# Conv2d keeps PyTorch's default ('torch'), norms are 1 / 0, and only the
# matching convs (mmcv ConvModules) are Kaiming normal by fan-out.
RELEASE_RULE = [
    (r'embeds\.\d\.conv\.(weight|bias)', 'torch', None),
    (r'(embeds\.\d\.norm|stage_norms\.\d)\.weight', 'const', 1.0),
    (r'(embeds\.\d\.norm|stage_norms\.\d)\.bias', 'const', 0.0),
    (r'stages\.\d\.\d\.(norm1|norm2|sr_norm)\.weight', 'const', 1.0),
    (r'stages\.\d\.\d\.(norm1|norm2|sr_norm)\.bias', 'const', 0.0),
    (r'stages\.\d\.\d\.(q|kv|proj)\.weight', 'torch', None),
    (r'stages\.\d\.\d\.sr\.(weight|bias)', 'torch', None),
    (r'(stages\.\d|matchings)\.\d\.ffn\.layers\.[014]\.(weight|bias)',
     'torch', None),
    (r'matchings\.\d\.(norm1|norm2)\.weight', 'const', 1.0),
    (r'matchings\.\d\.(norm1|norm2)\.bias', 'const', 0.0),
    (r'matchings\.\d\.(q|k|v|proj)\.weight', 'torch', None),
    (r'match_convs\.\d\.conv\.weight', 'kaiming', None),
    (r'match_convs\.\d\.bn\.weight', 'const', 1.0),
    (r'match_convs\.\d\.bn\.bias', 'const', 0.0),
    (r'(refines\.\d\.[024]|cls\.[02])\.(weight|bias)', 'torch', None),
    (r'(refines\.\d\.[135]|cls\.[13])\.weight', 'const', 1.0),
    (r'(refines\.\d\.[135]|cls\.[13])\.bias', 'const', 0.0),
    (r'conv_seg\.(weight|bias)', 'torch', None),
]


def _published_head(repo_root, **kw):
    cfg = Config.fromfile(str(repo_root / BASE))
    cfg.model.decode_head.update(dict(dict(num_priors=2), **kw))
    torch.manual_seed(0)
    head = MODELS.build(cfg.model.decode_head)
    head.init_weights()  # as the Runner does
    return head


def test_parameter_counts_match_the_release(repo_root):
    head = _published_head(repo_root)
    params = dict(head.named_parameters())
    for prefixes, expected in RELEASE_PARAMS.items():
        got = sum(p.numel() for n, p in params.items()
                  if n.startswith(prefixes))
        assert got == expected, (prefixes, got, expected)
    assert sum(p.numel() for p in params.values()) == sum(
        RELEASE_PARAMS.values())
    # bias-free attention projections, as the release
    assert all(m.bias is None for n, m in head.named_modules()
               if isinstance(m, torch.nn.Linear))


def test_initialisation_follows_the_release(repo_root):
    head = _published_head(repo_root)
    check_init(dict(head.named_parameters()), RELEASE_RULE)


def test_batchnorms_stay_in_eval_mode_and_keep_their_statistics(repo_root):
    head = _published_head(repo_root, in_channels=16, channels=32,
                           num_heads=(2, 2, 2), match_heads=2)
    head.train()
    bns = [m for m in head.modules() if isinstance(m, _BatchNorm)]
    assert bns and not any(m.training for m in bns)
    assert head.matchings[0].proj_drop.training  # dropout still trains
    before = [m.running_mean.clone() for m in bns]
    inputs = (torch.randn(2, 16, 16, 16), torch.randn(2, 16, 16, 16),
              (torch.rand(2, 1, 64, 64) > 0.5).float(),
              torch.rand(2, 2, 16, 16))
    logits, corrs = head(inputs)
    assert logits.shape == (2, 2, 16, 16)
    assert [c.shape[2:] for c in corrs] == [(16, 16), (8, 8), (4, 4)]
    assert all(torch.equal(a, m.running_mean) for a, m in zip(before, bns))
    head = _published_head(repo_root, in_channels=16, channels=32,
                           num_heads=(2, 2, 2), norm_eval=False).train()
    assert all(m.training for m in head.modules()
               if isinstance(m, _BatchNorm))


@pytest.mark.parametrize('mode', ['nearest', 'fraction'])
def test_support_mask_modes(repo_root, mode):
    head = _published_head(repo_root, in_channels=16, channels=32,
                           num_heads=(2, 2, 2), support_mask_mode=mode)
    fg = torch.zeros(1, 1, 8, 8)
    fg[..., :3, :3] = 1
    mask = head._level_mask(fg, (2, 2))
    expected = [[1.0, 0.0], [0.0, 0.0]] if mode == 'nearest' else \
        [[9 / 16, 0.0], [0.0, 0.0]]
    torch.testing.assert_close(mask[0, 0], torch.tensor(expected))


@pytest.mark.parametrize('kw,text', [
    (dict(num_priors=-1), 'num_priors'),
    (dict(support_mask_mode='area'), 'support_mask_mode'),
    (dict(num_classes=3), 'num_classes must be 2'),
    (dict(in_channels=[64]), 'in_channels must be an int'),
    (dict(patch_sizes=(1, 3)), 'patch_sizes'),
    (dict(depths=(2, 0, 2)), 'depths'),
])
def test_bad_options_name_the_key(repo_root, kw, text):
    with pytest.raises(ValueError, match=text):
        _published_head(repo_root, **kw)


def test_wrong_number_of_priors_names_the_key(repo_root):
    head = _published_head(repo_root, in_channels=16, channels=32,
                           num_heads=(2, 2, 2))
    inputs = (torch.randn(1, 16, 8, 8), torch.randn(1, 16, 8, 8),
              torch.ones(1, 1, 32, 32), torch.rand(1, 1, 8, 8))
    with pytest.raises(ValueError, match='decode_head.num_priors'):
        head(inputs)


def _lr_mults(repo_root, config):
    cfg = Config.fromfile(str(repo_root / config))
    cfg.model.backbone.init_cfg = None
    if cfg.model.get('base_learner'):
        cfg.model.base_learner.init_cfg = None
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    base_lr = cfg.optim_wrapper.optimizer.lr
    by_param = {}
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            by_param[p] = (group['lr'] / base_lr, group['weight_decay'])
    return {
        name: by_param[p]
        for name, p in model.named_parameters() if p.requires_grad
    }


@pytest.mark.parametrize('config', [CAMVID, CAMVID_ENS])
def test_parameter_groups_are_the_release_groups(repo_root, config):
    """The release: the transformer at the base lr; down_query, down_supp,
    query_merge, supp_merge and the ensemble's two convs at 10x; AdamW's
    weight decay on every parameter; the frozen parts not trained."""
    groups = _lr_mults(repo_root, config)
    ten_x = ('down_query.', 'down_supp.', 'query_merge.', 'supp_merge.',
             'ensemble.')
    assert not any(n.startswith(('backbone.', 'base_learner.'))
                   for n in groups)
    for name, (mult, decay) in groups.items():
        assert name.startswith(ten_x + ('decode_head.', )), name
        expected = 10.0 if name.startswith(ten_x) else 1.0
        assert mult == pytest.approx(expected), name
        assert decay == pytest.approx(0.01), name
    assert any(n.startswith('ensemble.') for n in groups) == (
        config == CAMVID_ENS)
