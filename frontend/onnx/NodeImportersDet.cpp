//===- NodeImportersDet.cpp - Det -------------------------------------------===//
//
// The determinant of each [n, n] matrix of the input, by Gaussian elimination with partial pivoting,
// unrolled over the n steps at compile time: each step moves the row with the largest magnitude in the
// first column to the top (a GatherElements, flipping the sign when the rows differ), multiplies the
// pivot into the product and leaves the Schur complement, one row and column smaller. A zero pivot
// (a singular matrix) makes the product zero; it is divided by 1 instead, so nothing turns into NaN.
// An empty matrix's determinant is 1.
//
#include "frontend/onnx/GraphBuilders.h"

using namespace mlir;

namespace tessera::onnx {

namespace {

/// The largest n unrolled: n steps of a few ops each, every step O(batch n^2) work.
constexpr int64_t kMaxDetSize = 64;

FailureOr<SmallVector<Value>> importDet(NodeContext &c) {
  auto in = c.inputType(0);
  Type elem = in.getElementType();
  int64_t rank = in.getRank();
  if (!in.hasStaticShape() || rank < 2 || !isa<FloatType>(elem))
    return c.error() << "expects a static float input of rank >= 2, got " << in;
  int64_t n = in.getDimSize(rank - 1);
  if (in.getDimSize(rank - 2) != n)
    return c.error() << "expects square matrices, got " << in;
  if (n > kMaxDetSize)
    return c.error() << "matrices of " << n << "x" << n << " are larger than the " << kMaxDetSize << "x"
                     << kMaxDetSize << " supported";
  auto batchShape = in.getShape().drop_back(2);
  int64_t batch = 1;
  for (int64_t d : batchShape)
    batch *= d;
  auto k = [&](double v) { return scalarConstant(c, elem, v); };
  Value product = graph::ConstantOp::create(
      c.b, c.loc, DenseElementsAttr::get(RankedTensorType::get({batch, 1, 1}, elem), c.b.getFloatAttr(elem, 1)));
  Value m = reshape(c, c.input(0), {batch, n, n});
  for (int64_t size = n; size > 0; --size) {
    // The pivot row p (first of the largest), moved to the top by swapping rows 0 and p.
    Value column = slice(c, m, {0, 0, 0}, {batch, size, 1}, {1, 1, 1});
    Value p = graph::ReduceOp::create(c.b, c.loc, graph::AbsOp::create(c.b, c.loc, column), graph::ReduceKind::argmax,
                                      c.b.getDenseI64ArrayAttr({1}), true, false);
    Value rows = iota(c, size, 1, 3);
    Value zero = i64Constant(c, {0}, {}), top = binary<graph::EqualOp>(c, rows, zero);
    Value source = graph::WhereOp::create(
        c.b, c.loc, top, p, graph::WhereOp::create(c.b, c.loc, binary<graph::EqualOp>(c, rows, p), zero, rows));
    Value indices = binary<graph::AddOp>(c, source, i64Constant(c, SmallVector<int64_t>(size, 0), {1, 1, size}));
    m = graph::GatherElementsOp::create(c.b, c.loc, m, indices, 1);
    Value swapped = binary<graph::EqualOp>(c, p, zero);
    Value sign = graph::WhereOp::create(c.b, c.loc, swapped, k(1), k(-1));
    Value pivot = slice(c, m, {0, 0, 0}, {batch, 1, 1}, {1, 1, 1});
    product = binary<graph::MulOp>(c, product, binary<graph::MulOp>(c, sign, pivot));
    if (size == 1)
      break;
    // The Schur complement: rows 1.. minus their first entry / pivot times row 0, without column 0.
    Value safePivot = graph::WhereOp::create(c.b, c.loc, binary<graph::EqualOp>(c, pivot, k(0)), k(1), pivot);
    Value below = slice(c, m, {0, 1, 0}, {batch, size - 1, 1}, {1, 1, 1});
    Value right = slice(c, m, {0, 0, 1}, {batch, 1, size - 1}, {1, 1, 1});
    Value rest = slice(c, m, {0, 1, 1}, {batch, size - 1, size - 1}, {1, 1, 1});
    m = binary<graph::SubOp>(c, rest, binary<graph::MulOp>(c, binary<graph::DivOp>(c, below, safePivot), right));
  }
  return SmallVector<Value>{reshape(c, product, batchShape)};
}

} // namespace

void addDetImporter(llvm::StringMap<NodeImporter> &t) { t["Det"] = importDet; }

} // namespace tessera::onnx
