//===- TargetBackend.cpp - the target registry ----------------------------===//
#include "codegen/target/TargetBackend.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/ManagedStatic.h"

#include <map>
#include <mutex>

namespace tessera {

TargetBackend::~TargetBackend() = default;
ConfiguredTarget::~ConfiguredTarget() = default;

mlir::FailureOr<std::string> ConfiguredTarget::serializeStatic(mlir::Location loc, llvm::ArrayRef<dispatch::VariantOp>,
                                                               llvm::StringRef, llvm::StringRef) const {
  return mlir::emitError(loc) << "this target cannot be linked into an app (--emit=static needs --target=cpu)";
}

namespace {
struct Registry {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<TargetBackend>> backends; // ordered: deterministic listings
};
Registry &registry() {
  static Registry r;
  return r;
}
} // namespace

void registerTargetBackend(std::unique_ptr<TargetBackend> backend) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::string name = backend->name().str();
  r.backends.emplace(std::move(name), std::move(backend));
}

TargetBackend *lookupTargetBackend(llvm::StringRef name) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.backends.find(name.str());
  return it == r.backends.end() ? nullptr : it->second.get();
}

std::vector<TargetBackend *> registeredTargetBackends() {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<TargetBackend *> out;
  for (auto &[name, backend] : r.backends)
    out.push_back(backend.get());
  return out;
}

std::string registeredTargetNames() {
  std::string names;
  for (TargetBackend *backend : registeredTargetBackends())
    names += (names.empty() ? "" : ", ") + backend->name().str();
  return names;
}

} // namespace tessera
