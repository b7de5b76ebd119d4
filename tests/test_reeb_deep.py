"""method="reeb" against brute-force Haim-Kislev on many random polytopes (deep tier).

Kept apart from test_reeb.py, whose module mark is smoke: a test carries exactly one tier mark.
"""

import pytest

import viterbo as vb
from viterbo import families
from viterbo.capacity.reeb.method import why_not_reeb

from _reeb_hk_bruteforce import hk_bruteforce


@pytest.mark.deep
@pytest.mark.parametrize("seed", range(60))
def test_random_small_polytopes_agree_with_bruteforce_haim_kislev(seed):
    K = families.random_halfspaces(6 + seed % 2, 4, 100 + seed)
    if why_not_reeb(K) is not None:
        pytest.skip(why_not_reeb(K))
    r = vb.capacity(K, method="reeb")
    assert r.value == pytest.approx(hk_bruteforce(K), rel=1e-9)
    assert r.verify()
