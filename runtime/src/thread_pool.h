// A session's thread pool: the caller plus T-1 workers run the chunks of one parallel loop at a time.
//
// Affinity. Each thread owns a contiguous share of every loop's chunks: thread t starts with chunks
// [t C / T, (t + 1) C / T), claiming them from the front, and when its share is done takes chunks from the
// back of the others' shares. Consecutive dispatches split the same way (a convolution's row bands, then
// the next layer's) so leave each thread reading mostly what it wrote itself: on CPUs whose cores do not
// share a cache, reading lines another core just wrote costs about 3x (measured on a 2-core EPYC VM).
//
// Protocol. Thread t's share is one word `ranges_[t]` = (next << 32 | end). The caller writes the job, then
// publishes every share with a release store; the owner claims `next` with a CAS that bumps it, any other
// thread claims `end - 1` with a CAS that lowers it. A successful claim acquires the job, and the job cannot
// change until `done_` (chunks finished) reaches the chunk count, which needs the claimer's own chunk: so a
// claimer may read the job until it reports its chunk done, and a thread that looks late finds every share
// empty and touches nothing else. A CAS from a stale read can only succeed on a share that holds the same
// word again, in a newer job: it then claims that job's chunk, whose index is the word itself, and reads the
// new job after claiming, so stale reads cannot run a wrong chunk.
//
// Waiting. While the owner has a run open (RunScope), workers spin on the shares: dispatches of one run follow
// each other within microseconds, but a single-workgroup dispatch runs on the caller alone for up to a few
// hundred, and a worker woken from a futex takes about as long again to start (more under a hypervisor).
// Outside a run they spin briefly, then sleep on the `wake_seq_` futex, so idle sessions burn no core; the
// caller bumps it and wakes sleepers only when some are registered. The caller spins on `done_`, then sleeps
// on it; the thread finishing the last chunk wakes it if it registered. Both sleep handshakes are
// store-then-load on two words from each side, hence seq_cst there.
//
// Progress never depends on a worker waking: the caller takes the others' chunks too, so a dispatch finishes
// even if every worker stays asleep; waiting on `done_` only covers chunks some thread has already claimed.
#ifndef TESSERA_RUNTIME_SRC_THREAD_POOL_H
#define TESSERA_RUNTIME_SRC_THREAD_POOL_H

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "platform.h"

namespace tessera::rt {

class ThreadPool {
public:
  // Runs indices [first, last) as thread `worker` (0 = the caller).
  using ChunkFn = void (*)(void* context, uint64_t first, uint64_t last, uint32_t worker);

  // Starts up to `threads - 1` workers; if the OS refuses a thread, the pool keeps the ones it has
  // (threads() says how many run).
  explicit ThreadPool(uint32_t threads) : shares_(new Share[std::max<uint32_t>(threads, 1)]) {
    workers_.reserve(threads > 0 ? threads - 1 : 0);
    starts_.reserve(threads > 0 ? threads - 1 : 0);
    // pthreads rather than std::thread: a refused thread is a return code, with or without exceptions.
    for (uint32_t id = 1; id < threads; ++id) {
      starts_.push_back({this, id});
      pthread_t thread;
      if (pthread_create(&thread, nullptr, &ThreadPool::workerMain, &starts_.back()) != 0) break;
      workers_.push_back(thread);
    }
    threads_.store(static_cast<uint32_t>(workers_.size()) + 1, std::memory_order_release);
  }

  ~ThreadPool() {
    stop_.store(true, std::memory_order_seq_cst);
    wake_seq_.fetch_add(1, std::memory_order_seq_cst);
    futexWake(wake_seq_, INT32_MAX);
    for (pthread_t t : workers_) pthread_join(t, nullptr);
  }

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Workers read this while the constructor still starts others: 1 until every worker has started.
  uint32_t threads() const { return threads_.load(std::memory_order_acquire); }

  // Marks one run of the owner (a sequence of dispatches): sleeping workers are woken now, while the first
  // steps run, and keep spinning until the run ends.
  class RunScope {
  public:
    explicit RunScope(ThreadPool* pool) : pool_(pool) {
      if (!pool_) return;
      pool_->in_run_.store(true, std::memory_order_seq_cst);
      pool_->wake_seq_.fetch_add(1, std::memory_order_seq_cst);
      if (pool_->sleepers_.load(std::memory_order_seq_cst) > 0) futexWake(pool_->wake_seq_, INT32_MAX);
    }
    ~RunScope() {
      if (pool_) pool_->in_run_.store(false, std::memory_order_relaxed);
    }
    RunScope(const RunScope&) = delete;
    RunScope& operator=(const RunScope&) = delete;

  private:
    ThreadPool* pool_;
  };

  // Runs fn over [0, total) in chunks of `chunk` indices on the caller and the workers; returns when every
  // chunk has run. Needs total / chunk < 2^32. Only the owning thread calls this, one loop at a time.
  void run(uint64_t total, uint64_t chunk, ChunkFn fn, void* context) {
    const uint32_t chunks = static_cast<uint32_t>((total + chunk - 1) / chunk);
    const uint32_t threads = this->threads();
    job_ = Job{fn, context, total, chunk, chunks};
    done_.store(0, std::memory_order_relaxed);  // ordered before any claim by the release stores below
    for (uint32_t t = 0; t < threads; ++t) {
      const uint64_t first = uint64_t{chunks} * t / threads, end = uint64_t{chunks} * (t + 1) / threads;
      shares_[t].word.store(first << 32 | end, std::memory_order_release);
    }
    // Wake only as many sleepers as there are chunks for; spinning workers join by themselves.
    wake_seq_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0)
      futexWake(wake_seq_, static_cast<int>(std::min<uint64_t>(chunks - 1, workers_.size())));
    uint32_t index;
    while (claim(0, index)) runChunk(index, 0);
    waitDone(chunks);
  }

private:
  struct Job {
    ChunkFn fn = nullptr;
    void* context = nullptr;
    uint64_t total = 0, chunk = 1;
    uint32_t chunks = 0;
  };

  // Some tens of microseconds of `pause` (its latency varies by CPU) after the last chunk outside a run: idle
  // workers soon stop burning a core.
  static constexpr int kSpinIterations = 4000;

  struct alignas(64) Share {
    std::atomic<uint64_t> word{0};  // next << 32 | end: chunks [next, end) not yet claimed
  };

  // A chunk for thread `self`: the next of its own share, else the last of another's (the next thread's
  // first, so thieves spread out).
  bool claim(uint32_t self, uint32_t& index) {
    uint64_t v = shares_[self].word.load(std::memory_order_acquire);
    while ((v >> 32) < static_cast<uint32_t>(v))
      if (shares_[self].word.compare_exchange_weak(v, v + (uint64_t{1} << 32), std::memory_order_acquire,
                                                   std::memory_order_acquire)) {
        index = static_cast<uint32_t>(v >> 32);
        return true;
      }
    const uint32_t threads = this->threads();
    for (uint32_t k = 1; k < threads; ++k) {
      std::atomic<uint64_t>& word = shares_[(self + k) % threads].word;
      v = word.load(std::memory_order_acquire);
      while ((v >> 32) < static_cast<uint32_t>(v))
        if (word.compare_exchange_weak(v, v - 1, std::memory_order_acquire, std::memory_order_acquire)) {
          index = static_cast<uint32_t>(v) - 1;
          return true;
        }
    }
    return false;
  }

  void runChunk(uint32_t index, uint32_t worker) {
    const Job job = job_;  // the job may be replaced as soon as done_ counts this chunk
    const uint64_t first = uint64_t{index} * job.chunk;
    job.fn(job.context, first, std::min(job.total, first + job.chunk), worker);
    if (done_.fetch_add(1, std::memory_order_seq_cst) + 1 == job.chunks &&
        caller_sleeping_.load(std::memory_order_seq_cst))
      futexWake(done_, 1);
  }

  void waitDone(uint32_t chunks) {
    for (int i = 0; i < kSpinIterations; ++i) {
      if (done_.load(std::memory_order_acquire) == chunks) return;
      cpuRelax();
    }
    caller_sleeping_.store(true, std::memory_order_seq_cst);
    for (uint32_t d; (d = done_.load(std::memory_order_seq_cst)) != chunks;) futexWait(done_, d);
    caller_sleeping_.store(false, std::memory_order_relaxed);
  }

  bool hasWork() const {
    for (uint32_t t = 0, threads = this->threads(); t < threads; ++t) {
      const uint64_t v = shares_[t].word.load(std::memory_order_seq_cst);
      if ((v >> 32) < static_cast<uint32_t>(v)) return true;
    }
    return false;
  }

  void workerLoop(uint32_t id) {
    for (;;) {
      uint32_t index;
      while (claim(id, index)) runChunk(index, id);
      int spins = 0;
      while (!hasWork() && !stop_.load(std::memory_order_relaxed) &&
             (spins < kSpinIterations || in_run_.load(std::memory_order_relaxed))) {
        cpuRelax();
        if (spins < kSpinIterations) ++spins;  // a run may spin for longer than an int counts
      }
      if (stop_.load(std::memory_order_acquire)) return;
      if (hasWork()) continue;
      // Register as a sleeper, then look again: a dispatch or run published after this look sees the
      // registration.
      const uint32_t seen = wake_seq_.load(std::memory_order_seq_cst);
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      if (!hasWork() && !stop_.load(std::memory_order_seq_cst) && !in_run_.load(std::memory_order_seq_cst))
        futexWait(wake_seq_, seen);
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
    }
  }

  // Shared words on their own cache lines: workers poll the shares while chunks finish into done_.
  std::unique_ptr<Share[]> shares_;  // one per thread (threads() of them in use)
  std::atomic<uint32_t> threads_{1};
  alignas(64) std::atomic<uint32_t> done_{0};
  std::atomic<bool> caller_sleeping_{false};
  alignas(64) std::atomic<uint32_t> wake_seq_{0};
  std::atomic<uint32_t> sleepers_{0};
  std::atomic<bool> stop_{false};
  std::atomic<bool> in_run_{false};
  alignas(64) Job job_;  // written by the caller only while no chunk is claimable or running
  struct Start {
    ThreadPool* pool;
    uint32_t id;
  };
  static void* workerMain(void* start) {
    auto* s = static_cast<Start*>(start);
    s->pool->workerLoop(s->id);
    return nullptr;
  }
  std::vector<Start> starts_;  // reserved up front: workers hold pointers into it
  std::vector<pthread_t> workers_;
};

}  // namespace tessera::rt

#endif
