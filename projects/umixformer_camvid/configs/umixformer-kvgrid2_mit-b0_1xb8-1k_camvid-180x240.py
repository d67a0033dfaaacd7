# Study config (ours, not the release's): U-MixFormer-B0 on CamVid with the
# key/value slots aligned on the 1/16 grid (12x15 tokens for a 180x240
# crop) instead of the release's 1/32 grid (6x8 tokens), and no stochastic
# depth in the head, so that it differs from the study's no-stochastic-depth
# row in the key grid only. At the paper's 512x512 crops the release's grid
# has 16x16 tokens.
_base_ = '../../../configs/umixformer/umixformer_mit-b0_1xb8-1k_camvid-180x240.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(decode_head=dict(drop_path_rate=0.0, kv_grid_scale=2))
