//===- GraphOps.cpp - Tessera graph dialect verifiers ----------------------===//
#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace tessera::graph;

FailureOr<SmallVector<int64_t>> tessera::graph::broadcastShapes(ArrayRef<int64_t> a,
                                                                 ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == 1)
      result[i] = db;
    else if (db == 1 || da == db)
      result[i] = da;
    else if (ShapedType::isDynamic(da) || ShapedType::isDynamic(db))
      result[i] = ShapedType::isDynamic(da) ? db : da;
    else
      return failure();
  }
  return result;
}

static RankedTensorType rankedType(Value v) { return cast<RankedTensorType>(v.getType()); }

/// An error unless `axis` is in [0, rank).
static LogicalResult verifyAxis(Operation *op, int64_t axis, int64_t rank) {
  if (axis < 0 || axis >= rank)
    return op->emitOpError("axis ") << axis << " is out of range for rank " << rank;
  return success();
}

/// Whether two dims can be equal (either is dynamic, or they are).
static bool dimsAgree(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

LogicalResult ConstantOp::verify() {
  if (getValue().getType() != getType())
    return emitOpError("value type ") << getValue().getType() << " does not match result type "
                                      << getType();
  return success();
}

LogicalResult GlobalOp::verify() {
  if (getValue().getType() != getType())
    return emitOpError("value type ") << getValue().getType() << " does not match declared type "
                                      << getType();
  return success();
}

LogicalResult GlobalLoadOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto global = symbolTable.lookupNearestSymbolFrom<GlobalOp>(*this, getGlobalAttr());
  if (!global)
    return emitOpError("'") << getGlobal() << "' does not reference a tgraph.global";
  if (global.getType() != getType())
    return emitOpError("result type ") << getType() << " does not match global type "
                                       << global.getType();
  return success();
}


/// Window attributes that size arithmetic divides by (strides, dilations, kernel dims) or offsets by (pads).
static bool allPositive(ArrayRef<int64_t> values) {
  return llvm::all_of(values, [](int64_t v) { return v > 0; });
}
static bool noneNegative(ArrayRef<int64_t> values) {
  return llvm::none_of(values, [](int64_t v) { return v < 0; });
}

LogicalResult ConvOp::verify() {
  auto input = rankedType(getInput()), weight = rankedType(getWeight());
  int64_t spatial = input.getRank() - 2;
  if (spatial < 1)
    return emitOpError("input must have rank >= 3, got ") << input.getRank();
  if (weight.getRank() != input.getRank())
    return emitOpError("weight rank ") << weight.getRank() << " differs from input rank "
                                       << input.getRank();
  if (static_cast<int64_t>(getStrides().size()) != spatial ||
      static_cast<int64_t>(getDilations().size()) != spatial ||
      static_cast<int64_t>(getPads().size()) != 2 * spatial)
    return emitOpError("expects ") << spatial << " strides and dilations and " << 2 * spatial
                                   << " pads";
  if (getChannelsLast() && spatial != 2)
    return emitOpError("channels_last needs a 2-D convolution, got rank ") << input.getRank();
  if (getGroup() < 1)
    return emitOpError("group must be positive");
  if (!allPositive(getStrides()) || !allPositive(getDilations()))
    return emitOpError("strides and dilations must be positive");
  if (!noneNegative(getPads()))
    return emitOpError("pads must be non-negative");
  bool last = getChannelsLast();
  int64_t filters = weight.getDimSize(last ? 3 : 0);
  if (!ShapedType::isDynamic(filters) && filters % static_cast<int64_t>(getGroup()) != 0)
    return emitOpError("filters ") << filters << " are not a multiple of group " << getGroup();
  int64_t c = input.getDimSize(last ? 3 : 1), wc = weight.getDimSize(last ? 2 : 1);
  if (!ShapedType::isDynamic(c) && !ShapedType::isDynamic(wc) && c != wc * static_cast<int64_t>(getGroup()))
    return emitOpError("input channels ") << c << " != weight channels " << wc << " x group "
                                          << getGroup();
  return success();
}

LogicalResult PoolOp::verify() {
  int64_t spatial = rankedType(getInput()).getRank() - 2;
  if (spatial < 1 || static_cast<int64_t>(getKernelShape().size()) != spatial ||
      static_cast<int64_t>(getStrides().size()) != spatial ||
      static_cast<int64_t>(getDilations().size()) != spatial ||
      static_cast<int64_t>(getPads().size()) != 2 * spatial ||
      static_cast<int64_t>(getOriginalEndPads().size()) != spatial)
    return emitOpError("window attributes do not match the input's spatial rank");
  if (!allPositive(getKernelShape()) || !allPositive(getStrides()) || !allPositive(getDilations()))
    return emitOpError("kernel_shape, strides and dilations must be positive");
  if (!noneNegative(getPads()))
    return emitOpError("pads must be non-negative");
  return success();
}

LogicalResult SoftmaxOp::verify() {
  return verifyAxis(*this, static_cast<int64_t>(getAxis()), rankedType(getInput()).getRank());
}

LogicalResult LayerNormOp::verify() {
  auto input = rankedType(getInput());
  int64_t rank = input.getRank(), axis = getAxis();
  if (failed(verifyAxis(*this, axis, rank)))
    return failure();
  if (!isa<FloatType>(input.getElementType()))
    return emitOpError("expects a float input, got ") << input.getElementType();
  ArrayRef<int64_t> normalized = input.getShape().drop_front(axis);
  for (auto [name, v] : {std::pair<StringRef, Value>{"scale", getScale()}, {"bias", getBias()}}) {
    auto type = rankedType(v);
    if (type.getElementType() != input.getElementType())
      return emitOpError() << name << " has element type " << type.getElementType() << ", the input "
                           << input.getElementType();
    auto agree = [](auto dims) { return dimsAgree(std::get<0>(dims), std::get<1>(dims)); };
    if (type.getRank() != rank - axis || !llvm::all_of(llvm::zip(type.getShape(), normalized), agree))
      return emitOpError() << name << " " << type << " does not have the normalized dims of " << input;
  }
  return success();
}

LogicalResult ReduceOp::verify() {
  int64_t rank = rankedType(getInput()).getRank();
  int64_t previous = -1;
  for (int64_t axis : getAxes()) {
    if (axis < 0 || axis >= rank || axis <= previous)
      return emitOpError("axes must be sorted, unique and in [0, ") << rank << ")";
    previous = axis;
  }
  return success();
}

/// A run-time shape operand: a 1-D integer tensor with one value per result dim.
static LogicalResult verifyShapeOperand(Operation *op, Value shape, size_t rank) {
  if (!shape)
    return success();
  auto type = rankedType(shape);
  if (type.getRank() != 1 || !isa<IntegerType>(type.getElementType()) ||
      (!type.isDynamicDim(0) && type.getDimSize(0) != static_cast<int64_t>(rank)))
    return op->emitOpError("shape operand ") << type << " does not give one integer per dim of rank " << rank;
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto in = rankedType(getInput()), out = rankedType(getOutput());
  if (in.getElementType() != out.getElementType())
    return emitOpError("element type changes from ") << in.getElementType() << " to "
                                                     << out.getElementType();
  if (in.hasStaticShape() && out.hasStaticShape() &&
      in.getNumElements() != out.getNumElements())
    return emitOpError("element count changes from ") << in.getNumElements() << " to "
                                                      << out.getNumElements();
  return verifyShapeOperand(*this, getShape(), getSizes().size());
}

LogicalResult ExpandOp::verify() {
  auto in = rankedType(getInput());
  ArrayRef<int64_t> sizes = getSizes();
  int64_t lead = static_cast<int64_t>(sizes.size()) - in.getRank();
  if (lead < 0)
    return emitOpError("expands a rank-") << in.getRank() << " input to rank " << sizes.size();
  for (int64_t d = 0; d < in.getRank(); ++d) {
    int64_t from = in.getDimSize(d), to = sizes[d + lead];
    if (!ShapedType::isDynamic(from) && !ShapedType::isDynamic(to) && from != 1 && from != to)
      return emitOpError("input dim ") << d << " of size " << from << " does not broadcast to " << to;
  }
  return verifyShapeOperand(*this, getShape(), sizes.size());
}

LogicalResult TransposeOp::verify() {
  int64_t rank = rankedType(getInput()).getRank();
  if (static_cast<int64_t>(getPerm().size()) != rank)
    return emitOpError("perm has ") << getPerm().size() << " entries for rank " << rank;
  llvm::SmallVector<bool> seen(rank, false);
  for (int64_t p : getPerm()) {
    if (p < 0 || p >= rank || seen[p])
      return emitOpError("perm is not a permutation");
    seen[p] = true;
  }
  return success();
}

#define GET_OP_CLASSES
#include "dialects/Graph/IR/GraphOps.cpp.inc"
#include "dialects/Graph/IR/GraphEnums.cpp.inc"

LogicalResult GatherElementsOp::verify() {
  auto data = rankedType(getData()), indices = rankedType(getIndices());
  if (data.getRank() != indices.getRank() || getType() != RankedTensorType::get(indices.getShape(), data.getElementType()))
    return emitOpError("expects indices of the data's rank and a result shaped like the indices");
  if (static_cast<int64_t>(getAxis()) < 0 || static_cast<int64_t>(getAxis()) >= data.getRank())
    return emitOpError("axis ") << getAxis() << " is out of range";
  return success();
}

LogicalResult ScatterElementsOp::verify() {
  auto data = rankedType(getData()), indices = rankedType(getIndices()), updates = rankedType(getUpdates());
  if (indices.getShape() != updates.getShape() || indices.getRank() != data.getRank() || getType() != data)
    return emitOpError("expects indices and updates of one shape, of the data's rank");
  if (static_cast<int64_t>(getAxis()) < 0 || static_cast<int64_t>(getAxis()) >= data.getRank())
    return emitOpError("axis ") << getAxis() << " is out of range";
  return success();
}

LogicalResult ConcatOp::verify() {
  auto result = rankedType(getOutput());
  if (getInputs().empty())
    return emitOpError("expects at least one input");
  int64_t rank = result.getRank(), axis = static_cast<int64_t>(getAxis());
  if (failed(verifyAxis(*this, axis, rank)))
    return failure();
  int64_t total = 0;
  for (Value input : getInputs()) {
    auto type = rankedType(input);
    if (type.getRank() != rank || type.getElementType() != result.getElementType())
      return emitOpError("expects inputs of the result's rank and element type, got ") << type;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && !dimsAgree(type.getDimSize(d), result.getDimSize(d)))
        return emitOpError("input ") << type << " disagrees with the result " << result << " in dim " << d;
    total = ShapedType::isDynamic(total) || type.isDynamicDim(axis) ? ShapedType::kDynamic
                                                                    : total + type.getDimSize(axis);
  }
  if (!dimsAgree(total, result.getDimSize(axis)))
    return emitOpError("inputs add up to ") << total << " along axis " << axis << ", the result has "
                                            << result.getDimSize(axis);
  return success();
}

LogicalResult GatherOp::verify() {
  auto data = rankedType(getData()), indices = rankedType(getIndices()), result = rankedType(getOutput());
  if (failed(verifyAxis(*this, static_cast<int64_t>(getAxis()), data.getRank())))
    return failure();
  if (!isa<IntegerType>(indices.getElementType()))
    return emitOpError("expects integer indices, got ") << indices;
  if (result.getRank() != data.getRank() - 1 + indices.getRank())
    return emitOpError("result rank ") << result.getRank() << " is not data rank - 1 + indices rank ("
                                       << data.getRank() - 1 + indices.getRank() << ")";
  return success();
}

LogicalResult SliceOp::verify() {
  int64_t rank = rankedType(getInput()).getRank();
  if (static_cast<int64_t>(getStarts().size()) != rank || static_cast<int64_t>(getSteps().size()) != rank)
    return emitOpError("expects one start and one step per dim of rank ") << rank;
  if (static_cast<int64_t>(getSizes().size()) != rank)
    return emitOpError("expects one size per dim of rank ") << rank;
  if (llvm::is_contained(getSteps(), 0))
    return emitOpError("steps must be non-zero");
  auto in = rankedType(getInput());
  for (int64_t d = 0; d < rank; ++d) {
    int64_t start = getStarts()[d], step = getSteps()[d], size = getSizes()[d], dim = in.getDimSize(d);
    // A dim of run-time size is kept whole: the lowering takes its size from the input.
    if (ShapedType::isDynamic(size)) {
      if (!in.isDynamicDim(d) || start != 0 || step != 1)
        return emitOpError("dim ") << d << " of run-time size must be kept whole (start 0, step 1)";
      continue;
    }
    if (size < 0)
      return emitOpError("size ") << size << " of dim " << d << " is negative";
    // The first and last elements read lie inside a static input dim.
    int64_t last = start + (size - 1) * step;
    if (size > 0 && !in.isDynamicDim(d) && (start < 0 || start >= dim || last < 0 || last >= dim))
      return emitOpError("dim ") << d << " reads elements " << start << " to " << last << " of " << dim;
  }
  return success();
}

std::pair<int64_t, int64_t> tessera::graph::shapeDimRange(int64_t start, int64_t end, int64_t rank) {
  auto clamp = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  int64_t first = clamp(start);
  return {first, std::max(first, clamp(end))};
}

std::pair<int64_t, int64_t> ShapeOp::getDimRange() {
  // I64Attr accessors are unsigned: read the attributes as signed values.
  return shapeDimRange(getStartAttr().getInt(), getEndAttr().getInt(), rankedType(getInput()).getRank());
}

LogicalResult CumSumOp::verify() {
  return verifyAxis(*this, static_cast<int64_t>(getAxis()), rankedType(getInput()).getRank());
}

LogicalResult TopKOp::verify() {
  return verifyAxis(*this, static_cast<int64_t>(getAxis()), rankedType(getInput()).getRank());
}

LogicalResult EinsumOp::verify() {
  if (getOperandDims().size() != getInputs().size())
    return emitOpError("expects one operand_dims entry per input");
  int64_t loops = 0;
  for (int64_t d : getOutputDims())
    loops = std::max(loops, d + 1);
  for (auto [input, attr] : llvm::zip(getInputs(), getOperandDims())) {
    auto dims = dyn_cast<DenseI64ArrayAttr>(attr);
    if (!dims || dims.size() != rankedType(input).getRank())
      return emitOpError("operand_dims entries must be i64 arrays of the operand ranks");
    for (int64_t d : dims.asArrayRef())
      if (d < -1)
        return emitOpError("invalid loop dim ") << d;
  }
  if ((int64_t)getOutputDims().size() != rankedType(getOutput()).getRank())
    return emitOpError("output_dims must have the result rank");
  return success();
}
