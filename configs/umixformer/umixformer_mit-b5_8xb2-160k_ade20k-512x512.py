_base_ = './umixformer_mit-b0_8xb2-160k_ade20k-512x512.py'
# U-MixFormer-B5 on ADE20K: the B0 config with mmseg's SegFormer-B5
# encoder (MiT-B5 widths, depths and ImageNet checkpoint) and the head
# widths of the paper's B5.
checkpoint = ('https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/'
              'segformer/mit_b5_20220624-658746d9.pth')
model = dict(
    backbone=dict(
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint),
        embed_dims=64,
        num_layers=[3, 6, 40, 3]),
    decode_head=dict(in_channels=[64, 128, 320, 512], channels=768))
