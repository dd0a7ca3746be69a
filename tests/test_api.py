"""The public API: __all__ is exactly what the package exports, and every name resolves."""

import lettergen


def test_all_names_resolve():
    for name in lettergen.__all__:
        assert getattr(lettergen, name) is not None, name


def test_all_lists_every_public_name():
    public = {n for n in vars(lettergen) if not n.startswith("_") and not isinstance(getattr(lettergen, n), type(lettergen))}
    assert public == set(lettergen.__all__) - {"__version__"}


def test_library_never_imports_the_cli():
    import subprocess
    import sys

    code = "import sys, lettergen; sys.exit(1 if 'lettergen.cli' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
