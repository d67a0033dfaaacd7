_base_ = './umixformer_mit-b0_8xb2-160k_ade20k-512x512.py'
# U-MixFormer with the LVT encoder (Yang et al., CVPR 2022; registered by
# mmseg_maskattn) on ADE20K: the B0 config, which carries the published
# schedule (AdamW 6e-5, head lr x10, warm-up 1500 iterations, poly to 160k),
# with LVT's widths. No ImageNet weights ship with this plugin: set
# backbone.init_cfg to a converted LVT checkpoint to reproduce the paper.
model = dict(
    backbone=dict(
        _delete_=True,
        type='LVT',
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.1),
    decode_head=dict(in_channels=[64, 64, 160, 256]))
