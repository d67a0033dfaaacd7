#!/usr/bin/env bash
# The CamVid few-shot study at a GPU budget: for each fold of $FOLDS
# (default: fold 1), the basebg PSPNet-R18 base learner at 240x320 (2000
# iterations of batch 8), then at the same time, as four processes on the
# one GPU, HDMNet as published (with BAM's ensemble) at learning rates 1e-4,
# 3e-4 and 1e-3 and the prototype baseline, 10000 iterations of batch 4 at
# 240x320 each, validated every 2500 iterations (the learning curve), then
# tested over 5 seeds x 1000 episodes. Writes the table to $OUT (default:
# projects/fewshot_camvid/results_gpu.md).
#
# Sized for under 10 minutes on one H100 for one fold, by estimate: it has
# not run on a GPU yet (no GPU machine was lent when it was written). Each
# phase prints its minutes into the work dir (train_minutes.txt,
# test_minutes.txt), and finished runs are reused, so a cut run resumes.
# Usage, from anywhere:
#   CAMVID=/path/to/camvid bash projects/fewshot_camvid/gpu_check.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PYTHON=${PYTHON:-python}
CAMVID=${CAMVID:-data/camvid}
FOLDS=${FOLDS:-1}
WORK=${WORK:-work_dirs/fewshot_camvid_gpu}
OUT=${OUT:-projects/fewshot_camvid/results_gpu.md}
if [ ! -d "$CAMVID/train" ] || [ ! -d "$CAMVID/trainannot" ]; then
    echo "gpu_check.sh: no CamVid (train/, trainannot/) at $CAMVID" \
        "(set CAMVID=...)" >&2
    exit 1
fi
if [ "$CAMVID" != data/camvid ]; then
    mkdir -p data
    ln -sfn "$(cd "$CAMVID" && pwd)" data/camvid
fi
"$PYTHON" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else "gpu_check.sh: no CUDA device")'
# shellcheck disable=SC2086
"$PYTHON" projects/fewshot_camvid/run_study.py --study gpu \
    --work-dir "$WORK" --out "$OUT" --folds $FOLDS
