"""The attention_camvid study script reads the per-class IoU table."""
import pytest

from ._script import load_script

study = load_script('attention_camvid/run_study.py')

LOG = """12/06 13:00:00 - mmengine - INFO - per class results:
12/06 13:00:00 - mmengine - INFO - 
+------------+-------+-------+
|   Class    |  IoU  |  Acc  |
+------------+-------+-------+
|    Sky     | 85.55 | 93.41 |
| SignSymbol |  nan  |  nan  |
| Bicyclist  |  1.8  |  2.0  |
+------------+-------+-------+
12/06 13:00:01 - mmengine - INFO - 
+------------+--------+--------+
|   Class    | bF@3px | bF@5px |
+------------+--------+--------+
|    Sky     |  40.0  |  50.0  |
+------------+--------+--------+
"""


def test_class_iou_reads_the_iou_table_only():
    ious = study.class_iou(LOG)
    assert list(ious) == ['Sky', 'SignSymbol', 'Bicyclist']
    assert ious['Sky'] == 85.55 and ious['Bicyclist'] == 1.8
    assert ious['SignSymbol'] != ious['SignSymbol']  # nan


def test_class_iou_without_a_table():
    with pytest.raises(ValueError, match='per-class IoU table'):
        study.class_iou('no table here')


def test_every_model_has_a_config():
    for config in study.MODELS.values():
        assert (study.ROOT + '/' + study.CONFIGS + config)
        assert __import__('os').path.isfile(
            f'{study.ROOT}/{study.CONFIGS}{config}')
