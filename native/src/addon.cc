// Node-API binding of rgflow's native SGEMM (plain node_api.h, ABI-stable across Node
// versions, context-aware so that it loads in worker threads).
//
// JavaScript surface (server/compute/native-backend.ts wraps it):
//   create(threads: number, kernel?: string): Context   — a thread pool and packing buffers
//   info(ctx): { kernel, mr, nr, threads }
//   gemm(ctx, transA, transB, m, n, k, alpha, a, b, beta, c): void   — Float32Arrays, no copies
//   biasSigmoid(ctx, x, bias, rows, cols): void
//   dispose(ctx): void                                   — joins the threads now
//   kernels(): string[]                                  — micro-kernels this CPU runs, best first
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "pool.h"
#include "sgemm.h"

namespace {

using rgflow::KernelInfo;
using rgflow::Workspace;
using rgflow::ThreadPool;

struct Context {
  const KernelInfo* kernel = nullptr;
  std::unique_ptr<ThreadPool> pool;
  std::unique_ptr<Workspace> workspace;
};

#define CHECK(call)                                     \
  do {                                                  \
    if ((call) != napi_ok) return fail(env, #call);     \
  } while (0)

napi_value fail(napi_env env, const char* what) {
  const napi_extended_error_info* info = nullptr;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    std::string msg = std::string("rgflow_native: ") + (info && info->error_message ? info->error_message : what);
    napi_throw_error(env, nullptr, msg.c_str());
  }
  return nullptr;
}

napi_value throwRange(napi_env env, const std::string& msg) {
  napi_throw_range_error(env, nullptr, ("rgflow_native: " + msg).c_str());
  return nullptr;
}

napi_value throwType(napi_env env, const std::string& msg) {
  napi_throw_type_error(env, nullptr, ("rgflow_native: " + msg).c_str());
  return nullptr;
}

void finalizeContext(napi_env, void* data, void*) { delete static_cast<Context*>(data); }

/** The Context behind an external, or nullptr (with a JS exception) if it is not one or is disposed. */
Context* getContext(napi_env env, napi_value value) {
  napi_valuetype type;
  void* data = nullptr;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, value, &data) != napi_ok) {
    throwType(env, "expected a context from create()");
    return nullptr;
  }
  auto* ctx = static_cast<Context*>(data);
  if (!ctx->pool) {
    napi_throw_error(env, nullptr, "rgflow_native: the backend was disposed");
    return nullptr;
  }
  return ctx;
}

/** Data pointer and element count of a Float32Array argument, or false (with a JS exception). */
bool getFloat32(napi_env env, napi_value value, const char* name, float** data, std::size_t* length) {
  bool isTyped = false;
  napi_is_typedarray(env, value, &isTyped);
  napi_typedarray_type type;
  void* raw = nullptr;
  if (!isTyped || napi_get_typedarray_info(env, value, &type, length, &raw, nullptr, nullptr) != napi_ok ||
      type != napi_float32_array) {
    throwType(env, std::string(name) + " must be a Float32Array");
    return false;
  }
  *data = static_cast<float*>(raw);
  return true;
}

bool getInt(napi_env env, napi_value value, const char* name, int32_t* out) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok || !(d >= 0 && d <= 2147483647.0) || d != static_cast<int32_t>(d)) {
    throwRange(env, std::string(name) + " must be a non-negative integer");
    return false;
  }
  *out = static_cast<int32_t>(d);
  return true;
}

bool getFloat(napi_env env, napi_value value, const char* name, float* out) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok) {
    throwType(env, std::string(name) + " must be a number");
    return false;
  }
  *out = static_cast<float>(d);
  return true;
}

bool getBool(napi_env env, napi_value value, const char* name, bool* out) {
  if (napi_get_value_bool(env, value, out) != napi_ok) {
    throwType(env, std::string(name) + " must be a boolean");
    return false;
  }
  return true;
}

napi_value Create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int32_t threads = 1;
  if (argc < 1 || !getInt(env, argv[0], "threads", &threads)) return nullptr;
  if (threads < 1 || threads > 256) return throwRange(env, "threads must be in 1..256");
  const KernelInfo* kernel = &rgflow::bestKernel();
  napi_valuetype type = napi_undefined;
  if (argc >= 2) CHECK(napi_typeof(env, argv[1], &type));
  if (type == napi_string) {
    char name[32];
    size_t len = 0;
    CHECK(napi_get_value_string_utf8(env, argv[1], name, sizeof name, &len));
    kernel = rgflow::kernelByName(name);
    if (!kernel) return throwRange(env, std::string("kernel '") + name + "' is not available on this CPU");
  }
  auto ctx = std::make_unique<Context>();
  ctx->kernel = kernel;
  ctx->pool = std::make_unique<ThreadPool>(threads);
  ctx->workspace = std::make_unique<Workspace>(threads);
  napi_value result;
  Context* raw = ctx.get();
  CHECK(napi_create_external(env, raw, finalizeContext, nullptr, &result));
  ctx.release();
  return result;
}

napi_value Info(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc < 1) return throwType(env, "info(ctx)");
  Context* ctx = getContext(env, argv[0]);
  if (!ctx) return nullptr;
  napi_value obj, kernel, mr, nr, threads;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_string_utf8(env, ctx->kernel->name, NAPI_AUTO_LENGTH, &kernel));
  CHECK(napi_create_int32(env, ctx->kernel->mr, &mr));
  CHECK(napi_create_int32(env, ctx->kernel->nr, &nr));
  CHECK(napi_create_int32(env, ctx->pool->size(), &threads));
  CHECK(napi_set_named_property(env, obj, "kernel", kernel));
  CHECK(napi_set_named_property(env, obj, "mr", mr));
  CHECK(napi_set_named_property(env, obj, "nr", nr));
  CHECK(napi_set_named_property(env, obj, "threads", threads));
  return obj;
}

napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc < 11) return throwType(env, "gemm(ctx, transA, transB, m, n, k, alpha, a, b, beta, c)");
  Context* ctx = getContext(env, argv[0]);
  if (!ctx) return nullptr;
  bool transA, transB;
  int32_t m, n, k;
  float alpha, beta;
  float *a, *b, *c;
  std::size_t lenA, lenB, lenC;
  if (!getBool(env, argv[1], "transA", &transA) || !getBool(env, argv[2], "transB", &transB) ||
      !getInt(env, argv[3], "m", &m) || !getInt(env, argv[4], "n", &n) || !getInt(env, argv[5], "k", &k) ||
      !getFloat(env, argv[6], "alpha", &alpha) || !getFloat32(env, argv[7], "a", &a, &lenA) ||
      !getFloat32(env, argv[8], "b", &b, &lenB) || !getFloat(env, argv[9], "beta", &beta) ||
      !getFloat32(env, argv[10], "c", &c, &lenC))
    return nullptr;
  const std::uint64_t needA = static_cast<std::uint64_t>(m) * k, needB = static_cast<std::uint64_t>(k) * n,
                      needC = static_cast<std::uint64_t>(m) * n;
  if (lenA < needA) return throwRange(env, "a holds " + std::to_string(lenA) + " floats, needs " + std::to_string(needA));
  if (lenB < needB) return throwRange(env, "b holds " + std::to_string(lenB) + " floats, needs " + std::to_string(needB));
  if (lenC < needC) return throwRange(env, "c holds " + std::to_string(lenC) + " floats, needs " + std::to_string(needC));
  rgflow::sgemm(*ctx->pool, *ctx->workspace, *ctx->kernel, transA, transB, m, n, k, alpha, a, b, beta, c);
  return nullptr;
}

napi_value BiasSigmoid(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc < 5) return throwType(env, "biasSigmoid(ctx, x, bias, rows, cols)");
  Context* ctx = getContext(env, argv[0]);
  if (!ctx) return nullptr;
  float *x, *bias;
  std::size_t lenX, lenBias;
  int32_t rows, cols;
  if (!getFloat32(env, argv[1], "x", &x, &lenX) || !getFloat32(env, argv[2], "bias", &bias, &lenBias) ||
      !getInt(env, argv[3], "rows", &rows) || !getInt(env, argv[4], "cols", &cols))
    return nullptr;
  if (lenX < static_cast<std::uint64_t>(rows) * cols) return throwRange(env, "x is shorter than rows·cols");
  if (lenBias < static_cast<std::size_t>(cols)) return throwRange(env, "bias is shorter than cols");
  rgflow::biasSigmoid(*ctx->pool, x, bias, rows, cols);
  return nullptr;
}

napi_value Dispose(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc < 1) return throwType(env, "dispose(ctx)");
  void* data = nullptr;
  napi_valuetype type;
  CHECK(napi_typeof(env, argv[0], &type));
  if (type != napi_external) return throwType(env, "expected a context from create()");
  CHECK(napi_get_value_external(env, argv[0], &data));
  auto* ctx = static_cast<Context*>(data);
  ctx->pool.reset();
  ctx->workspace.reset();
  return nullptr;
}

napi_value Kernels(napi_env env, napi_callback_info) {
  napi_value list;
  CHECK(napi_create_array(env, &list));
  uint32_t index = 0;
  for (const char* name : {"avx512", "avx2-fma", "portable"}) {
    if (!rgflow::kernelByName(name)) continue;
    napi_value s;
    CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &s));
    CHECK(napi_set_element(env, list, index++, s));
  }
  return list;
}

}  // namespace

NAPI_MODULE_INIT() {
  const napi_property_descriptor props[] = {
      {"create", nullptr, Create, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"biasSigmoid", nullptr, BiasSigmoid, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"dispose", nullptr, Dispose, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"kernels", nullptr, Kernels, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return nullptr;
  return exports;
}
