//===- GraphBuilders.h - small tgraph-building helpers for node importers --===//
//
// Importers that compose an ONNX op from existing tgraph ops share these: constants, reshapes, casts,
// broadcasting binary ops and index vectors. They build through the dialect's inferring builders: the
// importer has shaped and checked what a composition combines, so an inference that refuses it is an
// importer bug (reported fatally, like an assertion). Ops over what a node supplies go through
// NodeContext::make, where a refusal is the node's error.
//
#ifndef TESSERA_FRONTEND_ONNX_GRAPHBUILDERS_H
#define TESSERA_FRONTEND_ONNX_GRAPHBUILDERS_H

#include "frontend/onnx/ImportContext.h"

namespace tessera::onnx {

inline mlir::Value i64Constant(NodeContext &c, llvm::ArrayRef<int64_t> values, llvm::ArrayRef<int64_t> shape) {
  auto type = mlir::RankedTensorType::get(shape, c.b.getI64Type());
  return graph::ConstantOp::create(c.b, c.loc, mlir::DenseElementsAttr::get(type, values));
}

/// A rank-0 constant of `elem` (float, signless, unsigned or bool).
inline mlir::Value scalarConstant(NodeContext &c, mlir::Type elem, double v) {
  auto type = mlir::RankedTensorType::get({}, elem);
  mlir::Attribute a =
      mlir::isa<mlir::FloatType>(elem)
          ? (mlir::Attribute)c.b.getFloatAttr(elem, v)
          : (mlir::Attribute)c.b.getIntegerAttr(
                elem, llvm::APInt(elem.getIntOrFloatBitWidth(), (int64_t)v, /*isSigned=*/!elem.isInteger(1)));
  return graph::ConstantOp::create(c.b, c.loc, mlir::DenseElementsAttr::get(type, a));
}

/// A reshape to a static shape (none when `v` has it already).
inline mlir::Value reshape(NodeContext &c, mlir::Value v, llvm::ArrayRef<int64_t> shape) {
  auto t = mlir::cast<mlir::RankedTensorType>(v.getType());
  if (t.getShape() == shape)
    return v;
  return graph::ReshapeOp::create(c.b, c.loc, mlir::RankedTensorType::get(shape, t.getElementType()), v,
                                  mlir::Value());
}

/// A static slice: `sizes` elements from `starts` by `steps` along each dim (none when it is all of `v`).
inline mlir::Value slice(NodeContext &c, mlir::Value v, llvm::ArrayRef<int64_t> starts, llvm::ArrayRef<int64_t> sizes,
                         llvm::ArrayRef<int64_t> steps) {
  auto t = mlir::cast<mlir::RankedTensorType>(v.getType());
  if (t.getShape() == sizes)
    return v;
  return graph::SliceOp::create(c.b, c.loc, v, starts, steps, sizes);
}

/// Input 0 and the dim an op works along: the `axis` attribute's (normalized), or dim 0 of the input
/// flattened when the node has none (Compress, Unique).
inline mlir::FailureOr<std::pair<mlir::Value, int64_t>> axisOrFlattened(NodeContext &c) {
  auto in = c.inputType(0);
  if (!c.attr("axis"))
    return std::pair(reshape(c, c.input(0), {in.getNumElements()}), int64_t(0));
  auto axis = normalizeAxis(c, c.getInt("axis", 0), in.getRank());
  if (mlir::failed(axis))
    return mlir::failure();
  return std::pair(c.input(0), *axis);
}

inline mlir::Value transpose(NodeContext &c, mlir::Value v, llvm::ArrayRef<int64_t> perm) {
  return graph::TransposeOp::create(c.b, c.loc, v, c.b.getDenseI64ArrayAttr(perm));
}

/// A broadcasting binary op (comparisons make i1).
template <typename OpTy>
mlir::Value binary(NodeContext &c, mlir::Value a, mlir::Value b) {
  return OpTy::create(c.b, c.loc, a, b);
}

inline mlir::Value castTo(NodeContext &c, mlir::Value v, mlir::Type elem) {
  if (mlir::getElementTypeOrSelf(v.getType()) == elem)
    return v;
  return graph::CastOp::create(c.b, c.loc, v, elem);
}

/// [0, 1, ..., n) + offset as an i64 vector laid along `axis` of a rank-`rank` shape of ones.
inline mlir::Value iota(NodeContext &c, int64_t n, int64_t axis, int64_t rank, int64_t offset = 0) {
  llvm::SmallVector<int64_t> values, shape(rank, 1);
  for (int64_t i = 0; i < n; ++i)
    values.push_back(i + offset);
  shape[axis] = n;
  return i64Constant(c, values, shape);
}

} // namespace tessera::onnx

#endif // TESSERA_FRONTEND_ONNX_GRAPHBUILDERS_H
