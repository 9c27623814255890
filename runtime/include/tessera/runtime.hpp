// Header-only C++ wrapper over the C API: RAII handles, exceptions instead of status objects.
//
//   auto model = tessera::Model::load("model.tsr");
//   std::vector<tessera::Tensor> y = model.forward({tessera::Tensor::fromVector<float>({1, 4}, {1, 2, 3, 4})});
//
// Model is cheap to copy (shared, immutable) and safe to use from many threads: forward() borrows an idle
// session from a small per-model pool, so concurrent calls never share a session. Pooled sessions use the
// default thread count (one per CPU); for another count, or many concurrent callers, use a Session:
//
//   tessera::Session session(model, 4);  // the caller plus 3 workers per dispatch
//   auto y = session.run(inputs);
#ifndef TESSERA_RUNTIME_HPP
#define TESSERA_RUNTIME_HPP

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "tessera/runtime.h"

namespace tessera {

class Error : public std::runtime_error {
public:
  Error(tsr_code code, const std::string& message) : std::runtime_error(message), code_(code) {}
  tsr_code code() const { return code_; }

  // Throws (and frees) `status` if it is an error.
  static void check(tsr_status* status) {
    if (!status) return;
    Error e(tsr_status_code(status), tsr_status_message(status));
    tsr_status_free(status);
    throw e;
  }

private:
  tsr_code code_;
};

// An owning tensor: dtype (TSR_DTYPE_*), dims and the raw little-endian bytes in C order.
struct Tensor {
  uint32_t dtype = 0;
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;

  Tensor() = default;
  Tensor(uint32_t dtype, std::vector<int64_t> dims) : dtype(dtype), dims(std::move(dims)) {
    data.resize(elementCount() * tsr_dtype_size(dtype));
  }

  size_t elementCount() const {
    size_t n = 1;
    for (int64_t d : dims) n *= static_cast<size_t>(d);
    return n;
  }

  template <typename T>
  T* as() { return reinterpret_cast<T*>(data.data()); }
  template <typename T>
  const T* as() const { return reinterpret_cast<const T*>(data.data()); }

  template <typename T>
  static Tensor fromVector(std::vector<int64_t> dims, const std::vector<T>& values, uint32_t dtype = dtypeOf<T>()) {
    Tensor t(dtype, std::move(dims));
    if (values.size() * sizeof(T) != t.data.size()) throw Error(TSR_STATUS_INVALID_ARGUMENT, "values do not match dims");
    std::memcpy(t.data.data(), values.data(), t.data.size());
    return t;
  }

  template <typename T>
  std::vector<T> toVector() const {
    std::vector<T> v(data.size() / sizeof(T));
    std::memcpy(v.data(), data.data(), v.size() * sizeof(T));
    return v;
  }

  template <typename T>
  static constexpr uint32_t dtypeOf() {
    if constexpr (std::is_same_v<T, float>) return TSR_DTYPE_FLOAT32;
    else if constexpr (std::is_same_v<T, double>) return TSR_DTYPE_FLOAT64;
    else if constexpr (std::is_same_v<T, int8_t>) return TSR_DTYPE_INT8;
    else if constexpr (std::is_same_v<T, uint8_t>) return TSR_DTYPE_UINT8;
    else if constexpr (std::is_same_v<T, int16_t>) return TSR_DTYPE_INT16;
    else if constexpr (std::is_same_v<T, uint16_t>) return TSR_DTYPE_UINT16;
    else if constexpr (std::is_same_v<T, int32_t>) return TSR_DTYPE_INT32;
    else if constexpr (std::is_same_v<T, uint32_t>) return TSR_DTYPE_UINT32;
    else if constexpr (std::is_same_v<T, int64_t>) return TSR_DTYPE_INT64;
    else if constexpr (std::is_same_v<T, uint64_t>) return TSR_DTYPE_UINT64;
    else if constexpr (std::is_same_v<T, bool>) return TSR_DTYPE_BOOL;
    else return 0;
  }
};

struct TensorInfo {
  std::string name;
  uint32_t dtype = 0;
  std::vector<int64_t> dims;  // < 0: symbolic
};

class Session;

class Model {
public:
  static Model load(const std::string& path, const tsr_model_options* options = nullptr) {
    tsr_model* m = nullptr;
    Error::check(tsr_model_load_file(path.c_str(), options, &m));
    return Model(m);
  }
  // The bytes are copied; `data` may be freed afterwards.
  static Model loadFromMemory(const void* data, size_t size, const tsr_model_options* options = nullptr) {
    tsr_model* m = nullptr;
    Error::check(tsr_model_load_memory(data, size, options, &m));
    return Model(m);
  }

  const tsr_model* get() const { return state_->model; }

  std::vector<TensorInfo> inputs() const { return infos(true); }
  std::vector<TensorInfo> outputs() const { return infos(false); }

  std::string info() const {
    std::string s(tsr_model_info_string(get(), nullptr, 0), '\0');
    tsr_model_info_string(get(), s.data(), s.size() + 1);
    return s;
  }

  // Runs the model on `inputs` (model input order) and returns owning copies of the outputs.
  inline std::vector<Tensor> forward(const std::vector<Tensor>& inputs) const;

private:
  friend class Session;
  struct State {
    tsr_model* model;
    std::mutex mutex;
    std::vector<tsr_session*> idle;  // sessions not currently running
    explicit State(tsr_model* m) : model(m) {}
    ~State() {
      for (tsr_session* s : idle) tsr_session_release(s);
      tsr_model_release(model);
    }
  };

  explicit Model(tsr_model* m) : state_(std::make_shared<State>(m)) {}

  std::vector<TensorInfo> infos(bool input) const {
    size_t n = input ? tsr_model_input_count(get()) : tsr_model_output_count(get());
    std::vector<TensorInfo> out(n);
    for (size_t i = 0; i < n; ++i) {
      tsr_tensor_info ti{};
      Error::check(input ? tsr_model_input_info(get(), i, &ti) : tsr_model_output_info(get(), i, &ti));
      out[i] = {ti.name, ti.dtype, std::vector<int64_t>(ti.dims, ti.dims + ti.rank)};
    }
    return out;
  }

  std::shared_ptr<State> state_;
};

// One thread's execution context for a model. Movable, not copyable.
class Session {
public:
  explicit Session(const Model& model, const tsr_session_options* options = nullptr) : model_(model) {
    Error::check(tsr_session_create(model.get(), options, &session_));
  }
  // A session whose dispatches run on `threads` threads (0: the default; see tsr_session_options). A template
  // so that a literal 0 picks this one rather than being ambiguous with a null options pointer.
  template <typename Int, typename = std::enable_if_t<std::is_integral_v<Int>>>
  Session(const Model& model, Int threads) : model_(model) {
    tsr_session_options options;
    tsr_session_options_initialize(&options);
    uint64_t count = 0;  // negative: the default
    if constexpr (std::is_signed_v<Int>) count = threads > 0 ? static_cast<uint64_t>(threads) : 0;
    else count = threads;
    options.thread_count = static_cast<uint32_t>(std::min<uint64_t>(count, UINT32_MAX));
    Error::check(tsr_session_create(model.get(), &options, &session_));
  }
  Session(Session&& o) noexcept : model_(o.model_), session_(o.session_) { o.session_ = nullptr; }
  Session& operator=(Session&& o) noexcept {
    std::swap(session_, o.session_);
    model_ = o.model_;
    return *this;
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() { tsr_session_release(session_); }

  tsr_session* get() const { return session_; }
  uint32_t threadCount() const { return tsr_session_thread_count(session_); }

  std::vector<Tensor> run(const std::vector<Tensor>& inputs) { return runOn(session_, inputs, model_.get()); }

  // Runs with session-owned outputs and returns owning copies.
  static std::vector<Tensor> runOn(tsr_session* s, const std::vector<Tensor>& inputs, const tsr_model* model) {
    std::vector<tsr_tensor> in(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i)
      in[i] = {inputs[i].dtype, static_cast<uint32_t>(inputs[i].dims.size()), inputs[i].dims.data(),
               const_cast<uint8_t*>(inputs[i].data.data()), inputs[i].data.size()};
    std::vector<tsr_tensor> out(tsr_model_output_count(model), tsr_tensor{});
    Error::check(tsr_session_run(s, in.data(), in.size(), out.data(), out.size()));
    std::vector<Tensor> result(out.size());
    for (size_t i = 0; i < out.size(); ++i) {
      result[i].dtype = out[i].dtype;
      result[i].dims.assign(out[i].dims, out[i].dims + out[i].rank);
      const uint8_t* p = static_cast<const uint8_t*>(out[i].data);
      result[i].data.assign(p, p + out[i].byte_size);
    }
    return result;
  }

private:
  Model model_;  // keeps the model (and its session pool) alive
  tsr_session* session_ = nullptr;
};

inline std::vector<Tensor> Model::forward(const std::vector<Tensor>& inputs) const {
  tsr_session* s = nullptr;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (!state_->idle.empty()) {
      s = state_->idle.back();
      state_->idle.pop_back();
    }
  }
  if (!s) Error::check(tsr_session_create(get(), nullptr, &s));
  // Return the session to the pool whether the run succeeds or throws.
  struct Return {
    State& st;
    tsr_session* s;
    ~Return() {
      try {
        std::lock_guard<std::mutex> lock(st.mutex);
        st.idle.push_back(s);
      } catch (...) {
        tsr_session_release(s);  // cannot pool it; never throw from a destructor
      }
    }
  } give_back{*state_, s};
  return Session::runOn(s, inputs, get());
}

}  // namespace tessera

#endif
