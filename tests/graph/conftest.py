"""The compile tests' session builds (mini MLP, mini CNN), shared with the graph tests."""

from tests.compile.conftest import (  # noqa: F401 - pytest fixtures
    builds_dir,
    cnn_build,
    cnn_onnx,
    mlp_build,
    mlp_onnx,
    models_dir,
)
