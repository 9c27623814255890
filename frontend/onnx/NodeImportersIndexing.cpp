//===- NodeImportersIndexing.cpp - gathers, scatters, CumSum, TopK, Pad ----===//
#include "frontend/onnx/GraphBuilders.h"

using namespace mlir;
namespace onnxpb = ::onnx;

namespace tessera::onnx {

static bool isIndexType(Type t) {
  auto i = dyn_cast<IntegerType>(t);
  return i && !i.isUnsigned() && (i.getWidth() == 32 || i.getWidth() == 64);
}

static Results importGatherElements(NodeContext &c) {
  auto data = c.inputType(0), indices = c.inputType(1);
  if (data.getRank() != indices.getRank() || !isIndexType(indices.getElementType()))
    return c.error() << "expects int32/int64 indices of the data's rank";
  auto axis = normalizeAxis(c, c.getInt("axis", 0), data.getRank());
  if (failed(axis))
    return failure();
  return one(c.make<graph::GatherElementsOp>(c.input(0), c.input(1), *axis));
}

/// The node's `reduction` attribute (default none).
static FailureOr<graph::ScatterReduction> scatterReduction(NodeContext &c) {
  std::string name = c.getString("reduction", "none");
  std::optional<graph::ScatterReduction> reduction = graph::symbolizeScatterReduction(name);
  if (!reduction)
    return c.error() << "unknown reduction '" << name << "'";
  return *reduction;
}

static Results importScatterElements(NodeContext &c) {
  auto data = c.inputType(0), indices = c.inputType(1), updates = c.inputType(2);
  if (data.getRank() != indices.getRank() || indices.getShape() != updates.getShape() ||
      !isIndexType(indices.getElementType()))
    return c.error() << "expects int32/int64 indices and updates of one shape, of the data's rank";
  auto axis = normalizeAxis(c, c.getInt("axis", 0), data.getRank());
  if (failed(axis))
    return failure();
  auto reduction = scatterReduction(c);
  if (failed(reduction))
    return failure();
  return one(graph::ScatterElementsOp::create(c.b, c.loc, c.input(0), c.input(1), c.input(2), *axis, *reduction));
}

static Results importGatherND(NodeContext &c) {
  auto data = c.inputType(0), indices = c.inputType(1);
  int64_t batch = c.getInt("batch_dims", 0), q = indices.getRank();
  if (!indices.hasStaticShape() || q < 1 || !indices.getElementType().isInteger(64))
    return c.error() << "expects static int64 indices of rank >= 1";
  int64_t k = indices.getDimSize(q - 1);
  if (batch < 0 || batch >= q || batch + k > data.getRank())
    return c.error() << "indices do not address the data";
  return one(c.make<graph::GatherNDOp>(c.input(0), c.input(1), batch));
}

static Results importScatterND(NodeContext &c) {
  auto data = c.inputType(0), indices = c.inputType(1), updates = c.inputType(2);
  int64_t q = indices.getRank();
  if (!indices.hasStaticShape() || q < 1 || !indices.getElementType().isInteger(64))
    return c.error() << "expects static int64 indices of rank >= 1";
  int64_t k = indices.getDimSize(q - 1);
  SmallVector<int64_t> want(indices.getShape().drop_back());
  llvm::append_range(want, data.getShape().drop_front(std::min<int64_t>(k, data.getRank())));
  if (k > data.getRank() || updates.getShape() != ArrayRef<int64_t>(want))
    return c.error() << "updates " << updates << " do not match the indices and data";
  auto reduction = scatterReduction(c);
  if (failed(reduction))
    return failure();
  return one(graph::ScatterNDOp::create(c.b, c.loc, c.input(0), c.input(1), c.input(2), *reduction));
}

/// CumSum along an axis known only at run time: one scan per possible axis, selected by the value
/// (the axis never changes the shape, so this stays static).
static Results cumSumAnyAxis(NodeContext &c) {
  auto in = c.inputType(0), axisType = c.inputType(1);
  if (axisType.getNumElements() != 1 || !isIndexType(axisType.getElementType()) || in.getRank() == 0)
    return c.error() << "axis must be an int32/int64 scalar";
  bool exclusive = c.getInt("exclusive", 0) != 0, reverse = c.getInt("reverse", 0) != 0;
  auto constant = [&](int64_t v) { return i64Constant(c, {v}, {}); };
  Value axis = graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get({}, axisType.getElementType()), c.input(1), Value());
  axis = graph::CastOp::create(c.b, c.loc, axis, c.b.getI64Type());
  Value negative = binary<graph::LessOp>(c, axis, constant(0));
  Value wrapped = binary<graph::AddOp>(c, axis, constant(in.getRank()));
  axis = graph::WhereOp::create(c.b, c.loc, negative, wrapped, axis);
  Value result = graph::CumSumOp::create(c.b, c.loc, c.input(0), in.getRank() - 1, exclusive, reverse);
  for (int64_t d = in.getRank() - 2; d >= 0; --d) {
    Value scan = graph::CumSumOp::create(c.b, c.loc, c.input(0), d, exclusive, reverse);
    Value is = binary<graph::EqualOp>(c, axis, constant(d));
    result = graph::WhereOp::create(c.b, c.loc, is, scan, result);
  }
  return SmallVector<Value>{result};
}

static Results importCumSum(NodeContext &c) {
  auto in = c.inputType(0);
  auto axisValue = c.constantInts(1);
  if (!axisValue)
    return cumSumAnyAxis(c);
  if (axisValue->size() != 1)
    return c.error() << "axis must be a scalar";
  auto axis = normalizeAxis(c, (*axisValue)[0], in.getRank());
  if (failed(axis))
    return failure();
  return one(graph::CumSumOp::create(c.b, c.loc, c.input(0), *axis, c.getInt("exclusive", 0) != 0,
                                     c.getInt("reverse", 0) != 0));
}

static Results importTopK(NodeContext &c) {
  auto in = c.inputType(0);
  int64_t k = -1;
  bool runtimeK = false;
  if (c.opset < 10) {
    k = c.getInt("k", -1);
  } else if (auto kv = c.constantInts(1)) {
    if (kv->size() != 1)
      return c.error() << "k must have one element";
    k = (*kv)[0];
  } else {
    runtimeK = true;
  }
  auto axis = normalizeAxis(c, c.getInt("axis", -1), in.getRank());
  if (failed(axis))
    return failure();
  if (runtimeK) { // sort the whole axis, then keep the first k when the model runs
    auto kType = c.inputType(1);
    if (!in.hasStaticShape() || kType.getRank() != 1 || kType.getDimSize(0) != 1)
      return c.error() << "a run-time k needs a static input and a 1-element k";
    k = in.getDimSize(*axis);
  }
  if (!in.hasStaticShape() || k < 0 || k > in.getDimSize(*axis))
    return c.error() << "k = " << k << " does not fit the static axis";
  // A run-time k may keep fewer than all: the leading ones must then be the sorted top ones.
  auto op = graph::TopKOp::create(c.b, c.loc, c.input(0), k, *axis, c.getInt("largest", 1) != 0,
                                  runtimeK || c.getInt("sorted", 1) != 0);
  if (runtimeK)
    return SmallVector<Value>{takeLeading(c, op.getValues(), c.input(1), *axis),
                              takeLeading(c, op.getIndices(), c.input(1), *axis)};
  return SmallVector<Value>{op.getValues(), op.getIndices()};
}

/// Pad-19 "wrap": each padded axis becomes concat(x[d - before:], x, x[:after]).
static Results padWrap(NodeContext &c, ArrayRef<int64_t> pads) {
  Value x = c.input(0);
  int64_t rank = c.inputType(0).getRank();
  for (int64_t i = 0; i < rank; ++i) {
    auto t = cast<RankedTensorType>(x.getType());
    int64_t d = t.getDimSize(i), before = pads[i], after = pads[i + rank];
    if (before < 0 || after < 0 || before > d || after > d)
      return c.error() << "wrap pads must be between 0 and the dim size";
    if (!before && !after)
      continue;
    auto part = [&](int64_t start, int64_t size) -> Value {
      SmallVector<int64_t> starts(rank, 0), steps(rank, 1), sizes(t.getShape());
      starts[i] = start;
      sizes[i] = size;
      return graph::SliceOp::create(c.b, c.loc, x, starts, steps, sizes);
    };
    SmallVector<Value> parts;
    if (before)
      parts.push_back(part(d - before, before));
    parts.push_back(x);
    if (after)
      parts.push_back(part(0, after));
    x = graph::ConcatOp::create(c.b, c.loc, parts, i);
  }
  if (x == c.input(0))
    x = graph::IdentityOp::create(c.b, c.loc, x);
  return SmallVector<Value>{x};
}

static Results importPad(NodeContext &c) {
  auto in = c.inputType(0);
  int64_t rank = in.getRank();
  std::optional<SmallVector<int64_t>> pads;
  Value value;
  if (c.opset < 11) {
    pads = c.getInts("pads");
    if (!isa<FloatType>(in.getElementType()))
      return c.error() << "expects a float input";
    value = scalarConstant(c, in.getElementType(), c.getFloat("value", 0));
  } else {
    pads = c.constantInts(1);
    if (c.input(2))
      value = c.input(2);
  }
  // The dims the pads apply to: every dim, or (opset 18) the listed ones.
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  if (c.input(3)) {
    auto listed = c.constantInts(3);
    if (!listed)
      return c.error() << "axes must be a compile-time constant";
    axes.clear();
    for (int64_t a : *listed) {
      auto axis = normalizeAxis(c, a, rank);
      if (failed(axis))
        return failure();
      axes.push_back(*axis);
    }
  }
  if (!pads) { // known only at run time
    auto padded = padWithRuntimePads(c, c.input(0), c.input(1), value, c.getString("mode", "constant"), axes);
    if (failed(padded))
      return failure();
    return one(*padded);
  }
  if ((int64_t)pads->size() != 2 * (int64_t)axes.size())
    return c.error() << "expects " << 2 * axes.size() << " pads";
  if (c.input(3)) { // spread the listed axes' pads over every dim
    SmallVector<int64_t> full(2 * rank, 0);
    for (auto [i, axis] : llvm::enumerate(axes)) {
      full[axis] = (*pads)[i];
      full[axis + rank] = (*pads)[i + axes.size()];
    }
    pads = full;
  }
  if (!in.hasStaticShape())
    return c.error() << "dynamic shapes are not supported yet";
  std::string mode = c.getString("mode", "constant");
  if (mode == "wrap")
    return padWrap(c, *pads);
  std::optional<graph::PadMode> padMode = graph::symbolizePadMode(mode);
  if (!padMode)
    return c.error() << "unknown mode '" << mode << "'";
  for (int64_t i = 0; i < rank; ++i) {
    if (in.getDimSize(i) + (*pads)[i] + (*pads)[i + rank] < 0)
      return c.error() << "negative pads remove more than dim " << i;
    if (mode == "reflect" && ((*pads)[i] >= in.getDimSize(i) || (*pads)[i + rank] >= in.getDimSize(i)))
      return c.error() << "reflect pads must be smaller than the dim";
  }
  if (value && cast<RankedTensorType>(value.getType()).getRank() != 0) {
    if (cast<RankedTensorType>(value.getType()).getNumElements() != 1)
      return c.error() << "constant_value must be a scalar";
    value = reshape(c, value, {});
  }
  return one(c.make<graph::PadOp>(c.input(0), *padMode, *pads, value));
}

/// out[t, b] = in[len[b] - 1 - t, b] for t < len[b], else in[t, b]: a GatherElements along time with
/// indices computed from the (run-time) lengths.
static Results importReverseSequence(NodeContext &c) {
  auto in = c.inputType(0);
  int64_t rank = in.getRank();
  if (!in.hasStaticShape() || rank < 2)
    return c.error() << "expects a static input of rank >= 2";
  auto timeAxis = normalizeAxis(c, c.getInt("time_axis", 0), rank);
  auto batchAxis = normalizeAxis(c, c.getInt("batch_axis", 1), rank);
  if (failed(timeAxis) || failed(batchAxis) || *timeAxis == *batchAxis)
    return failure();
  auto i64 = c.b.getI64Type();
  SmallVector<int64_t> batchShape(rank, 1);
  batchShape[*batchAxis] = in.getDimSize(*batchAxis);
  Value t = iota(c, in.getDimSize(*timeAxis), *timeAxis, rank);
  Value lens = graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(batchShape, c.inputType(1).getElementType()), c.input(1), Value());
  lens = graph::CastOp::create(c.b, c.loc, lens, i64);
  Value last = binary<graph::SubOp>(c, lens, i64Constant(c, {1}, {}));
  Value reversed = binary<graph::SubOp>(c, last, t);
  Value inside = binary<graph::LessOp>(c, t, lens);
  Value idx = graph::WhereOp::create(c.b, c.loc, inside, reversed, t);
  idx = graph::ExpandOp::create(c.b, c.loc, RankedTensorType::get(in.getShape(), i64), idx);
  return one(graph::GatherElementsOp::create(c.b, c.loc, c.input(0), idx, *timeAxis));
}

/// MaxUnpool: zeros of the unpooled shape with X scattered to its flat indices.
static Results importMaxUnpool(NodeContext &c) {
  auto x = c.inputType(0), idx = c.inputType(1);
  int64_t rank = x.getRank(), n = rank - 2;
  if (rank < 3 || !x.hasStaticShape() || x.getShape() != idx.getShape() || !idx.getElementType().isInteger(64))
    return c.error() << "expects static X and int64 indices of one shape";
  auto kernel = c.getInts("kernel_shape");
  auto strides = c.getInts("strides").value_or(SmallVector<int64_t>(n, 1));
  auto pads = c.getInts("pads").value_or(SmallVector<int64_t>(2 * n, 0));
  if (!kernel || (int64_t)kernel->size() != n || (int64_t)strides.size() != n || (int64_t)pads.size() != 2 * n)
    return c.error() << "kernel_shape, strides and pads must match the spatial rank";
  SmallVector<int64_t> shape(x.getShape().take_front(2));
  for (int64_t i = 0; i < n; ++i)
    shape.push_back((x.getDimSize(i + 2) - 1) * strides[i] + (*kernel)[i] - pads[i] - pads[i + n]);
  // An output_shape read when the model runs gives the zeros' length (the product of its dims, a small
  // kernel) and the result's dims.
  Value runtimeShape;
  if (c.input(2)) {
    auto given = c.constantInts(2);
    auto shapeType = dyn_cast<RankedTensorType>(c.input(2).getType());
    if (given) {
      if ((int64_t)given->size() != rank)
        return c.error() << "output_shape has " << given->size() << " dims but X has " << rank;
      shape = *given;
    } else if (!shapeType || shapeType.getShape() != ArrayRef<int64_t>{rank} ||
               !shapeType.getElementType().isInteger(64)) {
      return c.error() << "a run-time output_shape must be int64 [" << rank << "]";
    } else {
      runtimeShape = c.input(2);
      shape.assign(rank, ShapedType::kDynamic);
    }
  }
  if (!runtimeShape && llvm::any_of(shape, [](int64_t d) { return d < 0; }))
    return c.error() << "the output shape has a negative dim";
  Type elem = x.getElementType();
  Value zero = scalarConstant(c, elem, 0);
  Value zeros;
  if (runtimeShape) {
    Value total = graph::ReduceOp::create(c.b, c.loc, runtimeShape, graph::ReduceKind::prod,
                                          c.b.getDenseI64ArrayAttr({0}), true, false);
    zeros = graph::ExpandOp::create(c.b, c.loc, RankedTensorType::get({ShapedType::kDynamic}, elem), zero, total);
  } else {
    int64_t total = 1;
    for (int64_t d : shape)
      total *= d;
    zeros = graph::ExpandOp::create(c.b, c.loc, RankedTensorType::get({total}, elem), zero);
  }
  int64_t count = x.getNumElements();
  Value values = reshape(c, c.input(0), {count});
  Value indices = reshape(c, c.input(1), {count});
  Value flat = graph::ScatterElementsOp::create(c.b, c.loc, zeros, indices, values, 0, graph::ScatterReduction::none);
  return one(graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(shape, elem), flat, runtimeShape));
}

void addIndexingImporters(llvm::StringMap<NodeImporter> &t) {
  t["MaxUnpool"] = importMaxUnpool;
  t["ReverseSequence"] = importReverseSequence;
  t["GatherElements"] = importGatherElements;
  t["ScatterElements"] = importScatterElements;
  t["Scatter"] = importScatterElements; // deprecated alias (opset 9-10), same semantics
  t["GatherND"] = importGatherND;
  t["ScatterND"] = importScatterND;
  t["CumSum"] = importCumSum;
  t["TopK"] = importTopK;
  t["Pad"] = importPad;
}

} // namespace tessera::onnx
