//===- EqualDims.cpp - which run-time dims of a kernel are one value ---------===//
//
// The dispatch passes the run-time dims of each binding apart (kernel_abi.h), though most are the same
// value: an elementwise op's input and output dims, a fill and the contraction reading it. A device
// kernel fuses loop nests element by element only when they walk one space, so before bufferization
// (while the ops still say which dims agree) this pass finds the classes of equal dims: linalg operands
// of one loop dim, a result and its init, tensor.empty sizes read from a dim or a scalar, slices and
// casts. Each dispatch constant (the dynamic dims in binding order, then the scalars) is recorded with
// the first constant of its class (`tessera.equal_dims`); DimsFromConstants reads the class's first
// constant for every member and checks at entry that the members are equal.
//
#include "codegen/vulkan/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/EquivalenceClasses.h"

using namespace mlir;

namespace tessera::vulkan {
#define GEN_PASS_DEF_EQUALDIMS
#include "codegen/vulkan/Passes.h.inc"

namespace {

/// A dim of a tensor value, an index value, or a loop of a linalg op (Value is then the op's first result,
/// negative dims its loops).
using DimKey = std::pair<void *, int64_t>;

struct DimClasses {
  llvm::EquivalenceClasses<DimKey> classes;

  DimKey dim(Value v, int64_t d) { return {v.getAsOpaquePointer(), d}; }
  /// The key of an index value: the dim a tensor.dim reads, else the value itself.
  DimKey index(Value v) {
    if (auto read = v.getDefiningOp<tensor::DimOp>())
      if (std::optional<int64_t> d = getConstantIntValue(read.getIndex()))
        return dim(read.getSource(), *d);
    return {v.getAsOpaquePointer(), -1};
  }
  void join(DimKey a, DimKey b) { classes.unionSets(a, b); }
  bool same(DimKey a, DimKey b) {
    return classes.contains(a) && classes.contains(b) && classes.getLeaderValue(a) == classes.getLeaderValue(b);
  }
};

void joinSizes(DimClasses &dims, Value result, ArrayRef<OpFoldResult> sizes) {
  for (auto [d, size] : llvm::enumerate(sizes))
    if (auto v = dyn_cast<Value>(size))
      dims.join(dims.dim(result, d), dims.index(v));
}

void record(func::FuncOp func) {
  DimClasses dims;
  func.walk([&](Operation *op) {
    if (auto empty = dyn_cast<tensor::EmptyOp>(op)) {
      joinSizes(dims, empty.getResult(), empty.getMixedSizes());
    } else if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
      if (slice.getSourceType().getRank() == slice.getResultType().getRank())
        joinSizes(dims, slice.getResult(), slice.getMixedSizes());
    } else if (auto insert = dyn_cast<tensor::InsertSliceOp>(op)) {
      for (int64_t d = 0; d < insert.getDestType().getRank(); ++d)
        dims.join(dims.dim(insert.getResult(), d), dims.dim(insert.getDest(), d));
    } else if (auto castOp = dyn_cast<tensor::CastOp>(op)) {
      for (int64_t d = 0; d < castOp.getType().getRank(); ++d)
        dims.join(dims.dim(castOp.getResult(), d), dims.dim(castOp.getSource(), d));
    } else if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      // Every operand dim indexed by one loop is that loop's size; a result has its init's dims.
      for (OpOperand &operand : op->getOpOperands()) {
        if (!isa<RankedTensorType>(operand.get().getType()))
          continue;
        AffineMap map = linalgOp.getMatchingIndexingMap(&operand);
        for (auto [d, expr] : llvm::enumerate(map.getResults()))
          if (auto loop = dyn_cast<AffineDimExpr>(expr))
            dims.join(dims.dim(operand.get(), d), {op, -1 - int64_t(loop.getPosition())});
      }
      for (auto [result, init] : llvm::zip(op->getResults(), linalgOp.getDpsInits()))
        for (int64_t d = 0; d < cast<RankedTensorType>(result.getType()).getRank(); ++d)
          dims.join(dims.dim(result, d), dims.dim(init, d));
    }
  });
  // The dispatch constants: dynamic dims of the inputs, then of the results, then the scalars.
  SmallVector<DimKey> constants;
  for (BlockArgument arg : func.getArguments())
    if (auto type = dyn_cast<RankedTensorType>(arg.getType()))
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (type.isDynamicDim(d))
          constants.push_back(dims.dim(arg, d));
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  for (Value result : ret.getOperands())
    if (auto type = dyn_cast<RankedTensorType>(result.getType()))
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (type.isDynamicDim(d))
          constants.push_back(dims.dim(result, d));
  for (BlockArgument arg : func.getArguments())
    if (arg.getType().isIndex())
      constants.push_back(dims.index(arg));
  if (constants.empty())
    return;
  SmallVector<int64_t> first;
  for (size_t k = 0; k < constants.size(); ++k) {
    size_t j = 0;
    while (j < k && !dims.same(constants[j], constants[k]))
      ++j;
    first.push_back(static_cast<int64_t>(j));
  }
  func->setAttr(kEqualDimsAttr, DenseI64ArrayAttr::get(func.getContext(), first));
}

struct EqualDimsPass : impl::EqualDimsBase<EqualDimsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isDeclaration())
        record(func);
  }
};

} // namespace
} // namespace tessera::vulkan
