"""Install script for mmseg_maskattn.

The compiled ops of mmcv are required by mmseg and mmdet (both import
``mmcv.ops``). PyPI ships mmcv only as a source distribution, so install torch
first and build mmcv without build isolation (``make demo`` / ``make test`` do
exactly that, see the README).
"""
import os.path as osp

from setuptools import find_packages, setup


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
        'tests': ['pytest', 'pytest-timeout'],
    },
    zip_safe=False,
)
