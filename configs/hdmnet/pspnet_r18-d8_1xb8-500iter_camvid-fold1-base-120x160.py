# Base learner of CamVid few-shot fold 1 (see fold 0): PSPNet-R18 trained on
# the base classes only; fold 1 is novel: Pavement, Tree, SignSymbol, Fence.
_base_ = './pspnet_r18-d8_1xb8-500iter_camvid-fold0-base-120x160.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
base_classes = ('Sky', 'Building', 'Pole', 'Road', 'Car', 'Pedestrian',
                'Bicyclist')
model = dict(
    decode_head=dict(num_classes=len(base_classes)),
    auxiliary_head=dict(num_classes=len(base_classes)))
train_dataloader = dict(dataset=dict(metainfo=dict(classes=base_classes)))
val_dataloader = dict(dataset=dict(metainfo=dict(classes=base_classes)))
test_dataloader = val_dataloader
