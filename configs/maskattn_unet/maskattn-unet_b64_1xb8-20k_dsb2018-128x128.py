# MaskAttn-UNet at the paper's size (Cheng et al., arXiv 2503.10686): base
# width 64 gives 43.01M parameters (the paper reports 46M). At 128x128 it
# costs 19.55 GFLOPs with the default key/value pooling (8, 4, 2, 1, 1), and
# 101.27 GFLOPs with full attention at every scale (kv_pool 1 everywhere);
# the paper reports 11 GFLOPs (tools/analysis_tools/get_flops.py, attention
# products counted). Same data pipeline and schedule as the b32 config.
_base_ = ['./maskattn-unet_b32_1xb8-20k_dsb2018-128x128.py']
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(
    backbone=dict(base_channels=64),
    decode_head=dict(in_channels=64, channels=64))
