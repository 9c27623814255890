//===- BufferizeKernels.cpp - tensor kernels -> memref kernels ------------===//
//
// Kernels take every buffer as an argument (inputs, then outputs) plus the workgroup id; nothing is
// returned. Writing results with materialize_in_destination lets one-shot bufferization compute
// straight into the output binding.
//
#include "codegen/cpu/Passes.h"

#include "runtime/include/tessera/artifact_format.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Transforms.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace tessera::cpu {
#define GEN_PASS_DEF_BUFFERIZEKERNELS
#include "codegen/cpu/Passes.h.inc"

namespace {

MemRefType memrefFor(Type t) {
  auto tensor = cast<RankedTensorType>(t);
  return MemRefType::get(tensor.getShape(), tensor.getElementType());
}

/// Rewrites the signature to destination-passing style on memrefs.
LogicalResult convertSignature(func::FuncOp func) {
  OpBuilder b(func.getContext());
  Block &entry = func.getBody().front();
  auto ret = cast<func::ReturnOp>(entry.getTerminator());
  FunctionType type = func.getFunctionType();
  // The ABI wrapper rebuilds each binding's memref from its base pointer, its static dims and the
  // dispatch constants (dynamic dims): record the binding shapes before types are lowered.
  // Index arguments are scalars passed as constants (a unit attribute marks them).
  SmallVector<Attribute> shapes;
  SmallVector<int64_t> elementBytes; // for the wrapper's check of each binding's length
  for (Type t : llvm::concat<const Type>(type.getInputs(), type.getResults())) {
    if (t.isIndex()) {
      shapes.push_back(b.getUnitAttr());
      continue;
    }
    auto tensor = dyn_cast<RankedTensorType>(t);
    if (!tensor || !tensor.getElementType().isIntOrFloat())
      return func.emitOpError("kernel arguments must be ranked tensors of numbers or indices");
    shapes.push_back(b.getDenseI64ArrayAttr(tensor.getShape()));
    elementBytes.push_back((tensor.getElementType().getIntOrFloatBitWidth() + 7) / 8);
  }
  func->setAttr(kBindingShapesAttr, b.getArrayAttr(shapes));
  func->setAttr(kBindingElementBytesAttr, b.getDenseI64ArrayAttr(elementBytes));
  // How the kernel uses each binding (TSR_ACCESS_*): tensor arguments are read, results written.
  SmallVector<int32_t> access;
  for (Type t : type.getInputs())
    if (!t.isIndex())
      access.push_back(TSR_ACCESS_READ);
  access.append(type.getNumResults(), TSR_ACCESS_WRITE);
  func->setAttr(kBindingAccessAttr, b.getDenseI32ArrayAttr(access));
  b.setInsertionPointToStart(&entry);
  for (BlockArgument arg : entry.getArguments()) {
    Type tensorType = arg.getType();
    if (tensorType.isIndex())
      continue;
    arg.setType(memrefFor(tensorType));
    auto toTensor = bufferization::ToTensorOp::create(b, func.getLoc(), tensorType, arg,
                                                      /*restrict=*/true, /*writable=*/false);
    arg.replaceAllUsesExcept(toTensor, toTensor);
  }
  b.setInsertionPoint(ret);
  for (Value result : ret.getOperands()) {
    BlockArgument out = entry.addArgument(memrefFor(result.getType()), func.getLoc());
    auto store = bufferization::MaterializeInDestinationOp::create(b, func.getLoc(), result, out);
    store.setRestrict(true);
    store.setWritable(true);
  }
  entry.addArgument(b.getIndexType(), func.getLoc()); // workgroup id
  ret->setOperands({});
  SmallVector<Type> argTypes(entry.getArgumentTypes());
  func.setFunctionType(b.getFunctionType(argTypes, {}));
  return success();
}

/// Replaces the workgroup loop by its body at iteration `workgroup_id`. A loop over several dims (a
/// product split by rows and columns) numbers its iterations row-major: the last dim varies fastest, so
/// consecutive workgroups (one thread's share) read the same rows of the left operand.
LogicalResult inlineWorkgroupLoop(func::FuncOp func) {
  SmallVector<scf::ForallOp> loops;
  for (auto forall : func.getBody().front().getOps<scf::ForallOp>())
    loops.push_back(forall);
  if (loops.empty())
    return success();
  if (loops.size() > 1 || loops[0].getNumResults() != 0)
    return func.emitOpError("expected one bufferized workgroup loop");
  scf::ForallOp forall = loops[0];
  // Trip counts of every dim but the first (whose count the grid's size implies).
  SmallVector<int64_t> trips(forall.getRank(), 0);
  for (unsigned d = 1; d < forall.getRank(); ++d) {
    auto l = getConstantIntValue(forall.getMixedLowerBound()[d]);
    auto u = getConstantIntValue(forall.getMixedUpperBound()[d]);
    auto s = getConstantIntValue(forall.getMixedStep()[d]);
    if (!l || !u || !s || *s <= 0)
      return func.emitOpError("expected a workgroup loop whose inner dims have static bounds");
    trips[d] = llvm::divideCeilSigned(*u - *l, *s);
  }
  IRRewriter rewriter(func.getContext());
  rewriter.setInsertionPoint(forall);
  Value id = func.getBody().front().getArguments().back();
  Location loc = forall.getLoc();
  SmallVector<Value> ivs(trips.size());
  Value rest = id;
  for (int64_t d = static_cast<int64_t>(trips.size()) - 1; d >= 0; --d) {
    Value index = rest;
    if (d > 0) {
      Value trip = arith::ConstantIndexOp::create(rewriter, loc, trips[d]);
      index = arith::RemUIOp::create(rewriter, loc, rest, trip);
      rest = arith::DivUIOp::create(rewriter, loc, rest, trip);
    }
    Value lb = getValueOrCreateConstantIndexOp(rewriter, loc, forall.getMixedLowerBound()[d]);
    Value step = getValueOrCreateConstantIndexOp(rewriter, loc, forall.getMixedStep()[d]);
    ivs[d] = arith::AddIOp::create(rewriter, loc, lb, arith::MulIOp::create(rewriter, loc, index, step));
  }
  Block *body = forall.getBody();
  rewriter.eraseOp(body->getTerminator());
  // A grid the run-time dims decide is computed by the host; the kernel computes nothing for a
  // workgroup past the loop's end whatever grid it is given.
  if (!getConstantIntValue(forall.getMixedUpperBound()[0])) {
    Value ub = getValueOrCreateConstantIndexOp(rewriter, loc, forall.getMixedUpperBound()[0]);
    Value inside = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ult, ivs[0], ub);
    auto guard = scf::IfOp::create(rewriter, loc, inside, /*withElseRegion=*/false);
    rewriter.eraseOp(guard.thenBlock()->getTerminator());
    rewriter.inlineBlockBefore(body, guard.thenBlock(), guard.thenBlock()->end(), ivs);
    rewriter.setInsertionPointToEnd(guard.thenBlock());
    scf::YieldOp::create(rewriter, loc);
    rewriter.eraseOp(forall);
    return success();
  }
  rewriter.inlineBlockBefore(body, forall, ivs);
  rewriter.eraseOp(forall);
  return success();
}

struct BufferizeKernelsPass : impl::BufferizeKernelsBase<BufferizeKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isDeclaration() && failed(convertSignature(func)))
        return signalPassFailure();
    // A workgroup's slice of an empty tensor is an empty tensor: folded, the chain from the workgroup's
    // output slice back through destinations ends at a tensor.empty, which empty-tensor elimination
    // replaces by the output binding (no temporary, no copy).
    RewritePatternSet patterns(&getContext());
    tensor::populateFoldTensorEmptyPatterns(patterns, /*foldSingleUseOnly=*/false);
    if (failed(applyPatternsGreedily(module, std::move(patterns))))
      return signalPassFailure();
    IRRewriter rewriter(&getContext());
    if (failed(bufferization::eliminateEmptyTensors(rewriter, module)))
      return signalPassFailure();
    bufferization::OneShotBufferizationOptions options;
    options.bufferizeFunctionBoundaries = false;
    options.setFunctionBoundaryTypeConversion(bufferization::LayoutMapOption::IdentityLayoutMap);
    options.unknownTypeConverterFn = [](TensorType t, Attribute space,
                                        const bufferization::BufferizationOptions &) {
      return bufferization::getMemRefTypeWithStaticIdentityLayout(t, space);
    };
    // Copies become linalg.copy (then loops), not calls to MLIR's C runner library.
    options.memCpyFn = [](OpBuilder &b, Location loc, Value from, Value to) {
      linalg::CopyOp::create(b, loc, from, to);
      return success();
    };
    bufferization::BufferizationState state;
    if (failed(bufferization::runOneShotBufferize(module, options, state)))
      return signalPassFailure();
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isDeclaration() && failed(inlineWorkgroupLoop(func)))
        return signalPassFailure();
  }
};
} // namespace
} // namespace tessera::cpu
