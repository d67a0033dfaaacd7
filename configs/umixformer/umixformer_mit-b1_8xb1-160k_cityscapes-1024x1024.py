_base_ = './umixformer_mit-b0_8xb1-160k_cityscapes-1024x1024.py'
# U-MixFormer-B1 on Cityscapes: the B0 config with mmseg's SegFormer-B1
# encoder (MiT-B1 widths, depths and ImageNet checkpoint) and the head
# widths of the paper's B1.
checkpoint = ('https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/'
              'segformer/mit_b1_20220624-02e5a6a1.pth')
model = dict(
    backbone=dict(
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint),
        embed_dims=64),
    decode_head=dict(in_channels=[64, 128, 320, 512]))
