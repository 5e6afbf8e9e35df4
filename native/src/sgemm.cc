// The packed, cache-blocked SGEMM driver and the fused bias-sigmoid (see sgemm.h).
//
// Blocking (Goto & van de Geijn 2008): for each kc-deep slice of k, op(B) is packed into
// nr-wide column panels (kc·nr floats each; one panel stays in L1 while the column of tiles
// below it is computed) and op(A) into mr-high row panels (mc·kc floats, in L2). The operand
// on C's shorter side (op(A) for 100×400 and 100×1600 products, op(B) for the 1600×400
// gradient) is packed once for all threads; the other is packed per chunk of C by the thread
// computing it. Partial tiles at the edges go through a scratch tile.
#include "sgemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "kernels.h"
#include "pool.h"

namespace rgflow {

namespace {

constexpr int KC = 256;   // depth of one packed slice
constexpr int MC = 144;   // rows of A packed at once (a multiple of every mr: 4, 6, 8, 12, 16)
constexpr int NC = 4096;  // columns of B packed at once
constexpr int MAX_MR = 16;
constexpr int MAX_NR = 32;

float* alignedFloats(std::size_t count) {
  void* p = nullptr;
  if (posix_memalign(&p, 64, count * sizeof(float)) != 0) std::abort();
  return static_cast<float*>(p);
}

/** Packs op(A)[i0 : i0+mc, p0 : p0+kc] into mr-high panels, dst[panel][p·mr + ii], zero-padded. */
void packA(bool transA, const float* a, int m, int k, int i0, int mc, int p0, int kc, int mr, float* dst) {
  for (int ir = 0; ir < mc; ir += mr) {
    const int rows = std::min(mr, mc - ir);
    float* panel = dst + static_cast<std::ptrdiff_t>(ir) * kc;
    if (transA) {
      // A is stored k×m: the mr rows of op(A) at depth p are contiguous.
      for (int p = 0; p < kc; p++) {
        const float* src = a + static_cast<std::ptrdiff_t>(p0 + p) * m + i0 + ir;
        float* out = panel + static_cast<std::ptrdiff_t>(p) * mr;
        int ii = 0;
        for (; ii < rows; ii++) out[ii] = src[ii];
        for (; ii < mr; ii++) out[ii] = 0.0f;
      }
    } else {
      for (int ii = 0; ii < rows; ii++) {
        const float* src = a + static_cast<std::ptrdiff_t>(i0 + ir + ii) * k + p0;
        for (int p = 0; p < kc; p++) panel[static_cast<std::ptrdiff_t>(p) * mr + ii] = src[p];
      }
      for (int ii = rows; ii < mr; ii++)
        for (int p = 0; p < kc; p++) panel[static_cast<std::ptrdiff_t>(p) * mr + ii] = 0.0f;
    }
  }
}

/** Packs op(B)[p0 : p0+kc, j0 : j0+nc] into nr-wide panels, dst[panel][p·nr + jj], zero-padded. */
void packB(bool transB, const float* b, int n, int k, int p0, int kc, int j0, int nc, int nr, float* dst) {
  for (int jr = 0; jr < nc; jr += nr) {
    const int cols = std::min(nr, nc - jr);
    float* panel = dst + static_cast<std::ptrdiff_t>(jr) * kc;
    if (!transB) {
      for (int p = 0; p < kc; p++) {
        const float* src = b + static_cast<std::ptrdiff_t>(p0 + p) * n + j0 + jr;
        float* out = panel + static_cast<std::ptrdiff_t>(p) * nr;
        int jj = 0;
        for (; jj < cols; jj++) out[jj] = src[jj];
        for (; jj < nr; jj++) out[jj] = 0.0f;
      }
    } else {
      // B is stored n×k: column j of op(B) is row j of B. Transpose in blocks of 8 depths so
      // that each source row is read 32 bytes at a time.
      for (int p = 0; p < kc; p += 8) {
        const int depth = std::min(8, kc - p);
        for (int jj = 0; jj < cols; jj++) {
          const float* src = b + static_cast<std::ptrdiff_t>(j0 + jr + jj) * k + p0 + p;
          for (int q = 0; q < depth; q++) panel[static_cast<std::ptrdiff_t>(p + q) * nr + jj] = src[q];
        }
        for (int jj = cols; jj < nr; jj++)
          for (int q = 0; q < depth; q++) panel[static_cast<std::ptrdiff_t>(p + q) * nr + jj] = 0.0f;
      }
    }
  }
}

/** C[rows×cols] ← α·tile + β·C, for partial tiles; β = 0 never reads C. */
void storePartial(const float* tile, int nr, float* c, std::ptrdiff_t ldc, int rows, int cols, float alpha, float beta) {
  for (int i = 0; i < rows; i++) {
    float* ci = c + i * ldc;
    const float* ti = tile + i * nr;
    if (beta == 0.0f) {
      for (int j = 0; j < cols; j++) ci[j] = alpha * ti[j];
    } else {
      for (int j = 0; j < cols; j++) ci[j] = alpha * ti[j] + beta * ci[j];
    }
  }
}

/**
 * C[ic : ic+mc, jc : jc+nc] ← α·Ã·B̃ + β·C for one packed kc-deep slice: ap holds mc rows in
 * mr-high panels, bp nc columns in nr-wide panels. Each B̃ panel stays in L1 while the
 * column of tiles below it is computed.
 */
void macroKernel(const KernelInfo& kern, int kc, const float* ap, int mc, const float* bp, int nc, float* c, int ldc,
                 int ic, int jc, float alpha, float beta) {
  const int mr = kern.mr, nr = kern.nr;
  alignas(64) float tile[MAX_MR * MAX_NR];
  for (int jr = 0; jr < nc; jr += nr) {
    const int cols = std::min(nr, nc - jr);
    const float* b = bp + static_cast<std::ptrdiff_t>(jr) * kc;
    for (int ir = 0; ir < mc; ir += mr) {
      const int rows = std::min(mr, mc - ir);
      const float* a = ap + static_cast<std::ptrdiff_t>(ir) * kc;
      float* cp = c + static_cast<std::ptrdiff_t>(ic + ir) * ldc + jc + jr;
      if (rows == mr && cols == nr) {
        kern.kernel(kc, a, b, cp, ldc, alpha, beta);
      } else {
        kern.kernel(kc, a, b, tile, nr, 1.0f, 0.0f);
        storePartial(tile, nr, cp, ldc, rows, cols, alpha, beta);
      }
    }
  }
}

/** Spins (yielding) until counter reaches target: the barrier between packing and computing. */
void waitFor(const std::atomic<int>& counter, int target) {
  while (counter.load(std::memory_order_acquire) < target) std::this_thread::yield();
}

/** C ← β·C, for k = 0 or α = 0 (nothing to multiply); β = 0 writes zeros. */
void scaleC(float* c, std::ptrdiff_t count, float beta) {
  if (beta == 0.0f) {
    std::memset(c, 0, count * sizeof(float));
  } else if (beta != 1.0f) {
    for (std::ptrdiff_t i = 0; i < count; i++) c[i] *= beta;
  }
}

}  // namespace

void Workspace::reserveShared(std::size_t count) {
  if (count <= sharedCapacity) return;
  std::free(shared);
  shared = alignedFloats(count);
  sharedCapacity = count;
}

Workspace::Workspace(int threads) : buffers(new PackBuffers[threads < 1 ? 1 : threads]) {}

Workspace::~Workspace() {
  std::free(shared);
  delete[] buffers;
}

PackBuffers::PackBuffers() : a(alignedFloats(static_cast<std::size_t>(MC) * KC)), b(alignedFloats(static_cast<std::size_t>(KC) * (NC + MAX_NR))) {}

PackBuffers::~PackBuffers() {
  std::free(a);
  std::free(b);
}

void sgemm(ThreadPool& pool, Workspace& ws, const KernelInfo& kern, bool transA, bool transB, int m, int n, int k,
           float alpha, const float* a, const float* b, float beta, float* c) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) {
    scaleC(c, static_cast<std::ptrdiff_t>(m) * n, beta);
    return;
  }
  const int mr = kern.mr, nr = kern.nr;
  // The shorter side's operand is packed whole, once, into ws.shared (all threads read it);
  // the longer side of C is cut into chunks of whole tiles that threads take in turn, each
  // packing its own part of the other operand. Taking chunks from a counter, rather than a
  // fixed half each, keeps both cores busy when one is shared with another process.
  const bool byColumns = n >= m;
  const int sharedRows = byColumns ? m : n;  // rows of op(A) or columns of op(B) packed whole
  const int sharedUnit = byColumns ? mr : nr;
  const int sharedPad = (sharedRows + sharedUnit - 1) / sharedUnit * sharedUnit;
  ws.reserveShared(static_cast<std::size_t>(sharedPad) * k);
  float* shared = ws.shared;
  const int depthBlocks = (k + KC - 1) / KC;
  // One packing task: MC rows of op(A), or 256 columns of op(B) (whole panels either way).
  const int group = byColumns ? MC : 256;
  const int groups = (sharedRows + group - 1) / group;
  const int packTasks = depthBlocks * groups;

  const int unit = byColumns ? nr : mr;
  const int extent = byColumns ? n : m;
  const int units = (extent + unit - 1) / unit;
  const double flops = 2.0 * m * n * k;
  // Below ≈ 2 MFLOP a second thread costs more to wake than it saves.
  const int parts = flops < 2e6 ? 1 : std::min(pool.size(), units);
  const int chunks = parts == 1 ? 1 : std::min(units, 4 * parts);

  std::atomic<int> nextPack{0}, packed{0}, nextChunk{0};
  pool.run(parts, [&](int t) {
    for (int task; (task = nextPack.fetch_add(1, std::memory_order_relaxed)) < packTasks; ) {
      const int pc = task / groups * KC, kc = std::min(KC, k - pc);
      const int g0 = task % groups * group, gc = std::min(group, sharedRows - g0);
      float* dst = shared + static_cast<std::ptrdiff_t>(pc) * sharedPad + static_cast<std::ptrdiff_t>(g0) * kc;
      if (byColumns) {
        packA(transA, a, m, k, g0, gc, pc, kc, mr, dst);
      } else {
        packB(transB, b, n, k, pc, kc, g0, gc, nr, dst);
      }
      packed.fetch_add(1, std::memory_order_release);
    }
    waitFor(packed, packTasks);
    PackBuffers& own = ws.buffers[t];
    for (int chunk; (chunk = nextChunk.fetch_add(1, std::memory_order_relaxed)) < chunks; ) {
      const int lo = static_cast<int>(static_cast<long long>(units) * chunk / chunks) * unit;
      const int hi = std::min(extent, static_cast<int>(static_cast<long long>(units) * (chunk + 1) / chunks) * unit);
      for (int pc = 0; pc < k; pc += KC) {
        const int kc = std::min(KC, k - pc);
        const float betaHere = pc == 0 ? beta : 1.0f;
        const float* sharedBlock = shared + static_cast<std::ptrdiff_t>(pc) * sharedPad;
        if (byColumns) {
          for (int jc = lo; jc < hi; jc += NC) {
            const int nc = std::min(NC, hi - jc);
            packB(transB, b, n, k, pc, kc, jc, nc, nr, own.b);
            for (int ic = 0; ic < m; ic += MC) {
              const int mc = std::min(MC, m - ic);
              macroKernel(kern, kc, sharedBlock + static_cast<std::ptrdiff_t>(ic) * kc, mc, own.b, nc, c, n, ic, jc,
                          alpha, betaHere);
            }
          }
        } else {
          for (int ic = lo; ic < hi; ic += MC) {
            const int mc = std::min(MC, hi - ic);
            packA(transA, a, m, k, ic, mc, pc, kc, mr, own.a);
            macroKernel(kern, kc, own.a, mc, sharedBlock, n, c, n, ic, 0, alpha, betaHere);
          }
        }
      }
    }
  });
}

void biasSigmoid(ThreadPool& pool, float* x, const float* bias, int rows, int cols) {
  if (rows <= 0 || cols <= 0) return;
  const int parts = static_cast<double>(rows) * cols < 65536 ? 1 : std::min(pool.size(), rows);
  pool.run(parts, [&](int t) {
    const int r0 = static_cast<int>(static_cast<long long>(rows) * t / parts);
    const int r1 = static_cast<int>(static_cast<long long>(rows) * (t + 1) / parts);
    for (int r = r0; r < r1; r++) sigmoidRow(x + static_cast<std::ptrdiff_t>(r) * cols, bias, cols);
  });
}

}  // namespace rgflow
