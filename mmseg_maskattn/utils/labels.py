"""Label values with a fixed meaning across the package."""

__all__ = ['IGNORE_INDEX']

#: Label of ignored pixels (void, unlabelled, padding): mmseg's default
#: ``ignore_index``, which its losses and ``IoUMetric`` skip.
IGNORE_INDEX = 255
