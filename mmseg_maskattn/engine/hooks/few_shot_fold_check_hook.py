"""Hook that checks the few-shot fold protocol against a base learner.

HDMNet: Hierarchical Dense Correlation Distillation for Few-Shot Segmentation
(Peng et al., CVPR 2023), https://arxiv.org/abs/2303.14652; its base-learner
ensemble is BAM's (Lang et al., CVPR 2022), https://arxiv.org/abs/2203.07615
"""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

__all__ = ['FewShotFoldCheckHook']


@HOOKS.register_module()
class FewShotFoldCheckHook(Hook):
    """Refuse episodes that contradict the base learner's classes.

    A base learner is trained on the base classes of one fold. Training
    episodes must be of those classes (the ensemble leaves the episode's
    own class out of its base probability), and validation and test
    episodes must be of none of them (the base learner would mark the
    target as background). Before training, validation and testing this
    hook compares the ``episode_classes`` of the dataloader's dataset with
    the model's ``base_learner_classes`` and raises a ``ValueError`` that
    names the classes and the fold; models without a base learner, and
    datasets without ``episode_classes``, are left alone. The check is
    made once per loop, not in the model's forward.
    """

    priority = 'VERY_HIGH'

    @staticmethod
    def _check(runner, loader_name: str, training: bool) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        channels = getattr(model, 'base_channel', None)
        if getattr(model, 'base_learner', None) is None or not channels:
            return
        dataset = getattr(runner, loader_name).dataset
        classes = getattr(dataset, 'episode_classes', None)
        if classes is None:
            return
        base = set(channels)
        fold = getattr(dataset, 'fold', None)
        if training:
            bad = sorted(set(classes) - base)
            if bad:
                raise ValueError(
                    f'{loader_name}: training episode classes {bad} (fold '
                    f'{fold}) are not base learner classes '
                    f'(base_learner_classes {sorted(base)}); the base '
                    'learner was trained on another fold')
        else:
            bad = sorted(set(classes) & base)
            if bad:
                raise ValueError(
                    f'{loader_name}: test episode classes {bad} (fold '
                    f'{fold}) are base learner classes '
                    f'(base_learner_classes {sorted(base)}): the ensemble '
                    'would mark the target as background; check the fold')

    def before_train(self, runner) -> None:
        self._check(runner, 'train_dataloader', True)

    def before_val(self, runner) -> None:
        self._check(runner, 'val_dataloader', False)

    def before_test(self, runner) -> None:
        self._check(runner, 'test_dataloader', False)
