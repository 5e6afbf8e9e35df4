// A fixed pool of worker threads that run one parallel-for at a time. The calling thread
// takes part 0 itself, so a pool of size 1 starts no thread at all. Workers spin for a few
// microseconds after each job (the next product of a CD step usually follows at once),
// then sleep on a condition variable so that an idle pool costs no CPU.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rgflow {

class ThreadPool {
 public:
  explicit ThreadPool(int threads) : size_(threads < 1 ? 1 : threads) {
    for (int t = 1; t < size_; t++) workers_.emplace_back([this, t] { workerLoop(t); });
  }

  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
  }

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return size_; }

  /** Runs task(0) … task(parts − 1) concurrently (parts ≤ size()) and returns when all are done. */
  void run(int parts, const std::function<void(int)>& task) {
    if (parts > size_) parts = size_;
    if (parts <= 1) {
      task(0);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      parts_ = parts;
      pending_.store(parts - 1, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    task(0);
    // The other parts take about as long as ours: spin ≈ 200 µs, then sleep.
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
    while (pending_.load(std::memory_order_acquire) != 0 && std::chrono::steady_clock::now() < until) {
    }
    if (pending_.load(std::memory_order_acquire) != 0) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
    }
  }

 private:
  void workerLoop(int index) {
    unsigned seen = 0;
    for (;;) {
      // Spin ≈ 50 µs for the next job, then block.
      auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
      while (generation_.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < until) {
      }
      const std::function<void(int)>* task;
      int parts;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        if (stop_) return;
        seen = generation_.load(std::memory_order_acquire);
        task = task_;
        parts = parts_;
      }
      if (index < parts) {
        (*task)(index);
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          std::lock_guard<std::mutex> lock(mutex_);
          done_.notify_one();
        }
      }
    }
  }

  const int size_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::atomic<unsigned> generation_{0};
  std::atomic<int> pending_{0};
  const std::function<void(int)>* task_ = nullptr;
  int parts_ = 0;
  bool stop_ = false;
};

}  // namespace rgflow
