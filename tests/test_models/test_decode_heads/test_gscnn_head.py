"""GSCNNHead: shape stream, fusion with the image gradient, losses, init."""
import math

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_maskattn  # noqa: F401
from tests.test_models._init_rule import check_init, perturb

init_default_scope('mmseg')

BN = dict(type='BN', requires_grad=True)
SIZE = 64
CFG = dict(
    type='GSCNNHead',
    in_channels=[8, 16, 24, 32],
    in_index=[0, 1, 2, 3],
    channels=8,
    shape_channels=(8, 4, 4, 2),
    dilations=(1, 2),
    low_level_channels=4,
    num_classes=3,
    dropout_ratio=0.0,
    norm_cfg=BN)

# The authors' release (nv-tlabs/GSCNN): the decoder's 3x3 convs and the
# classifier Kaiming-normal by fan-in (std sqrt(2 / fan_in)), the GCL output
# convs Xavier-normal (1x1, C -> C: std sqrt(2 / (C + C))), every other conv
# PyTorch's default, BatchNorms 1 / 0.
RULE = [
    (r'decoder\.0\.conv\.weight', 'normal', math.sqrt(2 / ((8 + 4) * 9))),
    (r'decoder\.1\.conv\.weight', 'normal', math.sqrt(2 / (8 * 9))),
    (r'conv_seg\.weight', 'normal', math.sqrt(2 / 8)),
    (r'gates\.[01]\.conv\.weight', 'normal', math.sqrt(2 / (4 + 4))),
    (r'gates\.2\.conv\.weight', 'normal', math.sqrt(2 / (2 + 2))),
    (r'.*(\.bn|\.bn1|\.bn2|gate\.0|gate\.4)\.weight', 'const', 1.0),
    (r'.*(\.bn|\.bn1|\.bn2|gate\.0|gate\.4)\.bias', 'const', 0.0),
    (r'(image_pool\.1|aspp\.\d|shape_in|shape_reduce\.\d|gate_in\.\d|'
     r'edge_out|edge_fuse|edge_conv|bottleneck|low_level)'
     r'\.conv\.(weight|bias)', 'torch', None),
    (r'shape_blocks\.\d\.conv[12]\.weight', 'torch', None),
    (r'gates\.\d\.gate\.[13]\.(weight|bias)', 'torch', None),
]


def _feats(batch=2):
    strides = [4, 8, 16, 32]
    return [
        torch.randn(batch, c, SIZE // s, SIZE // s)
        for c, s in zip(CFG['in_channels'], strides)
    ]


def _grad(batch=2, size=SIZE):
    return (torch.rand(batch, 1, size, size) > 0.8).float()


def _samples(batch=2, edge=True, edge_size=SIZE):
    samples = []
    for _ in range(batch):
        s = SegDataSample(
            gt_sem_seg=PixelData(data=torch.randint(0, 3, (1, SIZE, SIZE))))
        if edge:
            s.gt_edge_map = PixelData(
                data=torch.randint(0, 2, (1, edge_size, edge_size)))
        s.set_metainfo(dict(img_shape=(SIZE, SIZE), pad_shape=(SIZE, SIZE)))
        samples.append(s)
    return samples


def _head(**kw):
    torch.manual_seed(0)
    head = MODELS.build(dict(CFG, **kw))
    head.init_weights()
    return head


def test_outputs_and_loss_items():
    head = _head().eval()
    feats = _feats() + [_grad()]
    seg, edge = head._forward(feats)
    assert seg.shape == (2, 3, 16, 16)  # stage 0, stride 4
    assert edge.shape == (2, 1, SIZE, SIZE)  # the image gradient's size
    assert torch.equal(head(feats), seg)
    losses = head.train().loss(feats, _samples(), {})
    assert set(losses) == {
        'loss_ce', 'acc_seg', 'loss_edge', 'loss_edge_attention',
        'loss_dual_task'
    }
    assert all(torch.isfinite(v).all() for v in losses.values())


def test_the_image_gradient_reaches_the_segmentation():
    head = _head().eval()
    feats = _feats()
    with torch.no_grad():
        a = head(feats + [torch.zeros(2, 1, SIZE, SIZE)])
        b = head(feats + [torch.ones(2, 1, SIZE, SIZE)])
    assert not torch.allclose(a, b)


def test_edge_loss_is_the_class_balanced_bce_of_the_edge_logits():
    head = _head()
    feats = _feats() + [_grad()]
    samples = _samples()
    _, edge = head._forward(feats)
    gt = torch.stack([s.gt_edge_map.data for s in samples]).float()
    pos = gt.mean()
    weight = torch.where(gt == 1, 1 - pos, pos)
    expected = 20.0 * torch.nn.functional.binary_cross_entropy_with_logits(
        edge, gt, weight=weight)
    losses = head.loss_by_feat((head._forward(feats)[0], edge), samples)
    torch.testing.assert_close(losses['loss_edge'], expected)


def test_regular_stream_alone():
    head = _head(
        with_shape_stream=False, loss_edge=None, loss_edge_attention=None)
    names = [n for n, _ in head.named_parameters()]
    assert not any(n.startswith(('shape_', 'gate', 'edge_')) for n in names)
    # 4 branches (pooling, 1x1, one atrous rate) of 8 channels
    assert head.bottleneck.conv.in_channels == 3 * 8
    losses = head.loss(_feats(), _samples(edge=False), {})
    assert set(losses) == {'loss_ce', 'acc_seg', 'loss_dual_task'}
    assert head(_feats()).shape == (2, 3, 16, 16)


def test_init_follows_the_release():
    check_init(dict(_head().named_parameters()), RULE)


def test_init_rule_fails_before_init_weights_and_after_perturbing():
    torch.manual_seed(0)
    fresh = MODELS.build(CFG)  # ConvModules still at mmcv's Kaiming init
    with pytest.raises(AssertionError):
        check_init(dict(fresh.named_parameters()), RULE)
    head = _head()
    perturb(head)
    with pytest.raises(AssertionError):
        check_init(dict(head.named_parameters()), RULE)
    head.init_weights()
    check_init(dict(head.named_parameters()), RULE)


def test_features_without_the_image_gradient_name_the_segmentor():
    head = _head()
    with pytest.raises(ValueError, match="type='GSCNN'"):
        head(_feats())


def test_image_gradient_smaller_than_the_first_stage():
    head = _head()
    with pytest.raises(ValueError, match='image gradient'):
        head(_feats() + [_grad(size=8)])


def test_missing_edge_labels_name_generate_edge():
    head = _head()
    with pytest.raises(KeyError, match='GenerateEdge'):
        head.loss(_feats() + [_grad()], _samples(edge=False), {})


def test_edge_labels_of_the_wrong_size():
    head = _head()
    with pytest.raises(ValueError, match='gt_edge_map of sample 0'):
        head.loss(_feats() + [_grad()], _samples(edge_size=32), {})


@pytest.mark.parametrize('update,text', [
    (dict(shape_channels=(8, 4, 0, 2)), 'shape_channels'),
    (dict(in_channels=[8], in_index=[0], shape_channels=(8, )), 'at least 2'),
    (dict(dilations=(1, 0)), 'dilations'),
    (dict(with_shape_stream=1), 'with_shape_stream'),
    (dict(with_shape_stream=False, loss_edge=None), 'loss_edge_attention'),
])
def test_bad_configs(update, text):
    with pytest.raises((ValueError, TypeError), match=text):
        MODELS.build(dict(CFG, **update))
