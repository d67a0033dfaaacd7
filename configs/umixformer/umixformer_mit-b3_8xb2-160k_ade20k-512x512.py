_base_ = './umixformer_mit-b0_8xb2-160k_ade20k-512x512.py'
# U-MixFormer-B3 on ADE20K: the B0 config with mmseg's SegFormer-B3
# encoder (MiT-B3 widths, depths and ImageNet checkpoint) and the head
# widths of the paper's B3.
checkpoint = ('https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/'
              'segformer/mit_b3_20220624-13b1141c.pth')
model = dict(
    backbone=dict(
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint),
        embed_dims=64,
        num_layers=[3, 4, 18, 3]),
    decode_head=dict(in_channels=[64, 128, 320, 512], channels=768))
