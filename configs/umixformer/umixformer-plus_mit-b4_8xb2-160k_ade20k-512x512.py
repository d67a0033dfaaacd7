_base_ = './umixformer_mit-b4_8xb2-160k_ade20k-512x512.py'
# U-MixFormer+: the outputs of every 6th stage-3 block of MiT-B4
# (4 maps of width 320 at 1/16) join the key/value mix, pooled 2x.
model = dict(
    backbone=dict(
        type='MixVisionTransformerPlus', extra_stage=2, extra_interval=6),
    decode_head=dict(
        in_channels=[64, 128, 320, 512, 320, 320, 320, 320],
        in_index=[0, 1, 2, 3, 4, 5, 6, 7],
        extra_pool_ratio=2))
