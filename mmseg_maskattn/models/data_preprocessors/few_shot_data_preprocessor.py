"""Data preprocessor for few-shot segmentation episodes."""
from numbers import Number
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseDataPreprocessor
from mmseg.registry import MODELS

__all__ = ['FewShotDataPreProcessor']


@MODELS.register_module()
class FewShotDataPreProcessor(BaseDataPreprocessor):
    """Normalise, pad and stack few-shot segmentation episodes.

    The counterpart of mmseg's ``SegDataPreProcessor`` for the episodes of
    :class:`~mmseg_maskattn.datasets.EpisodicDataset` (the FSS protocol of
    HDMNet, Peng et al., CVPR 2023, https://arxiv.org/abs/2303.14652). Each
    episode is a uint8 tensor ``(1 + K, 3, h, w)`` (row 0 the query, rows
    ``1..K`` the supports) with a ``SegDataSample`` holding ``gt_sem_seg``
    ``(1, hq, wq)`` and ``gt_support_seg`` ``(K, h, w)``.

    Steps, per batch:

    1. move to the device, convert BGR to RGB (``bgr_to_rgb``), cast to
       float and normalise with ``mean`` / ``std``;
    2. set the bottom/right padding the dataset added to bring the images of
       one episode to a common size back to ``pad_val`` (it was 0 before
       normalisation); the valid regions are the metainfo ``img_shape``
       (query) and ``support_img_shapes``;
    3. pad every episode at the bottom/right to a common size: ``size`` if
       given, else the largest height and width of the batch rounded up to
       ``size_divisor``; images with ``pad_val``, support masks with
       ``seg_pad_val``, and in training (as ``SegDataPreProcessor`` does)
       the query ``gt_sem_seg`` with ``seg_pad_val``. In testing the query
       label keeps its size (the label file's size: the model resizes its
       prediction to ``ori_shape``);
    4. set the metainfo like mmseg's ``stack_batch``: ``img_shape`` (the
       query's unpadded ``(h, w)``), ``pad_shape`` (the batch ``(H, W)``)
       and ``padding_size`` ``(left, right, top, bottom)`` of the query, so
       that ``BaseSegmentor.postprocess_result`` crops the padding before
       resizing to ``ori_shape``.

    Returns ``dict(inputs=float Tensor (B, 1 + K, 3, H, W),
    data_samples=list)``.

    Args:
        mean (Sequence[Number], optional): Per-channel mean (RGB order when
            ``bgr_to_rgb``). Defaults to None (no normalisation).
        std (Sequence[Number], optional): Per-channel std. Defaults to None.
        size (tuple[int, int], optional): Fixed padded ``(H, W)``.
        size_divisor (int, optional): Pad height and width to multiples of
            it (ignored when ``size`` is given).
        pad_val (Number): Image padding value, after normalisation.
            Defaults to 0.
        seg_pad_val (Number): Mask padding value. Defaults to 255.
        bgr_to_rgb (bool): Convert BGR inputs to RGB. Defaults to False.
        shot (int, optional): If given, the number of supports every episode
            must have. Defaults to None (any, but equal within a batch).

    Raises:
        ValueError: For episodes with different numbers of supports in one
            batch (naming both), ``K`` differing from ``shot`` (naming
            both), inputs that are not ``(1 + K, 3, h, w)`` tensors, support
            masks not of their episode's size, or an episode larger than
            ``size``.
    """

    def __init__(self,
                 *,
                 mean: Optional[Sequence[Number]] = None,
                 std: Optional[Sequence[Number]] = None,
                 size: Optional[Tuple[int, int]] = None,
                 size_divisor: Optional[int] = None,
                 pad_val: Number = 0,
                 seg_pad_val: Number = 255,
                 bgr_to_rgb: bool = False,
                 shot: Optional[int] = None) -> None:
        super().__init__()
        if (mean is None) != (std is None):
            raise ValueError('mean and std must be given together, got '
                             f'mean={mean}, std={std}')
        if size is not None and len(size) != 2:
            raise ValueError(f'size must be (H, W), got {size}')
        self.size = tuple(size) if size is not None else None
        self.size_divisor = size_divisor
        self.pad_val = pad_val
        self.seg_pad_val = seg_pad_val
        self.bgr_to_rgb = bgr_to_rgb
        self.shot = shot
        self._enable_normalize = mean is not None
        if self._enable_normalize:
            self.register_buffer('mean',
                                 torch.tensor(mean).view(1, -1, 1, 1), False)
            self.register_buffer('std',
                                 torch.tensor(std).view(1, -1, 1, 1), False)

    def _check_inputs(self, inputs: List[torch.Tensor]) -> int:
        """Check the episode tensors; return the common ``K``."""
        if not isinstance(inputs, (list, tuple)) or not inputs:
            raise ValueError('inputs must be a non-empty list of episode '
                             'tensors (1 + K, 3, H, W)')
        shot = None
        for i, episode in enumerate(inputs):
            if episode.ndim != 4 or episode.shape[1] != 3 or \
                    episode.shape[0] < 2:
                raise ValueError(
                    f'episode {i} must be a (1 + K, 3, H, W) tensor with '
                    f'K >= 1, got shape {tuple(episode.shape)}')
            k = episode.shape[0] - 1
            if shot is None:
                shot = k
            elif k != shot:
                raise ValueError(
                    f'episodes of one batch must have the same number of '
                    f'supports: episode 0 has K={shot}, episode {i} has '
                    f'K={k}')
        if self.shot is not None and shot != self.shot:
            raise ValueError(f'the episodes have K={shot} supports, the '
                             f'data preprocessor expects shot={self.shot}')
        return shot

    def _target_size(self, inputs: List[torch.Tensor]) -> Tuple[int, int]:
        heights = [x.shape[-2] for x in inputs]
        widths = [x.shape[-1] for x in inputs]
        if self.size is not None:
            height, width = self.size
            if max(heights) > height or max(widths) > width:
                raise ValueError(
                    f'an episode of size ({max(heights)}, {max(widths)}) '
                    f'is larger than the padding size {self.size}')
            return height, width
        height, width = max(heights), max(widths)
        if self.size_divisor is not None and self.size_divisor > 1:
            d = self.size_divisor
            height = (height + d - 1) // d * d
            width = (width + d - 1) // d * d
        return height, width

    def _reset_episode_padding(self, episode: torch.Tensor,
                               metainfo: dict) -> None:
        """Write ``pad_val`` outside each image's valid region, in place."""
        shapes = [metainfo.get('img_shape')] + list(
            metainfo.get('support_img_shapes', []))
        for row, shape in enumerate(shapes[:episode.shape[0]]):
            if shape is None:
                continue
            h, w = int(shape[0]), int(shape[1])
            episode[row, :, h:, :] = self.pad_val
            episode[row, :, :, w:] = self.pad_val

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        """Normalise, pad and stack a batch of episodes.

        Args:
            data (dict): ``inputs`` (list of uint8 ``(1 + K, 3, h, w)``
                tensors) and ``data_samples`` (list of ``SegDataSample``,
                optional) from the dataloader.
            training (bool): Whether training; then the query labels are
                padded too. Defaults to False.

        Returns:
            dict: ``inputs`` (float ``(B, 1 + K, 3, H, W)``) and
            ``data_samples``.
        """
        data = self.cast_data(data)
        inputs = data['inputs']
        data_samples = data.get('data_samples', None)
        self._check_inputs(inputs)
        height, width = self._target_size(inputs)

        padded = []
        for i, episode in enumerate(inputs):
            episode = episode.to(torch.float32, copy=True)
            if self.bgr_to_rgb:
                episode = episode[:, [2, 1, 0]]
            if self._enable_normalize:
                episode = (episode - self.mean) / self.std
            h, w = episode.shape[-2:]
            if data_samples is not None:
                self._reset_episode_padding(episode, data_samples[i].metainfo)
                self._pad_sample(data_samples[i], i, (h, w), (height, width),
                                 training)
            padded.append(
                F.pad(
                    episode, (0, width - w, 0, height - h),
                    value=self.pad_val))
        return dict(inputs=torch.stack(padded), data_samples=data_samples)

    def _pad_sample(self, data_sample, index: int, episode_size: tuple,
                    target: tuple, training: bool) -> None:
        """Pad the masks of one sample and set its padding metainfo."""
        height, width = target
        if 'gt_support_seg' in data_sample:
            masks = data_sample.gt_support_seg.data
            if tuple(masks.shape[-2:]) != tuple(episode_size):
                raise ValueError(
                    f'episode {index} ({data_sample.metainfo.get("img_path")}'
                    f'): gt_support_seg has size {tuple(masks.shape[-2:])}, '
                    f'its images {tuple(episode_size)}')
            del data_sample.gt_support_seg.data
            data_sample.gt_support_seg.data = F.pad(
                masks,
                (0, width - masks.shape[-1], 0, height - masks.shape[-2]),
                value=self.seg_pad_val)
        if training and 'gt_sem_seg' in data_sample:
            gt = data_sample.gt_sem_seg.data
            if gt.shape[-2] > height or gt.shape[-1] > width:
                raise ValueError(
                    f'episode {index} ({data_sample.metainfo.get("img_path")}'
                    f'): gt_sem_seg of size {tuple(gt.shape[-2:])} is larger '
                    f'than the padded inputs ({height}, {width})')
            del data_sample.gt_sem_seg.data
            data_sample.gt_sem_seg.data = F.pad(
                gt, (0, width - gt.shape[-1], 0, height - gt.shape[-2]),
                value=self.seg_pad_val)
        img_h, img_w = data_sample.metainfo.get('img_shape', episode_size)[:2]
        data_sample.set_metainfo(
            dict(
                img_shape=(int(img_h), int(img_w)),
                pad_shape=(height, width),
                padding_size=(0, width - int(img_w), 0, height - int(img_h))))
