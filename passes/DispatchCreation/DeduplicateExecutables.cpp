//===- DeduplicateExecutables.cpp - merge identical executables -----------===//
#include "passes/Passes.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_DEDUPLICATEEXECUTABLES
#include "passes/Passes.h.inc"

namespace {

/// The executable's body printed with its own name replaced, so equal bodies give equal keys.
/// Locations are not printed: two layers of the same shape compile to the same kernel.
std::string structuralKey(dispatch::ExecutableOp exe) {
  std::string name = exe.getSymName().str();
  std::string text;
  llvm::raw_string_ostream os(text);
  // Local scope: each op is printed on its own, not numbered within the whole module (that made the
  // pass quadratic in the number of executables).
  OpPrintingFlags flags;
  flags.useLocalScope();
  for (Operation &op : exe.getBody().front())
    op.print(os, flags);
  size_t pos = 0;
  while ((pos = text.find("@" + name, pos)) != std::string::npos)
    text.replace(pos, name.size() + 1, "@__self__");
  return text;
}

struct DeduplicateExecutablesPass
    : tessera::impl::DeduplicateExecutablesBase<DeduplicateExecutablesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::StringMap<StringAttr> canonical;          // key -> first executable's name
    llvm::DenseMap<StringAttr, StringAttr> replace; // duplicate -> canonical
    SmallVector<dispatch::ExecutableOp> duplicates;
    for (auto exe : module.getOps<dispatch::ExecutableOp>()) {
      auto [it, inserted] = canonical.try_emplace(structuralKey(exe), exe.getSymNameAttr());
      if (!inserted) {
        replace[exe.getSymNameAttr()] = it->second;
        duplicates.push_back(exe);
      }
    }
    module.walk([&](dispatch::DispatchOp op) {
      if (auto target = replace.lookup(op.getExecutableAttr().getAttr()))
        op.setExecutableAttr(FlatSymbolRefAttr::get(target));
    });
    for (auto exe : duplicates)
      exe.erase();
  }
};
} // namespace
} // namespace tessera
