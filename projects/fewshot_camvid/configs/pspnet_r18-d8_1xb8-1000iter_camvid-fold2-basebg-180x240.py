# Base learner and backbone of the published-model CamVid study, fold 2
# (see the fold-0 config): PSPNet-R18 on the base classes + background of
# configs/hdmnet/pspnet_r18-d8_1xb8-500iter_camvid-fold2-basebg-120x160.py
# (fold 2 is novel: Car, Pedestrian, Bicyclist),
# at 180x240 for 1000 iterations.
#   python tools/train.py projects/fewshot_camvid/configs/pspnet_r18-d8_1xb8-1000iter_camvid-fold2-basebg-180x240.py
_base_ = './pspnet_r18-d8_1xb8-1000iter_camvid-fold0-basebg-180x240.py'
base_classes = ('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree',
                'SignSymbol', 'Fence')
classes = ('background', ) + base_classes
model = dict(
    decode_head=dict(num_classes=len(classes)),
    auxiliary_head=dict(num_classes=len(classes)))
train_dataloader = dict(dataset=dict(metainfo=dict(classes=classes)))
val_dataloader = dict(dataset=dict(metainfo=dict(classes=classes)))
test_dataloader = val_dataloader
