_base_ = './umixformer_mit-b0_8xb1-160k_cityscapes-1024x1024.py'
# U-MixFormer-B2 on Cityscapes: the B0 config with mmseg's SegFormer-B2
# encoder (MiT-B2 widths, depths and ImageNet checkpoint) and the head
# widths of the paper's B2.
checkpoint = ('https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/'
              'segformer/mit_b2_20220624-66e8bf70.pth')
model = dict(
    backbone=dict(
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint),
        embed_dims=64,
        num_layers=[3, 4, 6, 3]),
    decode_head=dict(in_channels=[64, 128, 320, 512], channels=768))
