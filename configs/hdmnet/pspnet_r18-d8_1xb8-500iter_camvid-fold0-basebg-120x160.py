# Base learner of the BAM-style ensemble for CamVid few-shot fold 0
# (`hdmnet_r18-pspbasebg-ens_*`): PSPNet-R18 trained on the base classes
# plus a background class that collects the fold's novel classes (Sky, Building, Pole, Road),
# BAM's base-learner label space (Lang et al., CVPR 2022,
# https://arxiv.org/abs/2203.07615): channel 0 is background, so
# 1 - p(background) is the probability of a base class. CamVidDataset maps
# every class missing from a class list that starts with 'background' to
# id 0 (void stays 255). Same schedule as
# pspnet_r18-d8_1xb8-500iter_camvid-fold0-base-120x160.py.
#   python tools/train.py configs/hdmnet/pspnet_r18-d8_1xb8-500iter_camvid-fold0-basebg-120x160.py
_base_ = './pspnet_r18-d8_1xb8-500iter_camvid-fold0-base-120x160.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
classes = ('background', 'Pavement', 'Tree', 'SignSymbol', 'Fence', 'Car',
           'Pedestrian', 'Bicyclist')
model = dict(
    decode_head=dict(num_classes=len(classes)),
    auxiliary_head=dict(num_classes=len(classes)))
train_dataloader = dict(dataset=dict(metainfo=dict(classes=classes)))
val_dataloader = dict(dataset=dict(metainfo=dict(classes=classes)))
test_dataloader = val_dataloader
