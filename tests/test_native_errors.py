"""C++ argument errors reach Python as viterbo.NativeInputError (a ViterboError and a ValueError)."""

import numpy as np
import pytest

import viterbo as vb
from viterbo._native_support import native_module


@pytest.mark.smoke
def test_malformed_array_into_extension_is_a_viterbo_error():
    native = native_module()
    if native is None:
        pytest.skip("compiled extension not in use (VITERBO_PURE_PYTHON=1 or not built)")
    with pytest.raises(vb.NativeInputError, match="G must have shape"):
        native.haim_kislev_search(np.zeros((3, 3)), np.zeros(3), 0, np.zeros((0, 0), np.uint8), -1.0)
    assert issubclass(vb.NativeInputError, vb.ViterboError) and issubclass(vb.NativeInputError, ValueError)
