# Two commands do all set-up on a fresh machine:
#   make demo   install (once), train U-MixFormer-B0 on generated toy data,
#               evaluate mIoU with tools/test.py and write prediction images
#   make test   install (once) and run the test suite
PYTHON ?= python3
VENV ?= .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.mmseg_maskattn-installed
DEMO_DIR ?= work_dirs/demo
PYTEST_ARGS ?=

.PHONY: demo test install clean-venv

install: $(STAMP)

# torch first (the local CPU wheel satisfies torch<2.14), then mmcv 2.1.0
# built from source against it, with its compiled ops. pip caches the built
# wheel, so a second fresh venv on the same machine installs in seconds.
$(STAMP): setup.py
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q "torch<2.14" "setuptools>=77.0.3,<82" wheel ninja psutil numpy
	$(VPY) -m pip install -q --no-build-isolation "mmcv==2.1.0"
	$(VPY) -m pip install -q --no-build-isolation -e ".[tests]"
	$(VPY) -c "import mmcv.ops, mmseg, mmdet, mmseg_maskattn; print('installed mmcv', mmcv.__version__, 'mmseg', mmseg.__version__, 'mmdet', mmdet.__version__)"
	touch $(STAMP)

demo: $(STAMP)
	$(VPY) tools/gen_toy_data.py --out data/toy --num-train 48 --num-val 12 --size 64
	$(VPY) tools/train.py configs/umixformer/umixformer_mit-b0_1xb4-300iter_toy-64x64.py --work-dir $(DEMO_DIR)
	$(VPY) tools/test.py configs/umixformer/umixformer_mit-b0_1xb4-300iter_toy-64x64.py $(DEMO_DIR)/iter_300.pth --work-dir $(DEMO_DIR) --show-dir vis
	@echo "prediction images: $(DEMO_DIR)/vis/vis_data/vis_image/"

test: $(STAMP)
	$(VPY) -m pytest tests $(PYTEST_ARGS)

clean-venv:
	rm -rf $(VENV)
