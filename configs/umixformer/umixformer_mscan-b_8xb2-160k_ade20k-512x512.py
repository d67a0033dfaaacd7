_base_ = './umixformer_mscan-t_8xb2-160k_ade20k-512x512.py'
# the MSCAN-T config with mmseg's SegNeXt MSCAN-B encoder (widths, depths
# and ImageNet checkpoint) and the head widths that follow from it.
checkpoint_file = ('https://download.openmmlab.com/mmsegmentation/v0.5/'
                   'pretrain/segnext/mscan_b_20230227-3ab7d230.pth')
model = dict(
    backbone=dict(
        embed_dims=[64, 128, 320, 512],
        depths=[3, 3, 12, 3],
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)),
    decode_head=dict(in_channels=[64, 128, 320, 512]))
