"""tools/dataset_converters/build_fss_folds.py and
coco_instances_to_semantic.py on tiny data written in tmp_path."""
import importlib.util
import json
from pathlib import Path

import mmcv
import numpy as np
import pycocotools.mask as mask_util
import pytest
from mmengine.registry import init_default_scope

from mmseg_maskattn.datasets import EpisodicDataset

TOOLS = Path(__file__).resolve().parents[2] / 'tools' / 'dataset_converters'
PASCAL_CONFIG = (
    Path(__file__).resolve().parents[2] / 'configs' / '_base_' / 'datasets' /
    'pascal5i.py')


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name, TOOLS / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_fss_folds = load_tool('build_fss_folds')
coco_to_semantic = load_tool('coco_instances_to_semantic')


def write_config(path: Path, dataset: dict) -> Path:
    fss = dict(
        type='EpisodicDataset',
        shot=1,
        split_rule='explicit',
        novel_classes=[3],
        ignore_classes=[0],
        min_pixels=15,
        novel_in_train='drop')
    train = dict(fss, mode='train', dataset=dataset)
    test = dict(fss, mode='test', dataset=dataset)
    path.write_text(f'train_dataloader = dict(dataset={train!r})\n'
                    f'test_dataloader = dict(dataset={test!r})\n')
    return path


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def test_build_and_load_fold_list(tmp_path, capsys, fss_dataset_cfg):
    config = write_config(tmp_path / 'cfg.py', fss_dataset_cfg)
    out = tmp_path / 'folds' / 'test.json'
    assert build_fss_folds.main([str(config), '--out', str(out)]) == 0
    data = json.loads(out.read_text())
    assert data['settings']['mode'] == 'test'
    assert data['settings']['shot'] == 1
    assert data['settings']['novel_classes'] == [3]
    assert data['eligible'] == {
        '3': dict(name='c', num_images=3, images=[4, 5, 7])
    }
    assert data['class_pixels']['3'] == [[2, 5], [4, 20], [5, 20], [7, 20]]
    assert len(data['img_paths']) == 9
    assert '3 eligible images' in capsys.readouterr().out

    dataset = EpisodicDataset(
        dataset=fss_dataset_cfg,
        shot=1,
        mode='test',
        split_rule='explicit',
        novel_classes=[3],
        ignore_classes=[0],
        min_pixels=15,
        fold_list_file=str(out))
    assert dataset.eligible[3].tolist() == [4, 5, 7]


def test_short_classes_and_bad_input(tmp_path, capsys, fss_dataset_cfg):
    config = write_config(tmp_path / 'cfg.py', fss_dataset_cfg)
    out = tmp_path / 'train.json'
    # drop: class a has images 0 and 6 only, fewer than shot + 1 = 3.
    rc = build_fss_folds.main([
        str(config), '--out',
        str(out), '--loader', 'train_dataloader', '--shot', '2', '--threads',
        '2'
    ])
    assert rc == 1
    assert "1 (a)" in capsys.readouterr().err
    data = json.loads(out.read_text())
    assert data['eligible']['1']['images'] == [0, 6]
    assert data['settings']['shot'] == 2
    assert build_fss_folds.main(
        [str(config), '--out',
         str(out), '--loader', 'val_dataloader']) == 2
    assert 'no val_dataloader.dataset' in capsys.readouterr().err


def test_pascal5i_config(tmp_path):
    """The PASCAL-5i config on a 3-image fake VOC2012 (fold 0: 1..5)."""
    voc = tmp_path / 'VOC2012'
    for sub in ('JPEGImages', 'SegmentationClass', 'ImageSets/Segmentation'):
        (voc / sub).mkdir(parents=True)
    names = ['2007_000001', '2007_000002', '2007_000003']
    for i, name in enumerate(names):
        label = np.zeros((64, 64), dtype=np.uint8)
        label[:40 + 10 * i] = 1 + i  # classes 1, 2, 3 (aeroplane, ...)
        label[-2:] = 255  # boundary
        mmcv.imwrite(label, str(voc / 'SegmentationClass' / f'{name}.png'))
        mmcv.imwrite(
            np.zeros((64, 64, 3), np.uint8),
            str(voc / 'JPEGImages' / f'{name}.jpg'))
    (voc / 'ImageSets/Segmentation/val.txt').write_text('\n'.join(names))
    out = tmp_path / 'pascal.json'
    rc = build_fss_folds.main([
        str(PASCAL_CONFIG), '--out',
        str(out), '--fold', '0', '--cfg-options',
        f'test_dataloader.dataset.dataset.data_root={voc}'
    ])
    assert rc == 1  # 3 images cannot serve 1-shot episodes of 5 classes
    data = json.loads(out.read_text())
    assert data['settings']['novel_classes'] == [1, 2, 3, 4, 5]
    assert data['settings']['split_rule'] == 'pascal'
    assert data['class_pixels'] == {
        '0': [[0, 24 * 64 - 128], [1, 14 * 64 - 128], [2, 4 * 64 - 128]],
        '1': [[0, 40 * 64]],
        '2': [[1, 50 * 64]],
        '3': [[2, 60 * 64]]
    }
    assert [e['images'] for e in data['eligible'].values()] == [[0], [1], [2],
                                                                [], []]
    assert data['img_paths'][0] == 'JPEGImages/2007_000001.jpg'


def _rle(mask):
    rle = mask_util.encode(np.asfortranarray(mask.astype(np.uint8)))
    return dict(size=rle['size'], counts=rle['counts'].decode('ascii'))


def test_coco_instances_to_semantic(tmp_path):
    big = np.zeros((6, 8), bool)
    big[:4, :5] = True
    small = np.zeros((6, 8), bool)
    small[1:3, 1:3] = True
    crowd = np.zeros((5, 4), bool)
    crowd[2:, :] = True
    coco = dict(
        images=[
            dict(id=1, file_name='a.jpg', height=6, width=8),
            dict(id=2, file_name='b.jpg', height=5, width=4),
            dict(id=3, file_name='c.jpg', height=3, width=3)
        ],
        categories=[
            dict(id=7, name='kite'),
            dict(id=1, name='person'),
            dict(id=3, name='car')
        ],
        annotations=[
            # The small one comes first but is painted last.
            dict(
                id=1,
                image_id=1,
                category_id=7,
                iscrowd=0,
                area=4,
                segmentation=_rle(small),
                bbox=[1, 1, 2, 2]),
            dict(
                id=2,
                image_id=1,
                category_id=3,
                iscrowd=0,
                area=20,
                segmentation=_rle(big),
                bbox=[0, 0, 5, 4]),
            dict(
                id=3,
                image_id=2,
                category_id=1,
                iscrowd=1,
                area=12,
                segmentation=_rle(crowd),
                bbox=[0, 2, 4, 3]),
        ])
    ann_file = tmp_path / 'instances.json'
    ann_file.write_text(json.dumps(coco))
    out = tmp_path / 'semantic'
    result = coco_to_semantic.convert_coco_instances(str(ann_file), str(out))
    assert result == dict(num_images=3, classes=['person', 'car', 'kite'])
    a = mmcv.imread(str(out / 'a.png'), flag='unchanged')
    expected = np.zeros((6, 8), np.uint8)
    expected[big] = 2  # car (id 3) is the 2nd category
    expected[small] = 3  # kite (id 7) the 3rd
    assert a.dtype == np.uint8 and (a == expected).all()
    b = mmcv.imread(str(out / 'b.png'), flag='unchanged')
    assert (b == crowd.astype(np.uint8)).all()  # person = 1
    assert (mmcv.imread(str(out / 'c.png'), flag='unchanged') == 0).all()
    assert coco_to_semantic.main([str(ann_file), str(tmp_path / 'x')]) == 0
    assert coco_to_semantic.main([str(tmp_path / 'missing.json'),
                                  str(out)]) == 2
