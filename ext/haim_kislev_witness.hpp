// The witness placement of method="haim_kislev" (ext/haim_kislev_witness.cpp) and its tolerance, which
// haim_kislev_tolerances() reports with the search's (ext/haim_kislev.cpp).
#pragma once

namespace viterbo {

// A loop is placed when it meets its facets and stays in K to kPlaceTol * size(K)
// (viterbo.capacity._haim_kislev_witness.PLACE_TOL).
constexpr double kPlaceTol = 1e-10;

}  // namespace viterbo
