//===- ElementIndices.h - when two index lists name different elements ------===//
//
// Kernel loads and stores are kept in registers or dropped only where the elements they touch are known to
// differ. Indices built by the invocation mapping are base + constant offset (copy r of a register block), so
// that is what this recognizes.
//
#ifndef TESSERA_CODEGEN_VULKAN_ELEMENTINDICES_H
#define TESSERA_CODEGEN_VULKAN_ELEMENTINDICES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <utility>

namespace tessera::vulkan {

/// `v` as base + constant offset (a null base for a constant).
inline std::pair<mlir::Value, int64_t> splitOffset(mlir::Value v) {
  if (auto c = mlir::getConstantIntValue(v))
    return {mlir::Value(), *c};
  if (auto add = v.getDefiningOp<mlir::arith::AddIOp>()) {
    if (auto c = mlir::getConstantIntValue(add.getRhs()))
      return {add.getLhs(), *c};
    if (auto c = mlir::getConstantIntValue(add.getLhs()))
      return {add.getRhs(), *c};
  }
  return {v, 0};
}

/// Whether two index lists provably name different elements: in some position, the same base at different
/// constant offsets.
inline bool provablyDistinct(mlir::ValueRange a, mlir::ValueRange b) {
  for (auto [x, y] : llvm::zip(a, b)) {
    auto [baseX, offsetX] = splitOffset(x);
    auto [baseY, offsetY] = splitOffset(y);
    if (baseX == baseY && offsetX != offsetY)
      return true;
  }
  return false;
}

} // namespace tessera::vulkan

#endif
