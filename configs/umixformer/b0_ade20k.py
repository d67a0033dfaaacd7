# Short name of umixformer_mit-b0_8xb2-160k_ade20k-512x512.py:
# U-MixFormer-B0 on ADE20K, 512x512 crops, 160k iterations, batch 16.
_base_ = './umixformer_mit-b0_8xb2-160k_ade20k-512x512.py'
