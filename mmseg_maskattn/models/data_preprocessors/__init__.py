from .few_shot_data_preprocessor import FewShotDataPreProcessor

__all__ = ['FewShotDataPreProcessor']
