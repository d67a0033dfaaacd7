"""Install script for mmseg_maskattn.

The compiled ops of mmcv are required by mmseg and mmdet (both import
``mmcv.ops``). PyPI ships mmcv only as a source distribution, so install torch
first and build mmcv without build isolation (``make demo`` / ``make test`` do
exactly that, see the README).
"""
import os.path as osp
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

# Copied into the package as mmseg_maskattn/.mim/ when a wheel (or a
# non-editable install) is built, the layout of OpenMMLab packages: it lets
# `_base_ = 'mmseg_maskattn::<method>/<config>.py'` resolve from any
# directory, and `mim train mmseg_maskattn CONFIG` find the tools.
MIM_FILES = ('configs', 'tools', 'model-index.yml')


class BuildPyWithMim(build_py):
    """``build_py`` that also copies :data:`MIM_FILES` into ``.mim``."""

    def run(self):
        super().run()
        if getattr(self, 'editable_mode', False):
            return  # an editable install reads the checkout
        target = osp.join(self.build_lib, 'mmseg_maskattn', '.mim')
        for name in MIM_FILES:
            dst = osp.join(target, name)
            if osp.isdir(dst):
                shutil.rmtree(dst)
            if osp.isdir(name):
                shutil.copytree(
                    name, dst,
                    ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
            else:
                shutil.copyfile(name, dst)


def get_version() -> str:
    namespace: dict = {}
    with open(osp.join('mmseg_maskattn', 'version.py'), encoding='utf-8') as f:
        exec(f.read(), namespace)
    return namespace['__version__']


def readme() -> str:
    with open('README.md', encoding='utf-8') as f:
        return f.read()


setup(
    name='mmseg_maskattn',
    version=get_version(),
    description='Attention-driven segmentation methods (U-MixFormer, '
    'MaskAttn-UNet, HDMNet, ...) as an MMSegmentation 1.x plugin',
    long_description=readme(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    # Only the package: tests/ and its sub-packages stay out of the install.
    packages=find_packages(include=('mmseg_maskattn',
                                    'mmseg_maskattn.*')),
    python_requires='>=3.8',
    install_requires=[
        'torch<2.14',
        'mmcv>=2.0.0rc4,<2.2.0',
        'mmengine>=0.10.0,<0.11.0',
        'mmsegmentation>=1.2.0,<1.3.0',
        'mmdet>=3.3.0,<3.4.0',
        'ftfy',
        'regex',
        'pycocotools',
        'numpy',
        'pillow',
    ],
    extras_require={
        'deploy': ['onnx', 'onnxruntime', 'onnxscript'],
        'tests': [
            'pytest', 'pytest-timeout', 'onnx', 'onnxruntime', 'onnxscript'
        ],
    },
    cmdclass={'build_py': BuildPyWithMim},
    zip_safe=False,
)
