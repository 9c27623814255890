//===- CheckDeclaredShapes.cpp - declared output dims as run-time checks --===//
//
// A graph output declared with a static dim that the model computes at run time arrives as an
// unrealized cast to the declared type: a promise the run must check. When a linalg op computes the
// value into a tensor.empty of run-time sizes, each such size is compared with the declaration by a
// cf.assert (the host schedule turns it into a shape check) and the cast becomes a tensor.cast, which
// canonicalization folds into the op: the kernel is compiled at the declared size, so it stays static
// (and can run on any target). Other producers keep the unrealized cast, which the schedule checks
// where it reinterprets the buffer.
//
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_CHECKDECLAREDSHAPES
#include "passes/Passes.h.inc"

namespace {

/// The tensor.empty a linalg op computes `result` into, if any.
tensor::EmptyOp emptyInitOf(Value result) {
  auto opResult = dyn_cast<OpResult>(result);
  auto linalgOp = opResult ? dyn_cast<linalg::LinalgOp>(opResult.getOwner()) : nullptr;
  if (!linalgOp)
    return nullptr;
  return linalgOp.getDpsInitOperand(opResult.getResultNumber())->get().getDefiningOp<tensor::EmptyOp>();
}

void checkDeclaredShape(UnrealizedConversionCastOp cast) {
  if (cast->getNumOperands() != 1 || cast->getNumResults() != 1)
    return;
  Value source = cast.getOperand(0);
  auto computed = dyn_cast<RankedTensorType>(source.getType());
  auto declared = dyn_cast<RankedTensorType>(cast.getResult(0).getType());
  if (!computed || !declared || computed.getRank() != declared.getRank() ||
      computed.getElementType() != declared.getElementType())
    return;
  tensor::EmptyOp empty = emptyInitOf(source);
  if (!empty || empty.getType() != computed)
    return;
  OpBuilder b(cast);
  Location loc = cast.getLoc();
  for (int64_t d = 0; d < computed.getRank(); ++d) {
    if (!computed.isDynamicDim(d) || declared.isDynamicDim(d))
      continue;
    Value want = arith::ConstantIndexOp::create(b, loc, declared.getDimSize(d));
    Value same = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, empty.getDynamicSize(d), want);
    cf::AssertOp::create(b, loc, same, "dim " + std::to_string(d) + " is declared " +
                                           std::to_string(declared.getDimSize(d)));
  }
  Value refined = tensor::CastOp::create(b, loc, declared, source);
  cast.getResult(0).replaceAllUsesWith(refined);
  cast.erase();
}

struct CheckDeclaredShapesPass : impl::CheckDeclaredShapesBase<CheckDeclaredShapesPass> {
  void runOnOperation() override {
    SmallVector<UnrealizedConversionCastOp> casts;
    getOperation().walk([&](func::ReturnOp ret) {
      for (Value v : ret.getOperands())
        if (auto cast = v.getDefiningOp<UnrealizedConversionCastOp>())
          casts.push_back(cast);
    });
    for (UnrealizedConversionCastOp cast : casts)
      checkDeclaredShape(cast);
  }
};

} // namespace
} // namespace tessera
