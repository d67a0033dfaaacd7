# mmseg's DANet config with this plugin's DANetHead: the same parameters
# and losses as mmseg's DAHead (its checkpoints load strictly), with a
# position attention that never materialises the N x N similarity matrix.
_base_ = 'mmseg::danet/danet_r101-d8_4xb2-80k_cityscapes-512x1024.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(decode_head=dict(type='DANetHead'))
