//===- ReadOnlyInputs.cpp - kernel inputs are not bufferized in place ------===//
//
// A kernel's tensor arguments are bindings of buffers the host owns, which other steps read as well: the
// dispatch declares them read-only. One-shot bufferization takes function arguments as writable unless
// told otherwise, so an op whose destination is an input (an insert_slice into it, say) would update the
// input binding in place, and the compiled export would no longer match its dispatch. Marking every
// tensor argument `bufferization.writable = false` makes such an op write a copy, which becomes the
// kernel's output. The results become output bindings appended after the arguments: their first index is
// recorded, since an empty output is a binding no op touches, which the dispatch still writes.
//
#include "codegen/vulkan/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;

namespace tessera::vulkan {
#define GEN_PASS_DEF_READONLYINPUTS
#include "codegen/vulkan/Passes.h.inc"

namespace {

struct ReadOnlyInputsPass : impl::ReadOnlyInputsBase<ReadOnlyInputsPass> {
  void runOnOperation() override {
    auto readOnly = BoolAttr::get(&getContext(), false);
    getOperation().walk([&](func::FuncOp func) {
      for (unsigned i = 0; i < func.getNumArguments(); ++i)
        if (isa<TensorType>(func.getArgument(i).getType()))
          func.setArgAttr(i, bufferization::BufferizationDialect::kWritableAttrName, readOnly);
      if (func.getNumResults())
        func->setAttr(kFirstResultBindingAttr,
                      IntegerAttr::get(IntegerType::get(&getContext(), 64), func.getNumArguments()));
    });
  }
};

} // namespace
} // namespace tessera::vulkan
