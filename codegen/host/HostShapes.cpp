//===- HostShapes.cpp - dims and index values as host shape ops -----------===//
#include "codegen/host/HostShapes.h"

#include "dialects/Dispatch/IR/DispatchOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace tessera::schedule;

namespace tessera::host {

int64_t elementBytes(Type type) {
  unsigned bits = type.getIntOrFloatBitWidth();
  return bits == 1 ? 1 : bits / 8;
}

Value HostShapes::constant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value HostShapes::shape(OpBuilder &b, Location loc, ShapeOpKind kind, Value lhs, Value rhs) {
  return b.createOrFold<ShapeOp>(loc, b.getIndexType(), kind, lhs, rhs);
}

FailureOr<Value> HostShapes::dim(Value tensor, int64_t dim, Operation *before) {
  auto type = cast<RankedTensorType>(tensor.getType());
  OpBuilder b(before);
  Location loc = before->getLoc();
  if (!type.isDynamicDim(dim))
    return constant(b, loc, type.getDimSize(dim));
  if (auto arg = dyn_cast<BlockArgument>(tensor)) {
    // Input dims are the model's dim parameters, by name: one symbol however many inputs share it.
    auto names = host->getAttrOfType<ArrayAttr>("tessera.input_dims");
    unsigned i = arg.getArgNumber();
    std::string name;
    if (names && i < names.size())
      if (auto dims = dyn_cast<ArrayAttr>(names[i]); dims && dim < (int64_t)dims.size())
        name = cast<StringAttr>(dims[dim]).str();
    if (name.empty())
      name = "input" + std::to_string(i) + "_dim" + std::to_string(dim);
    OpBuilder atStart = OpBuilder::atBlockBegin(arg.getOwner());
    return (Value)SymbolOp::create(atStart, arg.getLoc(), atStart.getIndexType(), name);
  }
  Operation *def = tensor.getDefiningOp();
  if (auto d = dyn_cast<dispatch::DispatchOp>(def))
    return index(d.getResultDim(cast<OpResult>(tensor).getResultNumber(), dim));
  if (isa<UnrealizedConversionCastOp, tensor::CastOp>(def))
    return this->dim(def->getOperand(0), dim, before);
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(def)) {
    Value size = constant(b, loc, 1);
    for (int64_t d : collapse.getReassociationIndices()[dim]) {
      auto part = this->dim(collapse.getSrc(), d, before);
      if (failed(part))
        return failure();
      size = shape(b, loc, ShapeOpKind::mul, size, *part);
    }
    return size;
  }
  if (auto reshape = dyn_cast<tensor::ReshapeOp>(def)) {
    DenseIntElementsAttr literal;
    if (matchPattern(reshape.getShape(), m_Constant(&literal)))
      return constant(b, loc, literal.getValues<APInt>()[dim].getSExtValue());
    auto shapeOp = reshape.getShape().getDefiningOp<tensor::FromElementsOp>();
    if (!shapeOp)
      return report(reshape.emitOpError("needs its shape built on the host (tensor.from_elements)"));
    return index(shapeOp.getElements()[dim]);
  }
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(def)) {
    OpFoldResult size = expand.getMixedOutputShape()[dim];
    if (auto attr = dyn_cast<Attribute>(size))
      return constant(b, loc, cast<IntegerAttr>(attr).getInt());
    return index(cast<Value>(size));
  }
  return report(def->emitOpError("has a dynamic dim the schedule cannot compute"));
}

FailureOr<Value> HostShapes::index(Value v) {
  if (auto it = lowered.find(v); it != lowered.end())
    return it->second;
  Operation *def = v.getDefiningOp();
  if (!def)
    return report(emitError(v.getLoc()) << "index argument on the host is not supported");
  if (isa<SymbolOp, ShapeOp, ReadI64Op>(def))
    return v;
  unsigned errorsBefore = errors;
  OpBuilder b(def);
  Location loc = def->getLoc();
  auto lower = [&](Value x) { return index(x); };
  auto binary = [&](ShapeOpKind kind) -> FailureOr<Value> {
    auto lhs = lower(def->getOperand(0)), rhs = lower(def->getOperand(1));
    if (failed(lhs) || failed(rhs))
      return failure();
    return shape(b, loc, kind, *lhs, *rhs);
  };
  FailureOr<Value> result =
      llvm::TypeSwitch<Operation *, FailureOr<Value>>(def)
          .Case([&](arith::ConstantOp c) -> FailureOr<Value> {
            auto i = dyn_cast<IntegerAttr>(c.getValue());
            if (!i)
              return failure();
            if (c.getType().isIndex())
              return v;
            return constant(b, loc, i.getType().isInteger(1) ? (int64_t)i.getValue().getZExtValue() : i.getInt());
          })
          .Case([&](tensor::DimOp d) -> FailureOr<Value> {
            auto i = d.getConstantIndex();
            if (!i)
              return failure();
            return dim(d.getSource(), *i, def);
          })
          .Case<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtUIOp, arith::ExtSIOp>(
              [&](Operation *op) { return lower(op->getOperand(0)); })
          .Case([&](tensor::ExtractOp extract) -> FailureOr<Value> {
            // A value of a run-time tensor (a shape operand): read from its buffer when the step runs.
            auto type = cast<RankedTensorType>(extract.getTensor().getType());
            if (!type.getElementType().isInteger(64) || !type.hasStaticShape())
              return failure();
            int64_t linear = 0;
            for (auto [i, idx] : llvm::enumerate(extract.getIndices())) {
              auto c = getConstantIntValue(idx);
              if (!c)
                return failure();
              linear = linear * type.getDimSize(i) + *c;
            }
            return (Value)ReadI64Op::create(b, loc, b.getIndexType(), extract.getTensor(), b.getI64IntegerAttr(linear));
          })
          .Case([&](arith::CmpIOp cmp) -> FailureOr<Value> {
            if (cmp.getPredicate() != arith::CmpIPredicate::eq && cmp.getPredicate() != arith::CmpIPredicate::ne)
              return failure();
            auto eq = binary(ShapeOpKind::eq);
            if (failed(eq) || cmp.getPredicate() == arith::CmpIPredicate::eq)
              return eq;
            Value one = constant(b, loc, 1);
            return shape(b, loc, ShapeOpKind::sub, one, *eq);
          })
          .Case([&](arith::SelectOp select) -> FailureOr<Value> {
            // c * x + (1 - c) * y, with c in {0, 1}.
            auto c = lower(select.getCondition()), x = lower(select.getTrueValue()),
                 y = lower(select.getFalseValue());
            if (failed(c) || failed(x) || failed(y))
              return failure();
            // One statement per op: the order of the built ops must not depend on argument evaluation.
            Value one = constant(b, loc, 1);
            Value notC = shape(b, loc, ShapeOpKind::sub, one, *c);
            Value ifTrue = shape(b, loc, ShapeOpKind::mul, *c, *x);
            Value ifFalse = shape(b, loc, ShapeOpKind::mul, notC, *y);
            return shape(b, loc, ShapeOpKind::add, ifTrue, ifFalse);
          })
          .Case<arith::AddIOp>([&](auto) { return binary(ShapeOpKind::add); })
          .Case<arith::SubIOp>([&](auto) { return binary(ShapeOpKind::sub); })
          .Case<arith::MulIOp>([&](auto) { return binary(ShapeOpKind::mul); })
          .Case<arith::DivSIOp, arith::DivUIOp, arith::FloorDivSIOp>(
              [&](auto) { return binary(ShapeOpKind::div_floor); })
          .Case<arith::CeilDivSIOp, arith::CeilDivUIOp>([&](auto) { return binary(ShapeOpKind::div_ceil); })
          .Case<arith::MaxSIOp, arith::MaxUIOp>([&](auto) { return binary(ShapeOpKind::max); })
          .Case<arith::MinSIOp, arith::MinUIOp>([&](auto) { return binary(ShapeOpKind::min); })
          .Default([](Operation *) { return failure(); });
  if (failed(result)) {
    // Report only the innermost op that cannot be computed, not every user above it.
    if (errors == errorsBefore)
      return report(def->emitOpError("computes a shape value the schedule cannot express"));
    return failure();
  }
  lowered[v] = *result;
  return result;
}

FailureOr<Value> HostShapes::product(Value tensor, ArrayRef<int64_t> dims, Operation *before) {
  OpBuilder b(before);
  Value size = constant(b, before->getLoc(), 1);
  for (int64_t d : dims) {
    auto part = dim(tensor, d, before);
    if (failed(part))
      return failure();
    size = shape(b, before->getLoc(), ShapeOpKind::mul, size, *part);
  }
  return size;
}

FailureOr<Value> HostShapes::byteSize(Value tensor, Operation *before) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto elements = product(tensor, llvm::to_vector(llvm::seq<int64_t>(0, type.getRank())), before);
  if (failed(elements))
    return failure();
  OpBuilder b(before);
  Value width = constant(b, before->getLoc(), elementBytes(type.getElementType()));
  return shape(b, before->getLoc(), ShapeOpKind::mul, width, *elements);
}

} // namespace tessera::host
