"""Test oracle: the forward pass of HDMNet's release written out as plain
tensor operations on a state dict in the release's own parameter names
(Peng et al., CVPR 2023, https://arxiv.org/abs/2303.14652; BAM's PSPNet as
its base learner).

It is written from the release's model description (shapes, the order of
the operations, the constants 1e-7, 5e-4, 0.1, x10), independently of the
package's modules, and is used only to check that a converted checkpoint
gives the same prediction in our model. Evaluation mode, one episode,
K = 1, test-time base probability (every base channel).
"""
import math

import torch
import torch.nn.functional as F

T = 'transformer.mix_transformer.'
LN_EPS = 1e-6


def _bn(x, sd, p):
    return F.batch_norm(x, sd[p + '.running_mean'], sd[p + '.running_var'],
                        sd[p + '.weight'], sd[p + '.bias'], False, 0.0, 1e-5)


def _ln(x, sd, p):
    return F.layer_norm(x, x.shape[-1:], sd[p + '.weight'], sd[p + '.bias'],
                        LN_EPS)


def _resnet(x, sd):
    """Deep-stem dilated ResNet-50: layer0..layer4 outputs."""
    for conv, bn, stride in (('0', '1', 2), ('3', '4', 1), ('6', '7', 1)):
        x = F.relu(_bn(F.conv2d(x, sd[f'layer0.{conv}.weight'],
                                stride=stride, padding=1), sd, f'layer0.{bn}'))
    x = F.max_pool2d(x, 3, 2, 1)
    outs = [x]
    for layer, (stride, dilation) in enumerate(
            ((1, 1), (2, 1), (1, 2), (1, 4)), start=1):
        j = 0
        while f'layer{layer}.{j}.conv1.weight' in sd:
            p = f'layer{layer}.{j}'
            s = stride if j == 0 else 1
            out = F.relu(_bn(F.conv2d(x, sd[p + '.conv1.weight']), sd,
                             p + '.bn1'))
            out = F.relu(_bn(F.conv2d(out, sd[p + '.conv2.weight'], stride=s,
                                      padding=dilation, dilation=dilation),
                             sd, p + '.bn2'))
            out = _bn(F.conv2d(out, sd[p + '.conv3.weight']), sd, p + '.bn3')
            if p + '.downsample.0.weight' in sd:
                x = _bn(F.conv2d(x, sd[p + '.downsample.0.weight'],
                                 stride=s), sd, p + '.downsample.1')
            x = F.relu(out + x)
            j += 1
        outs.append(x)
    return outs


def _psp_features(x, sd):
    """PPM (bins 1, 2, 3, 6) then the classifier's 3x3 conv + BN."""
    parts = [x]
    for i, bins in enumerate((1, 2, 3, 6)):
        y = F.adaptive_avg_pool2d(x, bins)
        y = F.relu(_bn(F.conv2d(y, sd[f'ppm.features.{i}.1.weight']), sd,
                       f'ppm.features.{i}.2'))
        parts.append(F.interpolate(y, x.shape[2:], mode='bilinear',
                                   align_corners=True))
    x = torch.cat(parts, 1)
    return _bn(F.conv2d(x, sd['cls.0.weight'], padding=1), sd, 'cls.1')


def _prior(q, s, mask):
    """Best cosine of every query position to the masked support."""
    mask = F.interpolate(mask, q.shape[2:], mode='nearest')
    s = (s * mask).flatten(2)  # (1, C, Ns)
    q = q.flatten(2)  # (1, C, Nq)
    cos = s.transpose(1, 2) @ q / (
        s.norm(dim=1)[..., None] * q.norm(dim=1)[:, None] + 1e-7)
    return cos.amax(dim=1).reshape(1, 1, *mask.shape[2:])


def _mix_ffn(x, hw, sd, p):
    b, n, c = x.shape
    y = x.transpose(1, 2).reshape(b, c, *hw)
    y = F.conv2d(y, sd[p + '.layers.0.weight'], sd[p + '.layers.0.bias'])
    y = F.conv2d(y, sd[p + '.layers.1.weight'], sd[p + '.layers.1.bias'],
                 padding=1, groups=y.shape[1])
    y = F.conv2d(F.gelu(y), sd[p + '.layers.4.weight'],
                 sd[p + '.layers.4.bias'])
    return y.flatten(2).transpose(1, 2)


def _heads(x, h):
    b, n, c = x.shape
    return x.reshape(b, n, h, c // h).transpose(1, 2)


def _self_layer(x, hw, sd, p, heads, sr):
    y = _ln(x, sd, p + '.norm1')
    kv = y
    if sr > 1:
        grid = y.transpose(1, 2).reshape(1, -1, *hw)
        grid = F.conv2d(grid, sd[p + '.attn.sr.weight'],
                        sd[p + '.attn.sr.bias'], stride=sr)
        kv = _ln(grid.flatten(2).transpose(1, 2), sd, p + '.attn.norm')
    a = p + '.attn.attn.linear_'
    q = _heads(y @ sd[a + 'q.weight'].t(), heads)
    k = _heads(kv @ sd[a + 'k.weight'].t(), heads)
    v = _heads(kv @ sd[a + 'v.weight'].t(), heads)
    attn = (q @ k.transpose(-1, -2) /
            (math.sqrt(q.shape[-1]) + 1e-9)).softmax(-1)
    out = (attn @ v).transpose(1, 2).flatten(2) @ sd[a + 'o.weight'].t()
    x = x + out
    return x + _mix_ffn(_ln(x, sd, p + '.norm2'), hw, sd, p + '.ffn')


def _match_layer(xq, hw, xs, mask, sd, p):
    y, z = _ln(xq, sd, p + '.norm1'), _ln(xs, sd, p + '.norm1')
    a = p + '.attn.attn.linear_'
    q = F.normalize(_heads(y @ sd[a + 'q.weight'].t(), 2), dim=-1)
    k = F.normalize(_heads(z @ sd[a + 'k.weight'].t(), 2), dim=-1)
    v = _heads(z @ sd[a + 'v.weight'].t(), 2)
    scores = q @ k.transpose(-1, -2) / 0.1  # (1, heads, Nq, Ns)
    attn = scores.softmax(dim=2) * mask[:, None, None, :]
    out = (attn @ v).transpose(1, 2).flatten(2) @ sd[a + 'o.weight'].t()
    x = xq + out
    return x + _mix_ffn(_ln(x, sd, p + '.norm2'), hw, sd, p + '.ffn')


def _seq(x, sd, p, convs, last_relu):
    """conv+bias, BN, conv+bias (3x3), BN[, conv+bias, BN][, ReLU]."""
    for i, pad in zip(range(0, 2 * convs, 2), (0, 1, 0)):
        x = F.conv2d(x, sd[f'{p}.{i}.weight'], sd[f'{p}.{i}.bias'],
                     padding=pad)
        if f'{p}.{i + 1}.running_mean' in sd:
            x = _bn(x, sd, f'{p}.{i + 1}')
    return F.relu(x) if last_relu else x


def _transformer(xq, xs, s_mask, prior, sd):
    merged = []
    for i, (kernel, stride, heads, sr) in enumerate(
            zip((1, 3, 3), (1, 2, 2), (2, 4, 8), (4, 2, 1))):
        p = f'{T}down_sample_layers.{i}'
        toks = []
        for x in (xq, xs):
            x = F.conv2d(x, sd[p + '.0.projection.weight'],
                         sd[p + '.0.projection.bias'], stride=stride,
                         padding=stride // 2)
            hw = x.shape[2:]
            t = _ln(x.flatten(2).transpose(1, 2), sd, p + '.0.norm')
            for j in (1, 2):
                t = _self_layer(t, hw, sd, f'{p}.{j}', heads, sr)
            toks.append(_ln(t, sd, p + '.3'))
        xq, xs = (t.transpose(1, 2).reshape(1, -1, *hw) for t in toks)
        mask = F.interpolate(s_mask, hw, mode='nearest').flatten(1)
        m = f'{T}match_layers.{i}'
        out = _match_layer(toks[0], hw, toks[1], mask, sd, m + '.0')
        out = out.transpose(1, 2).reshape(1, -1, *hw)
        pr = F.interpolate(prior, hw, mode='bilinear', align_corners=True)
        out = F.conv2d(torch.cat([out, pr], 1), sd[m + '.1.conv.weight'],
                       padding=1)
        merged.append(F.relu(_bn(out, sd, m + '.1.bn')))
    agg = _seq(merged[2], sd, f'{T}parse_layers.2', 3, True)
    for i in (1, 0):
        up = F.interpolate(agg, merged[i].shape[2:], mode='bilinear',
                           align_corners=False)
        agg = up + _seq(merged[i] + up, sd, f'{T}parse_layers.{i}', 3, True)
    y = _seq(agg, sd, f'{T}cls', 2, False)
    return F.conv2d(y, sd[f'{T}cls.4.weight'], sd[f'{T}cls.4.bias'])


def _gram(x):
    f = x.flatten(2)[0]  # (C, HW)
    norm = f.norm(dim=1)
    return f @ f.t() / (norm[:, None] * norm[None] + 1e-7)


def release_forward(sd, query, support, support_label):
    """The release's final prediction (1, 2, h, w) at stride 8 (before its
    upsampling), in evaluation mode, for one 1-shot test episode.

    Args:
        sd (dict): Release state dict (no ``module.`` prefix).
        query (Tensor): (1, 3, H, W); support (Tensor): (1, 3, H, W).
        support_label (Tensor): (1, H, W), 1 = episode class.
    """
    mask = (support_label == 1).float()[:, None]
    with torch.no_grad():
        fq = _resnet(query, sd)
        fs = _resnet(support * mask, sd)
        psp_q, psp_s = _psp_features(fq[4], sd), _psp_features(fs[4], sd)

        def down(name, f):
            return F.relu(F.conv2d(torch.cat([f[3], f[2]], 1),
                                   sd[f'{name}.0.weight']))

        q_mid, s_mid = down('down_query', fq), down('down_supp', fs)
        size = q_mid.shape[2:]
        m = F.interpolate(mask, size, mode='bilinear', align_corners=True)
        proto = (s_mid * m).sum((2, 3)) / (m.sum((2, 3)) + 5e-4)
        proto = proto[..., None, None].expand_as(q_mid)
        prior = torch.cat([_prior(psp_q, psp_s, mask),
                           _prior(fq[4], fs[4], mask)], 1)
        xq = F.relu(F.conv2d(torch.cat([q_mid, proto, 10 * prior], 1),
                             sd['query_merge.0.weight']))
        xs = F.relu(F.conv2d(torch.cat([s_mid, proto], 1),
                             sd['supp_merge.0.weight']))
        meta = _transformer(xq, xs, mask, prior, sd)
        base = F.conv2d(F.relu(psp_q), sd['base_learnear.2.weight'],
                        sd['base_learnear.2.bias'])
        c = fq[2].shape[1]
        est = (_gram(fq[2]) - _gram(fs[2])).norm() / c
        p = meta.softmax(1)
        est_map = torch.full_like(p[:, :1], float(est))
        bg = F.conv2d(torch.cat([p[:, :1], est_map], 1),
                      sd['gram_merge.weight'])
        fg = F.conv2d(torch.cat([p[:, 1:], est_map], 1),
                      sd['gram_merge.weight'])
        base_map = base.softmax(1)[:, 1:].sum(1, keepdim=True)
        bg = F.conv2d(torch.cat([bg, base_map], 1), sd['cls_merge.weight'])
        return torch.cat([bg, fg], 1)
