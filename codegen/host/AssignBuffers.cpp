//===- AssignBuffers.cpp - tensors of the host function -> tsched buffers --===//
//
// The host function becomes a `tsched.program`: every tensor gets a buffer, every dispatch its bindings,
// lengths and constants, every output its buffer and dims. Ops are created in place, in the order of the
// function, so the index values they use (lowered by tessera-host-lower-shapes) dominate them; then the
// schedule ops move into the program and the tensor ops are dropped with the function.
//
// A concatenation marked `tessera.in_place` (tessera-concatenate-in-place) gets its buffer before any of
// its parts is computed, and each part's kernel writes through a view of it at the part's offset.
//
#include "codegen/host/HostShapes.h"
#include "codegen/host/Passes.h"

#include "dialects/Graph/IR/GraphOps.h"
#include "passes/Passes.h"
#include "runtime/include/tessera/artifact_format.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace tessera::schedule;

namespace tessera::host {
#define GEN_PASS_DEF_ASSIGNBUFFERS
#include "codegen/host/Passes.h.inc"

namespace {

bool isAlias(Operation *op) {
  return isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, tensor::ReshapeOp, tensor::CastOp,
             UnrealizedConversionCastOp>(op);
}

/// The value whose buffer `v` shares: reshapes and casts do not change row-major bytes.
Value aliasRoot(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isAlias(def))
      break;
    v = def->getOperand(0);
  }
  return v;
}

/// Host ops that need no buffer: index arithmetic (already lowered) and shapes of reshapes.
bool isHostScalar(Operation &op) {
  if (op.getDialect() && isa<ScheduleDialect>(op.getDialect()))
    return true;
  if (op.getNumResults() == 1 && op.getResult(0).getType().isIntOrIndex() &&
      (isa<tensor::DimOp, tensor::ExtractOp>(op) || isa<arith::ArithDialect>(op.getDialect())))
    return true;
  // Shapes of reshapes (built from host values or folded to a literal) are read on the host only.
  return isa<tensor::FromElementsOp, arith::ConstantOp>(op) && op.getNumResults() == 1 &&
         isa<RankedTensorType>(op.getResult(0).getType()) &&
         cast<RankedTensorType>(op.getResult(0).getType()).getElementType().isIndex();
}

class Assigner {
public:
  Assigner(func::FuncOp func, SymbolTable &symbols) : func(func), symbols(symbols), shapes(func) {}
  LogicalResult run();

private:
  LogicalResult dispatch(dispatch::DispatchOp d);
  void concatenationsInPlace(OpBuilder &b);
  LogicalResult outputs(func::ReturnOp ret);
  LogicalResult checkAlias(Operation *op);
  LogicalResult checkEq(OpBuilder &b, Operation *op, Value lhs, Value rhs, StringRef what);
  Value constant(OpBuilder &b, Location loc, ElementsAttr value);

  func::FuncOp func;
  SymbolTable &symbols;
  HostShapes shapes;
  DenseMap<Value, Value> bufferOf;
  DenseMap<Attribute, Value> constants;
  DenseMap<Value, unsigned> directOutput; // dispatch results computed straight into an output buffer
  DenseMap<Value, std::pair<Value, int64_t>> partOf; // parts of in-place concatenations: (buffer, offset)
};

bool isInPlaceInsert(Operation *op) {
  return op && isa<tensor::InsertSliceOp>(op) && isa_and_nonnull<IntegerAttr>(op->getAttr(kInPlaceAttr));
}

/// The inserts of the in-place concatenation that `first` starts (it writes into a tensor.empty), first
/// to last; empty when `first` starts none.
SmallVector<tensor::InsertSliceOp> inPlaceConcatenation(tensor::InsertSliceOp first) {
  SmallVector<tensor::InsertSliceOp> chain;
  if (!isInPlaceInsert(first) || !first.getDest().getDefiningOp<tensor::EmptyOp>())
    return chain;
  for (tensor::InsertSliceOp insert = first; isInPlaceInsert(insert); insert = nextInsertInChain(insert))
    chain.push_back(insert);
  return chain;
}

/// An empty tensor that only in-place concatenations write into: it needs no buffer of its own.
bool isInPlaceEmpty(Operation *op) {
  return isa<tensor::EmptyOp>(op) && !op->use_empty() &&
         llvm::all_of(op->getUsers(), [](Operation *user) { return isInPlaceInsert(user); });
}

Value Assigner::constant(OpBuilder &b, Location loc, ElementsAttr value) {
  auto [it, inserted] = constants.try_emplace(value);
  if (inserted)
    it->second = ConstantOp::create(b, loc, BufferType::get(b.getContext()), value);
  return it->second;
}

LogicalResult Assigner::dispatch(dispatch::DispatchOp d) {
  OpBuilder b(d);
  Location loc = d.getLoc();
  SmallVector<Value> bindings, lengths, constantValues, scalars;
  SmallVector<int32_t> access;
  // Kernels get the dynamic dims of their bindings as constants, binding order then dim order.
  auto bind = [&](Value tensor, Value buffer, int32_t how) -> LogicalResult {
    auto length = shapes.byteSize(tensor, d);
    if (failed(length))
      return failure();
    bindings.push_back(buffer);
    lengths.push_back(*length);
    access.push_back(how);
    auto type = cast<RankedTensorType>(tensor.getType());
    for (int64_t k = 0; k < type.getRank(); ++k) {
      if (!type.isDynamicDim(k))
        continue;
      auto dim = shapes.dim(tensor, k, d);
      if (failed(dim))
        return failure();
      constantValues.push_back(*dim);
    }
    return success();
  };
  for (Value v : d.getArguments()) {
    if (v.getType().isIndex()) {
      scalars.push_back(v);
      continue;
    }
    auto it = bufferOf.find(v);
    if (it == bufferOf.end())
      return d.emitOpError("operand has no buffer (unsupported host op?)");
    if (failed(bind(v, it->second, TSR_ACCESS_READ)))
      return failure();
  }
  for (Value r : d.getResults()) {
    auto size = shapes.byteSize(r, d);
    if (failed(size))
      return failure();
    Value buffer;
    if (auto part = partOf.find(r); part != partOf.end())
      buffer = ViewOp::create(b, loc, BufferType::get(b.getContext()), part->second.first,
                              b.getI64IntegerAttr(part->second.second), *size);
    else if (auto it = directOutput.find(r); it != directOutput.end())
      buffer = OutputOp::create(b, loc, BufferType::get(b.getContext()), b.getI64IntegerAttr(it->second), *size);
    else
      buffer = AllocOp::create(b, loc, BufferType::get(b.getContext()), *size, IntegerAttr());
    bufferOf[r] = buffer;
    if (failed(bind(r, buffer, TSR_ACCESS_WRITE)))
      return failure();
  }
  for (Value v : scalars) {
    auto value = shapes.index(v);
    if (failed(value))
      return failure();
    constantValues.push_back(*value);
  }
  DispatchOp::create(b, loc, d.getExecutableAttr(), ValueRange(), bindings, lengths, constantValues,
                     b.getDenseI32ArrayAttr(access));
  return success();
}

LogicalResult Assigner::outputs(func::ReturnOp ret) {
  OpBuilder b(ret);
  Location loc = ret.getLoc();
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    Value root = aliasRoot(v);
    if (auto it = directOutput.find(root); it != directOutput.end() && it->second == i)
      continue;
    auto source = bufferOf.find(v);
    if (source == bufferOf.end())
      return emitError(v.getLoc()) << "output " << i << " has no buffer";
    auto size = shapes.byteSize(v, ret);
    if (failed(size))
      return failure();
    Value out = OutputOp::create(b, loc, BufferType::get(b.getContext()), b.getI64IntegerAttr(i), *size);
    CopyOp::create(b, loc, source->second, out, *size);
  }
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    SmallVector<Value> dims;
    for (int64_t k = 0; k < cast<RankedTensorType>(v.getType()).getRank(); ++k) {
      auto dim = shapes.dim(v, k, ret);
      if (failed(dim))
        return failure();
      dims.push_back(*dim);
    }
    OutputDimsOp::create(b, loc, b.getI64IntegerAttr(i), dims);
  }
  return success();
}

/// Buffers for the in-place concatenations, made at the top of the program (their sizes are literals),
/// and the view each part's kernel writes.
void Assigner::concatenationsInPlace(OpBuilder &b) {
  for (auto first : func.getBody().front().getOps<tensor::InsertSliceOp>()) {
    SmallVector<tensor::InsertSliceOp> chain = inPlaceConcatenation(first);
    if (chain.empty())
      continue;
    tensor::InsertSliceOp last = chain.back();
    Location loc = last.getLoc();
    auto type = last.getResultType();
    int64_t bytes = type.getNumElements() * (type.getElementTypeBitWidth() / 8);
    Value size = arith::ConstantIndexOp::create(b, loc, bytes);
    Value buffer;
    if (auto it = directOutput.find(last.getResult()); it != directOutput.end())
      buffer = OutputOp::create(b, loc, BufferType::get(b.getContext()), b.getI64IntegerAttr(it->second), size);
    else
      buffer = AllocOp::create(b, loc, BufferType::get(b.getContext()), size, IntegerAttr());
    for (tensor::InsertSliceOp insert : chain) {
      partOf[insert.getSource()] = {buffer, cast<IntegerAttr>(insert->getAttr(kInPlaceAttr)).getInt()};
      bufferOf[insert.getResult()] = buffer;
    }
  }
}

/// `lhs == rhs` at run time. Literals are compared now: a reshape that can never hold is a compile error.
LogicalResult Assigner::checkEq(OpBuilder &b, Operation *op, Value lhs, Value rhs, StringRef what) {
  if (lhs == rhs)
    return success();
  auto literal = [](Value v) -> std::optional<int64_t> {
    if (auto c = v.getDefiningOp<arith::ConstantIndexOp>())
      return c.value();
    return std::nullopt;
  };
  auto l = literal(lhs), r = literal(rhs);
  if (l && r) {
    if (*l == *r)
      return success();
    return op->emitOpError() << what << " is " << *l << " but must be " << *r;
  }
  auto ls = lhs.getDefiningOp<SymbolOp>(), rs = rhs.getDefiningOp<SymbolOp>();
  if (ls && rs && ls.getName() == rs.getName())
    return success();
  CheckEqOp::create(b, op->getLoc(), lhs, rhs);
  return success();
}

/// An alias reinterprets its operand's bytes with the shape its type claims. Where that shape is not
/// implied by the operand's static dims it depends on run-time values (a declared static dim over a
/// computed one, a reshape to dims read from a tensor), so the run checks it: each static dim against
/// what computes it, each reshape group's element count, and that reshaped dims are not negative.
LogicalResult Assigner::checkAlias(Operation *op) {
  auto srcType = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
  auto resType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!srcType || !resType || (srcType.hasStaticShape() && resType.hasStaticShape()))
    return success();
  Value src = op->getOperand(0), res = op->getResult(0);
  OpBuilder b(op);
  auto all = [](RankedTensorType t) { return llvm::to_vector(llvm::seq<int64_t>(0, t.getRank())); };
  auto groupCheck = [&](ArrayRef<int64_t> srcDims, ArrayRef<int64_t> resDims) -> LogicalResult {
    auto lhs = shapes.product(res, resDims, op), rhs = shapes.product(src, srcDims, op);
    if (failed(lhs) || failed(rhs))
      return failure();
    return checkEq(b, op, *lhs, *rhs, "the element count of the result");
  };
  if (isa<tensor::CastOp, UnrealizedConversionCastOp>(op)) {
    if (srcType.getRank() != resType.getRank())
      return success();
    for (int64_t k = 0; k < resType.getRank(); ++k) {
      if (resType.isDynamicDim(k) || !srcType.isDynamicDim(k))
        continue;
      auto dim = shapes.dim(src, k, op);
      if (failed(dim))
        return failure();
      Value want = arith::ConstantIndexOp::create(b, op->getLoc(), resType.getDimSize(k));
      if (failed(checkEq(b, op, *dim, want, "dim " + std::to_string(k))))
        return failure();
    }
    return success();
  }
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
    for (auto [k, group] : llvm::enumerate(collapse.getReassociationIndices()))
      if (!resType.isDynamicDim(k) && llvm::any_of(group, [&](int64_t d) { return srcType.isDynamicDim(d); }))
        if (failed(groupCheck(group, {static_cast<int64_t>(k)})))
          return failure();
    return success();
  }
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
    for (auto [k, group] : llvm::enumerate(expand.getReassociationIndices()))
      if (failed(groupCheck({static_cast<int64_t>(k)}, group)))
        return failure();
    return success();
  }
  if (isa<tensor::ReshapeOp>(op)) {
    for (int64_t k = 0; k < resType.getRank(); ++k) {
      if (!resType.isDynamicDim(k))
        continue;
      // max(d, 0) == d: a negative dim (an unresolved -1, or -2) is refused before any kernel sees it.
      auto dim = shapes.dim(res, k, op);
      if (failed(dim))
        return failure();
      if (auto c = dim->getDefiningOp<arith::ConstantIndexOp>(); c && c.value() < 0)
        return op->emitOpError() << "dim " << k << " is negative (" << c.value() << ")";
      Value zero = arith::ConstantIndexOp::create(b, op->getLoc(), 0);
      Value clamped = shapes.shape(b, op->getLoc(), ShapeOpKind::max, *dim, zero);
      if (failed(checkEq(b, op, clamped, *dim, "dim " + std::to_string(k))))
        return failure();
    }
    return groupCheck(all(srcType), all(resType));
  }
  return success();
}

LogicalResult Assigner::run() {
  Block &body = func.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  SmallVector<Operation *> ops;
  for (Operation &op : body.without_terminator())
    ops.push_back(&op);
  Operation *first = &body.front();
  OpBuilder b(first);
  for (BlockArgument arg : body.getArguments()) {
    SmallVector<Value> dims;
    for (int64_t k = 0; k < cast<RankedTensorType>(arg.getType()).getRank(); ++k) {
      auto dim = shapes.dim(arg, k, first);
      if (failed(dim))
        return failure();
      dims.push_back(*dim);
    }
    auto size = shapes.byteSize(arg, first);
    if (failed(size))
      return failure();
    bufferOf[arg] = InputOp::create(b, arg.getLoc(), BufferType::get(b.getContext()),
                                    b.getI64IntegerAttr(arg.getArgNumber()), dims, *size);
  }
  // Results that can be computed straight into an output buffer (first claim wins).
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    Value root = aliasRoot(v);
    if ((root.getDefiningOp<dispatch::DispatchOp>() || isInPlaceInsert(root.getDefiningOp())) &&
        !directOutput.count(root))
      directOutput[root] = i;
  }
  concatenationsInPlace(b);

  for (Operation *op : ops) {
    if (auto load = dyn_cast<graph::GlobalLoadOp>(op)) {
      auto global = symbols.lookup<graph::GlobalOp>(load.getGlobal());
      if (!global)
        return load.emitOpError("unknown global");
      OpBuilder at(op);
      bufferOf[load] = constant(at, load.getLoc(), global.getValue());
    } else if (auto cst = dyn_cast<arith::ConstantOp>(op); cst && isa<RankedTensorType>(cst.getType()) &&
                                                           !isHostScalar(*op)) {
      OpBuilder at(op);
      bufferOf[cst] = constant(at, cst.getLoc(), cast<ElementsAttr>(cst.getValue()));
    } else if (isHostScalar(*op) || isInPlaceInsert(op) || isInPlaceEmpty(op)) {
      continue; // in-place concatenations have their buffers already
    } else if (isAlias(op)) {
      if (op->getNumResults() != 1 || !bufferOf.count(op->getOperand(0)))
        return op->emitOpError("cannot alias its operand on the host");
      // Copy first: inserting the result may grow the map and move the operand's entry.
      Value buffer = bufferOf.lookup(op->getOperand(0));
      bufferOf[op->getResult(0)] = buffer;
      if (failed(checkAlias(op)))
        return failure();
    } else if (auto d = dyn_cast<dispatch::DispatchOp>(op)) {
      if (failed(dispatch(d)))
        return failure();
    } else {
      return op->emitOpError("cannot run on the host: every computation must be in a dispatch");
    }
  }
  if (failed(outputs(ret)))
    return failure();

  // Host reads now read buffers.
  for (auto read : body.getOps<ReadI64Op>()) {
    if (isa<BufferType>(read.getSource().getType()))
      continue;
    auto it = bufferOf.find(read.getSource());
    if (it == bufferOf.end())
      return read.emitOpError("reads a tensor that has no buffer");
    read.getSourceMutable().assign(it->second);
  }

  auto names = [&](StringRef attr) { return func->getAttrOfType<ArrayAttr>(attr); };
  auto dtypes = [&](StringRef attr) { return func->getAttrOfType<DenseI32ArrayAttr>(attr); };
  auto inNames = names("tessera.input_names"), outNames = names("tessera.output_names");
  auto inTypes = dtypes("tessera.input_dtypes"), outTypes = dtypes("tessera.output_dtypes");
  if (!inNames || !outNames || !inTypes || !outTypes)
    return func.emitOpError("is missing I/O names or dtypes");
  OpBuilder outer(func);
  auto program = ProgramOp::create(outer, func.getLoc(), func.getSymName(), inNames, inTypes, outNames,
                                   outTypes, IntegerAttr());
  Block *block = new Block();
  program.getBody().push_back(block);
  // Keep the schedule ops and their index constants; the tensor ops go with the function.
  SmallPtrSet<Operation *, 32> kept;
  SmallVector<Operation *> moving;
  for (Operation &op : body.without_terminator()) {
    bool schedule = op.getDialect() && isa<ScheduleDialect>(op.getDialect());
    bool indexConstant = isa<arith::ConstantOp>(op) && op.getResult(0).getType().isIndex();
    if (schedule || indexConstant) {
      kept.insert(&op);
      moving.push_back(&op);
    }
  }
  for (Operation *op : moving)
    for (Value v : op->getOperands())
      if (!v.getDefiningOp() || !kept.contains(v.getDefiningOp()))
        return op->emitOpError("uses a value the host schedule cannot compute");
  for (Operation *op : moving)
    op->moveBefore(block, block->end());
  func.erase();
  return success();
}

struct AssignBuffersPass : impl::AssignBuffersBase<AssignBuffersPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> funcs;
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isDeclaration())
        funcs.push_back(func);
    for (func::FuncOp func : funcs) {
      Assigner assigner(func, symbols);
      if (failed(assigner.run()))
        return signalPassFailure();
    }
  }
};

} // namespace
} // namespace tessera::host
