"""Thing/stuff classes of the panoptic datasets' metainfo."""
import pytest
from mmseg.datasets import BaseSegDataset

from mmseg_maskattn.datasets.panoptic_metainfo import PanopticMetainfoMixin


class _Panoptic(PanopticMetainfoMixin, BaseSegDataset):
    METAINFO = dict(classes=('sky', 'car', 'road', 'person'),
                    thing_classes=('person', 'car'))


def test_things_and_stuff_follow_the_classes():
    meta = _Panoptic._load_metainfo()
    assert meta['thing_classes'] == ('car', 'person')
    assert meta['stuff_classes'] == ('sky', 'road')
    meta = _Panoptic._load_metainfo(dict(classes=('road', 'car')))
    assert meta['thing_classes'] == ('car', )
    assert meta['stuff_classes'] == ('road', )


@pytest.mark.parametrize('metainfo, match', [
    (dict(thing_classes=None), "_Panoptic: metainfo needs 'classes'"),
    (dict(thing_classes=('bus', )), r"thing_classes \['bus'\] are not"),
])
def test_bad_thing_classes(metainfo, match):
    with pytest.raises(ValueError, match=match):
        _Panoptic._load_metainfo(metainfo)
