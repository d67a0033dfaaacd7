# GPU check of projects/fewshot_camvid (gpu_check.sh): the fold-2 basebg
# PSPNet-R18 base learner at 240x320 (see the fold-0 config), with the
# classes of pspnet_r18-d8_1xb8-1000iter_camvid-fold2-basebg-180x240.py.
#   python tools/train.py projects/fewshot_camvid/configs/pspnet_r18-d8_1xb8-2k_camvid-fold2-basebg-240x320.py
_base_ = './pspnet_r18-d8_1xb8-2k_camvid-fold0-basebg-240x320.py'
base_classes = ('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree',
                'SignSymbol', 'Fence')
classes = ('background', ) + base_classes
model = dict(
    decode_head=dict(num_classes=len(classes)),
    auxiliary_head=dict(num_classes=len(classes)))
train_dataloader = dict(dataset=dict(metainfo=dict(classes=classes)))
val_dataloader = dict(dataset=dict(metainfo=dict(classes=classes)))
test_dataloader = val_dataloader
