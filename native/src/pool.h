// A persistent worker pool for the training kernels: starting and joining std::threads per node call cost tens
// of microseconds each, about what a small node's work takes, and at 2 threads that ate the speedup.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tabpilot {

// Pause-loop iterations a thread spins for the next job (worker) or for the job's end (caller) before it sleeps on
// a condition variable: node calls of one fit come back to back, and a futex wake-up costs about as much as a
// small node's work. About 0.05 ms (8x longer was slower on the shared machine: spinning workers took CPU from
// the thread doing the serial part of the node).
constexpr int kSpinIterations = 1 << 10;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

class ThreadPool {
 public:
  static ThreadPool& Instance() {
    static ThreadPool pool;
    return pool;
  }

  // Runs fn(t) for every t in [0, threads): t = 0 on the calling thread, the others on pool workers; returns when
  // all have finished. One job at a time (calls from several JS threads wait their turn).
  void Run(int threads, const std::function<void(int)>& fn) {
    if (threads <= 1) {
      fn(0);
      return;
    }
    std::lock_guard<std::mutex> run(runMu_);
    Grow(threads - 1);
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = &fn;
      active_ = threads - 1;
      pending_.store(threads - 1, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    fn(0);
    for (int i = 0; i < kSpinIterations && pending_.load(std::memory_order_acquire) != 0; i++) CpuRelax();
    if (pending_.load(std::memory_order_acquire) != 0) {
      std::unique_lock<std::mutex> lock(doneMu_);
      doneCv_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
    }
  }

  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    for (std::thread& w : workers_) w.join();
  }

 private:
  void Grow(int count) {
    while (static_cast<int>(workers_.size()) < count) {
      const int index = static_cast<int>(workers_.size());
      workers_.emplace_back([this, index] { Work(index); });
    }
  }

  void Work(int index) {
    uint64_t seen = 0;
    for (;;) {
      for (int i = 0; i < kSpinIterations && generation_.load(std::memory_order_acquire) == seen; i++) CpuRelax();
      const std::function<void(int)>* job;
      bool mine;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return generation_.load(std::memory_order_relaxed) != seen; });
        if (stop_) return;
        seen = generation_.load(std::memory_order_relaxed);
        job = job_;
        mine = index < active_;
      }
      if (!mine) continue;
      (*job)(index + 1);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(doneMu_);
        doneCv_.notify_one();
      }
    }
  }

  std::mutex runMu_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::mutex doneMu_;
  std::condition_variable doneCv_;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  const std::function<void(int)>* job_ = nullptr;
  int active_ = 0;
  bool stop_ = false;
};

}  // namespace tabpilot
