"""The strict load shared by the checkpoint converters of this folder."""
from typing import Dict

import torch


def check_and_load(module: torch.nn.Module,
                   state_dict: Dict[str, torch.Tensor], what: str) -> None:
    """Load ``state_dict`` into ``module`` strictly; a missing or unexpected
    key (``KeyError``) or a shape mismatch (``ValueError``) is refused with
    the keys listed and ``what`` (the config) named."""
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    if missing or unexpected:
        raise KeyError(f'converted checkpoint does not match {what}: '
                       f'missing keys {missing}, unexpected keys '
                       f'{unexpected}')
    wrong = [
        f'{k}: {tuple(v.shape)} vs {tuple(expected[k].shape)}'
        for k, v in state_dict.items() if v.shape != expected[k].shape
    ]
    if wrong:
        raise ValueError(f'converted checkpoint does not match {what}: '
                         f'shape mismatch (checkpoint vs model) {wrong}')
    module.load_state_dict(state_dict, strict=True)
