//===- GraphTypeInference.cpp - result types of tgraph ops -----------------===//
//
// The families of tgraph ops that infer their result types from their operands (InferTypeOpInterface):
// elementwise ops keep their input's type, predicates make i1, binary ops and Where broadcast.
//
#include "dialects/Graph/IR/GraphOps.h"

using namespace mlir;

namespace tessera::graph {
namespace {

LogicalResult fail(std::optional<Location> location, const Twine &message) {
  if (location)
    return emitError(*location) << message;
  return failure();
}

/// The ranked tensor type of each operand, or failure (with a diagnostic) if one is not.
FailureOr<SmallVector<RankedTensorType>> rankedOperands(std::optional<Location> location, ValueRange operands,
                                                        size_t count) {
  if (operands.size() < count) {
    (void)fail(location, "expected " + Twine(count) + " operands, got " + Twine(operands.size()));
    return failure();
  }
  SmallVector<RankedTensorType> types;
  for (Value v : operands.take_front(count)) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type) {
      (void)fail(location, "expected ranked tensor operands");
      return failure();
    }
    types.push_back(type);
  }
  return types;
}

/// The broadcast shape of `types`, or failure (with a diagnostic).
FailureOr<SmallVector<int64_t>> broadcastAll(std::optional<Location> location, ArrayRef<RankedTensorType> types) {
  SmallVector<int64_t> shape(types.front().getShape());
  for (RankedTensorType type : types.drop_front()) {
    auto next = broadcastShapes(shape, type.getShape());
    if (failed(next)) {
      std::string text;
      llvm::raw_string_ostream os(text);
      llvm::interleave(types, os, [&](RankedTensorType t) { os << "'" << t << "'"; }, " and ");
      (void)fail(location, "operand shapes " + text + " do not broadcast");
      return failure();
    }
    shape = *next;
  }
  return shape;
}

} // namespace

LogicalResult inferSameType(MLIRContext *, std::optional<Location> location, ValueRange operands,
                            SmallVectorImpl<Type> &inferred) {
  auto types = rankedOperands(location, operands, 1);
  if (failed(types))
    return failure();
  inferred.push_back(types->front());
  return success();
}

LogicalResult inferPredicateType(MLIRContext *context, std::optional<Location> location, ValueRange operands,
                                 SmallVectorImpl<Type> &inferred) {
  auto types = rankedOperands(location, operands, 1);
  if (failed(types))
    return failure();
  inferred.push_back(RankedTensorType::get(types->front().getShape(), IntegerType::get(context, 1)));
  return success();
}

LogicalResult inferBroadcastType(MLIRContext *, std::optional<Location> location, ValueRange operands,
                                 SmallVectorImpl<Type> &inferred) {
  auto types = rankedOperands(location, operands, 2);
  if (failed(types))
    return failure();
  auto shape = broadcastAll(location, *types);
  if (failed(shape))
    return failure();
  inferred.push_back(RankedTensorType::get(*shape, types->front().getElementType()));
  return success();
}

LogicalResult inferComparisonType(MLIRContext *context, std::optional<Location> location, ValueRange operands,
                                  SmallVectorImpl<Type> &inferred) {
  auto types = rankedOperands(location, operands, 2);
  if (failed(types))
    return failure();
  auto shape = broadcastAll(location, *types);
  if (failed(shape))
    return failure();
  inferred.push_back(RankedTensorType::get(*shape, IntegerType::get(context, 1)));
  return success();
}

LogicalResult inferSelectType(MLIRContext *, std::optional<Location> location, ValueRange operands,
                              SmallVectorImpl<Type> &inferred) {
  auto types = rankedOperands(location, operands, 3);
  if (failed(types))
    return failure();
  auto shape = broadcastAll(location, *types);
  if (failed(shape))
    return failure();
  inferred.push_back(RankedTensorType::get(*shape, (*types)[1].getElementType()));
  return success();
}

bool compatibleResultTypes(TypeRange inferred, TypeRange declared) {
  if (inferred.size() != declared.size())
    return false;
  for (auto [a, b] : llvm::zip(inferred, declared)) {
    auto x = dyn_cast<RankedTensorType>(a), y = dyn_cast<RankedTensorType>(b);
    if (!x || !y) {
      if (a != b)
        return false;
      continue;
    }
    if (x.getElementType() != y.getElementType() || x.getRank() != y.getRank())
      return false;
    for (auto [m, n] : llvm::zip(x.getShape(), y.getShape()))
      if (!ShapedType::isDynamic(m) && !ShapedType::isDynamic(n) && m != n)
        return false;
  }
  return true;
}

} // namespace tessera::graph
