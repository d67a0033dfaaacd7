"""Import a study script of ``projects/`` by its path."""
import importlib.util
from pathlib import Path
from types import ModuleType

PROJECTS = Path(__file__).resolve().parents[2] / 'projects'


def load_script(relative_path: str) -> ModuleType:
    """Import ``projects/<relative_path>`` as a module (projects are not a
    package)."""
    path = PROJECTS / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
