#!/usr/bin/env bash
# The DSB2018 comparison on one GPU: U-Net, MaskAttn-UNet b32 and b64 (the
# paper's size) and Mask2Former-R50, 2000 iterations of batch 8 each from
# scratch, then val (133 images at 128x128: mIoU, PQ, mask AP), params,
# GFLOPs and the peak memory of a training step. Writes the table to
# $OUT (default: projects/lowres_universal/results_gpu.md).
#
# Sized for under 10 minutes on one H100 (not yet run on a GPU: no GPU
# machine was lent when it was written). Usage, from anywhere:
#   DSB2018=/path/to/dsb2018 bash projects/lowres_universal/gpu_check.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PYTHON=${PYTHON:-python}
DSB2018=${DSB2018:-data/dsb2018}
WORK=${WORK:-work_dirs/lowres_universal_gpu}
OUT=${OUT:-projects/lowres_universal/results_gpu.md}
if [ ! -d "$DSB2018/images" ]; then
    echo "gpu_check.sh: no DSB2018 at $DSB2018 (set DSB2018=...)" >&2
    exit 1
fi
if [ "$DSB2018" != data/dsb2018 ]; then
    mkdir -p data
    ln -sfn "$(cd "$DSB2018" && pwd)" data/dsb2018
fi
"$PYTHON" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else "gpu_check.sh: no CUDA device")'
"$PYTHON" projects/lowres_universal/run_study.py --gpu \
    --work-dir "$WORK" --out "$OUT"
