// Single-precision GEMM and the fused bias-sigmoid for rgflow's native compute backend.
//
// C ← α·op(A)·op(B) + β·C on dense row-major float32 matrices: op(A) is m×k (A stored m×k,
// or k×m when transA), op(B) is k×n (B stored k×n, or n×k when transB), C is m×n. β = 0
// never reads C (NaN in C is ignored). GotoBLAS/BLIS structure: B is packed into kc×nr
// column panels, A into mr×kc row panels, and a register-blocked micro-kernel (AVX-512,
// AVX2+FMA or portable C++, chosen at run time) computes each mr×nr tile of C.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rgflow {

class ThreadPool;

/** One micro-kernel: c[i·ldc + j] ← α·Σ_p a[p·mr + i]·b[p·nr + j] + β·c[…] for the full tile. */
using MicroKernel = void (*)(int kc, const float* a, const float* b, float* c, std::ptrdiff_t ldc, float alpha,
                             float beta);

struct KernelInfo {
  const char* name;  // "avx512", "avx2-fma" or "portable"
  int mr;            // rows of C per tile
  int nr;            // columns of C per tile
  MicroKernel kernel;
};

/** The fastest micro-kernel this processor runs (cpuid at first call). */
const KernelInfo& bestKernel();
/** A micro-kernel by name ("avx512", "avx2-fma", "portable"), or nullptr if this CPU lacks it. */
const KernelInfo* kernelByName(const char* name);

/** Per-thread packing buffers, reused across calls. */
struct PackBuffers {
  float* a = nullptr;  // MC × KC
  float* b = nullptr;  // KC × NC
  PackBuffers();
  ~PackBuffers();
  PackBuffers(const PackBuffers&) = delete;
  PackBuffers& operator=(const PackBuffers&) = delete;
};

/** Everything one sgemm call packs into: per-thread buffers and the operand packed whole. */
struct Workspace {
  PackBuffers* buffers;  // one per pool thread
  float* shared = nullptr;
  std::size_t sharedCapacity = 0;
  explicit Workspace(int threads);
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  void reserveShared(std::size_t count);
};

/**
 * C ← α·op(A)·op(B) + β·C on the pool's threads: the operand on C's shorter side is packed
 * whole and shared, and chunks of C's longer side are taken from a counter by whichever
 * thread is free. Not reentrant: one call at a time per Workspace.
 */
void sgemm(ThreadPool& pool, Workspace& ws, const KernelInfo& kernel, bool transA, bool transB, int m, int n, int k,
           float alpha, const float* a, const float* b, float beta, float* c);

/** x[r·cols + j] ← σ(x[r·cols + j] + bias[j]), σ(z) = 1/(1 + e^{−z}); relative error < 1e-6. */
void biasSigmoid(ThreadPool& pool, float* x, const float* bias, int rows, int cols);

}  // namespace rgflow
