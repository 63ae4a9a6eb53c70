import pytest

from engine.graph.paths import FolderPaths


@pytest.fixture
def compat(tmp_path):
    """engine.compat installed over a FolderPaths in tmp_path; uninstalled afterwards."""
    import engine.compat
    paths = FolderPaths(str(tmp_path))
    paths.ensure_dirs()
    st = engine.compat.install(paths)
    yield st
    engine.compat.uninstall()
