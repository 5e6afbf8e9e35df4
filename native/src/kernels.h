// Micro-kernels and the vectorized sigmoid row; selected at run time by CPU features.
#pragma once

#include "sgemm.h"

namespace rgflow {

/** x[j] ← σ(x[j] + bias[j]) for j < cols, σ(z) = 1/(1 + e^{−z}), relative error < 1e-6. */
void sigmoidRow(float* x, const float* bias, int cols);

}  // namespace rgflow
