from .multi_seed_test_loop import MultiSeedTestLoop

__all__ = ['MultiSeedTestLoop']
