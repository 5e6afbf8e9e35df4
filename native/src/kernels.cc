// Register-blocked micro-kernels: each computes one mr×nr tile of C from a packed mr×kc
// panel of A and a packed kc×nr panel of B, keeping the whole tile in vector registers
// (one broadcast of A times nr/lanes loads of B per depth step, all fused multiply-adds).
//   avx512:    12×32 tile, 24 zmm accumulators
//   avx2-fma:   6×16 tile, 12 ymm accumulators
//   portable:   4×8 tile in plain C++ (the compiler vectorizes it for SSE2 or NEON)
// The ISA-specific kernels are compiled with per-function target attributes, so the addon
// builds with baseline flags on any x86-64 (and without them on ARM) and picks at run time.
#include "kernels.h"

#include <cstring>

#if (defined(__x86_64__) || defined(__i386__)) && !defined(RGFLOW_NO_X86)
#include <immintrin.h>
#define RGFLOW_X86 1
#endif

namespace rgflow {

namespace {

template <int MR, int NR>
void kernelPortable(int kc, const float* a, const float* b, float* c, std::ptrdiff_t ldc, float alpha, float beta) {
  float acc[MR][NR] = {};
  for (int p = 0; p < kc; p++) {
    for (int i = 0; i < MR; i++) {
      const float ai = a[i];
      for (int j = 0; j < NR; j++) acc[i][j] += ai * b[j];
    }
    a += MR;
    b += NR;
  }
  for (int i = 0; i < MR; i++) {
    float* ci = c + i * ldc;
    if (beta == 0.0f) {
      for (int j = 0; j < NR; j++) ci[j] = alpha * acc[i][j];
    } else {
      for (int j = 0; j < NR; j++) ci[j] = alpha * acc[i][j] + beta * ci[j];
    }
  }
}

#ifdef RGFLOW_X86

__attribute__((target("avx2,fma"))) void kernelAvx2(int kc, const float* a, const float* b, float* c,
                                                    std::ptrdiff_t ldc, float alpha, float beta) {
  constexpr int MR = 6;
  __m256 acc[MR][2];
  for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
    for (int i = 0; i < MR; i++) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += MR;
    b += 16;
  }
  const __m256 va = _mm256_set1_ps(alpha);
  if (beta == 0.0f) {
    for (int i = 0; i < MR; i++) {
      _mm256_storeu_ps(c + i * ldc, _mm256_mul_ps(va, acc[i][0]));
      _mm256_storeu_ps(c + i * ldc + 8, _mm256_mul_ps(va, acc[i][1]));
    }
  } else {
    const __m256 vb = _mm256_set1_ps(beta);
    for (int i = 0; i < MR; i++) {
      float* ci = c + i * ldc;
      _mm256_storeu_ps(ci, _mm256_fmadd_ps(vb, _mm256_loadu_ps(ci), _mm256_mul_ps(va, acc[i][0])));
      _mm256_storeu_ps(ci + 8, _mm256_fmadd_ps(vb, _mm256_loadu_ps(ci + 8), _mm256_mul_ps(va, acc[i][1])));
    }
  }
}

template <int MR>
__attribute__((target("avx512f"))) void kernelAvx512(int kc, const float* a, const float* b, float* c,
                                                     std::ptrdiff_t ldc, float alpha, float beta) {
  __m512 acc[MR][2];
  for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = _mm512_loadu_ps(b + 16);
    for (int i = 0; i < MR; i++) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += MR;
    b += 32;
  }
  const __m512 va = _mm512_set1_ps(alpha);
  if (beta == 0.0f) {
    for (int i = 0; i < MR; i++) {
      _mm512_storeu_ps(c + i * ldc, _mm512_mul_ps(va, acc[i][0]));
      _mm512_storeu_ps(c + i * ldc + 16, _mm512_mul_ps(va, acc[i][1]));
    }
  } else {
    const __m512 vb = _mm512_set1_ps(beta);
    for (int i = 0; i < MR; i++) {
      float* ci = c + i * ldc;
      _mm512_storeu_ps(ci, _mm512_fmadd_ps(vb, _mm512_loadu_ps(ci), _mm512_mul_ps(va, acc[i][0])));
      _mm512_storeu_ps(ci + 16, _mm512_fmadd_ps(vb, _mm512_loadu_ps(ci + 16), _mm512_mul_ps(va, acc[i][1])));
    }
  }
}

#endif  // RGFLOW_X86

/**
 * σ(z) = 1/(1 + e^{−z}). e^x for x = −z clamped to [−87, 88]: x = n·ln2 + r with n the
 * nearest integer to x/ln2 (|r| ≤ ln2/2), e^r by its degree-6 Taylor polynomial (truncation
 * < 1.2e-7 relative), 2^n from the exponent bits. Branch-free so that it vectorizes.
 */
inline __attribute__((always_inline)) float sigmoid(float z) {
  float x = -z;
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  const float round = 12582912.0f;  // 1.5·2^23: adding it rounds to the nearest integer
  const float n = (x * 1.44269504088896341f + round) - round;
  const float r = (x - n * 0.693145751953125f) - n * 1.42860682030941723212e-6f;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int bits = (static_cast<int>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return 1.0f / (1.0f + p * scale);
}

void sigmoidRowPortable(float* x, const float* bias, int cols) {
  for (int j = 0; j < cols; j++) x[j] = sigmoid(x[j] + bias[j]);
}

#ifdef RGFLOW_X86
__attribute__((target("avx2,fma"))) void sigmoidRowAvx2(float* x, const float* bias, int cols) {
  for (int j = 0; j < cols; j++) x[j] = sigmoid(x[j] + bias[j]);
}
__attribute__((target("avx512f"))) void sigmoidRowAvx512(float* x, const float* bias, int cols) {
  for (int j = 0; j < cols; j++) x[j] = sigmoid(x[j] + bias[j]);
}
#endif

const KernelInfo kPortable{"portable", 4, 8, kernelPortable<4, 8>};
#ifdef RGFLOW_X86
const KernelInfo kAvx2{"avx2-fma", 6, 16, kernelAvx2};
const KernelInfo kAvx512{"avx512", 12, 32, kernelAvx512<12>};

bool hasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
bool hasAvx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}
#endif

}  // namespace

const KernelInfo* kernelByName(const char* name) {
#ifdef RGFLOW_X86
  if (std::strcmp(name, kAvx512.name) == 0) return hasAvx512() ? &kAvx512 : nullptr;
  if (std::strcmp(name, kAvx2.name) == 0) return hasAvx2() ? &kAvx2 : nullptr;
#endif
  if (std::strcmp(name, kPortable.name) == 0) return &kPortable;
  return nullptr;
}

const KernelInfo& bestKernel() {
#ifdef RGFLOW_X86
  if (hasAvx512()) return kAvx512;
  if (hasAvx2()) return kAvx2;
#endif
  return kPortable;
}

void sigmoidRow(float* x, const float* bias, int cols) {
#ifdef RGFLOW_X86
  static const int level = hasAvx512() ? 2 : hasAvx2() ? 1 : 0;
  if (level == 2) return sigmoidRowAvx512(x, bias, cols);
  if (level == 1) return sigmoidRowAvx2(x, bias, cols);
#endif
  sigmoidRowPortable(x, bias, cols);
}

}  // namespace rgflow
