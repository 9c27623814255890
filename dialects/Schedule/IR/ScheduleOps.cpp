//===- ScheduleOps.cpp - Tessera host schedule dialect --------------------===//
#include "dialects/Schedule/IR/ScheduleOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace tessera::schedule;

#include "dialects/Schedule/IR/ScheduleDialect.cpp.inc"
#include "dialects/Schedule/IR/ScheduleEnums.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/Schedule/IR/ScheduleTypes.cpp.inc"

void ScheduleDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/Schedule/IR/ScheduleTypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/Schedule/IR/ScheduleOps.cpp.inc"
      >();
}

Operation *ScheduleDialect::materializeConstant(OpBuilder &builder, Attribute value, Type type,
                                                Location loc) {
  if (!type.isIndex() || !isa<IntegerAttr>(value))
    return nullptr;
  return arith::ConstantOp::create(builder, loc, type, cast<TypedAttr>(value));
}

LogicalResult ProgramOp::verify() {
  if (getInputNames().size() != getInputDtypes().size() || getOutputNames().size() != getOutputDtypes().size())
    return emitOpError("needs one dtype per input and output name");
  return success();
}

/// Folds literal operands the way the runtime computes them (int64, floor/ceil division); leaves
/// division by zero and overflow to the run, which reports them.
OpFoldResult ShapeOp::fold(FoldAdaptor adaptor) {
  auto lhs = dyn_cast_if_present<IntegerAttr>(adaptor.getLhs());
  auto rhs = dyn_cast_if_present<IntegerAttr>(adaptor.getRhs());
  ShapeOpKind kind = getKind();
  // x * 1 and x + 0 need only one literal.
  if (rhs && ((kind == ShapeOpKind::mul && rhs.getInt() == 1) || (kind == ShapeOpKind::add && rhs.getInt() == 0) ||
              (kind == ShapeOpKind::sub && rhs.getInt() == 0)))
    return getLhs();
  if (lhs && ((kind == ShapeOpKind::mul && lhs.getInt() == 1) || (kind == ShapeOpKind::add && lhs.getInt() == 0)))
    return getRhs();
  if (!lhs || !rhs)
    return {};
  int64_t a = lhs.getInt(), b = rhs.getInt(), r = 0;
  switch (kind) {
  case ShapeOpKind::add:
    if (__builtin_add_overflow(a, b, &r))
      return {};
    break;
  case ShapeOpKind::sub:
    if (__builtin_sub_overflow(a, b, &r))
      return {};
    break;
  case ShapeOpKind::mul:
    if (__builtin_mul_overflow(a, b, &r))
      return {};
    break;
  case ShapeOpKind::div_floor:
  case ShapeOpKind::div_ceil: {
    if (b == 0 || (a == INT64_MIN && b == -1))
      return {};
    r = a / b;
    if (a % b != 0) {
      bool negative = (a < 0) != (b < 0);
      if (kind == ShapeOpKind::div_floor && negative)
        --r;
      if (kind == ShapeOpKind::div_ceil && !negative)
        ++r;
    }
    break;
  }
  case ShapeOpKind::max: r = std::max(a, b); break;
  case ShapeOpKind::min: r = std::min(a, b); break;
  case ShapeOpKind::eq: r = a == b; break;
  }
  return IntegerAttr::get(IndexType::get(getContext()), r);
}

/// A check that always holds is dropped; one that always fails stays, so the run reports it.
LogicalResult CheckEqOp::canonicalize(CheckEqOp op, PatternRewriter &rewriter) {
  APInt lhs, rhs;
  bool holds = op.getLhs() == op.getRhs() || (matchPattern(op.getLhs(), m_ConstantInt(&lhs)) &&
                                             matchPattern(op.getRhs(), m_ConstantInt(&rhs)) && lhs == rhs);
  if (!holds)
    return failure();
  rewriter.eraseOp(op);
  return success();
}

LogicalResult DispatchOp::verify() {
  if (!getWorkgroupCount().empty() && getWorkgroupCount().size() != 3)
    return emitOpError("needs 3 workgroup counts (x, y, z), got ") << getWorkgroupCount().size();
  if (getLengths().size() != getBindings().size() || getAccess().size() != getBindings().size())
    return emitOpError("needs one length and one access per binding");
  for (int32_t a : getAccess())
    if (a < 1 || a > 3)
      return emitOpError("access ") << a << " is not read (1), write (2) or read-write (3)";
  return success();
}

Value tessera::schedule::viewRoot(Value buffer, int64_t *offset) {
  int64_t at = 0;
  while (auto view = buffer.getDefiningOp<ViewOp>()) {
    at += view.getOffset();
    buffer = view.getSource();
  }
  if (offset)
    *offset = at;
  return buffer;
}

#define GET_OP_CLASSES
#include "dialects/Schedule/IR/ScheduleOps.cpp.inc"
