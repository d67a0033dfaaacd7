# Gated-SCNN on ResNetV1c-101-D8: the R50 config with a deeper backbone.
_base_ = './gscnn_r50-d8_4xb2-80k_cityscapes-512x1024.py'
model = dict(pretrained='open-mmlab://resnet101_v1c', backbone=dict(depth=101))
