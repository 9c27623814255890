//===- GraphTypeInference.cpp - result types of tgraph ops -----------------===//
//
// The families of tgraph ops that infer their result types from their operands (InferTypeOpInterface):
// elementwise ops keep their input's type, predicates make i1, binary ops and Where broadcast.
//
#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"

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

namespace {
/// The broadcast of the first `count` operands' shapes, with elements `element` (null: operand
/// `elementsOf`'s).
LogicalResult inferBroadcast(std::optional<Location> location, ValueRange operands, size_t count, Type element,
                             size_t elementsOf, SmallVectorImpl<Type> &inferred) {
  auto types = rankedOperands(location, operands, count);
  if (failed(types))
    return failure();
  auto shape = broadcastAll(location, *types);
  if (failed(shape))
    return failure();
  inferred.push_back(RankedTensorType::get(*shape, element ? element : (*types)[elementsOf].getElementType()));
  return success();
}
} // namespace

LogicalResult inferBroadcastType(MLIRContext *, std::optional<Location> location, ValueRange operands,
                                 SmallVectorImpl<Type> &inferred) {
  return inferBroadcast(location, operands, 2, Type(), 0, inferred);
}

LogicalResult inferComparisonType(MLIRContext *context, std::optional<Location> location, ValueRange operands,
                                  SmallVectorImpl<Type> &inferred) {
  return inferBroadcast(location, operands, 2, IntegerType::get(context, 1), 0, inferred);
}

LogicalResult inferSelectType(MLIRContext *, std::optional<Location> location, ValueRange operands,
                              SmallVectorImpl<Type> &inferred) {
  return inferBroadcast(location, operands, 3, Type(), 1, inferred);
}

} // namespace tessera::graph

//===----------------------------------------------------------------------===//
// Ops whose result types follow from their attributes too
//===----------------------------------------------------------------------===//

namespace {
using namespace tessera::graph;

constexpr int64_t kDynamic = ShapedType::kDynamic;

RankedTensorType rankedOf(Value v) { return dyn_cast<RankedTensorType>(v.getType()); }

LogicalResult infer(SmallVectorImpl<Type> &inferred, ArrayRef<int64_t> shape, Type element) {
  inferred.push_back(RankedTensorType::get(shape, element));
  return success();
}

/// Ops that carry their result shape (`sizes`): the input's element type in that shape.
LogicalResult inferCarriedSizes(std::optional<Location> location, Value input, ArrayRef<int64_t> sizes,
                                SmallVectorImpl<Type> &inferred) {
  RankedTensorType type = rankedOf(input);
  if (!type)
    return fail(location, "expects a ranked input");
  return infer(inferred, sizes, type.getElementType());
}

/// Ops that carry their result type as an attribute (a constant's value, a global's type).
LogicalResult inferCarriedType(std::optional<Location> location, Type type, StringRef what,
                               SmallVectorImpl<Type> &inferred) {
  if (!isa_and_nonnull<RankedTensorType>(type))
    return fail(location, what + " must be a ranked tensor");
  inferred.push_back(type);
  return success();
}

/// The size of a window op's output dim: floor((in + pads - dilation (kernel - 1) - 1) / stride) + 1.
int64_t windowedSize(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, int64_t padBegin,
                     int64_t padEnd) {
  if (ShapedType::isDynamic(in) || ShapedType::isDynamic(kernel) || stride <= 0)
    return kDynamic;
  int64_t span = in + padBegin + padEnd - dilation * (kernel - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}

/// [N, C, spatial...] of a convolution or pool whose window has `kernel` dims.
FailureOr<SmallVector<int64_t>> windowedShape(std::optional<Location> location, RankedTensorType input,
                                              int64_t channels, ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                                              ArrayRef<int64_t> dilations, ArrayRef<int64_t> pads) {
  size_t spatial = kernel.size();
  if (input.getRank() != static_cast<int64_t>(spatial) + 2 || strides.size() != spatial ||
      dilations.size() != spatial || pads.size() != 2 * spatial)
  {
    (void)fail(location, "window attributes do not match the input rank " + Twine(input.getRank()));
    return failure();
  }
  SmallVector<int64_t> shape{input.getDimSize(0), channels};
  for (size_t i = 0; i < spatial; ++i)
    shape.push_back(windowedSize(input.getDimSize(i + 2), kernel[i], strides[i], dilations[i], pads[i],
                                 pads[i + spatial]));
  return shape;
}
} // namespace

namespace tessera::graph {

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *, std::optional<Location>, Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  inferred.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *, std::optional<Location>, Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  inferred.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = rankedOf(adaptor.getInput());
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if (!input || static_cast<int64_t>(perm.size()) != input.getRank())
    return fail(location, "perm has " + Twine(perm.size()) + " entries for a rank-" +
                              Twine(input ? input.getRank() : 0) + " input");
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= input.getRank())
      return fail(location, "perm entry " + Twine(p) + " is out of range");
    shape.push_back(input.getDimSize(p));
  }
  return infer(inferred, shape, input.getElementType());
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  RankedTensorType data = rankedOf(adaptor.getData()), indices = rankedOf(adaptor.getIndices());
  int64_t axis = adaptor.getAxis();
  if (!data || !indices)
    return failure();
  if (axis < 0 || axis >= data.getRank())
    return fail(location, "axis " + Twine(axis) + " is out of range for rank " + Twine(data.getRank()));
  // data's dims with `axis` replaced by the indices' dims.
  SmallVector<int64_t> shape(data.getShape().take_front(axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, data.getShape().drop_front(axis + 1));
  return infer(inferred, shape, data.getElementType());
}

LogicalResult UnsqueezeOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = rankedOf(adaptor.getInput());
  ArrayRef<int64_t> axes = adaptor.getAxes();
  if (!input)
    return failure();
  int64_t rank = input.getRank() + static_cast<int64_t>(axes.size());
  SmallVector<int64_t> shape;
  int64_t next = 0;
  for (int64_t d = 0; d < rank; ++d) {
    if (llvm::is_contained(axes, d)) {
      shape.push_back(1);
      continue;
    }
    if (next >= input.getRank())
      return fail(location, "axes are out of range or repeated for a rank-" + Twine(rank) + " result");
    shape.push_back(input.getDimSize(next++));
  }
  return infer(inferred, shape, input.getElementType());
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  if (adaptor.getInputs().empty())
    return fail(location, "expected at least one input");
  RankedTensorType first = rankedOf(adaptor.getInputs().front());
  int64_t axis = adaptor.getAxis();
  if (!first || axis < 0 || axis >= first.getRank())
    return fail(location, "axis " + Twine(axis) + " is out of range");
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Value v : adaptor.getInputs()) {
    RankedTensorType type = rankedOf(v);
    if (!type || type.getRank() != first.getRank())
      return fail(location, "inputs differ in rank");
    for (int64_t d = 0; d < type.getRank(); ++d) {
      int64_t size = type.getDimSize(d);
      if (d == axis)
        shape[d] = ShapedType::isDynamic(shape[d]) || ShapedType::isDynamic(size) ? kDynamic : shape[d] + size;
      else if (ShapedType::isDynamic(shape[d]))
        shape[d] = size; // a static size from any input refines a dynamic one
    }
  }
  return infer(inferred, shape, first.getElementType());
}

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = rankedOf(adaptor.getInput());
  if (!input)
    return failure();
  ArrayRef<int64_t> axes = adaptor.getAxes();
  bool arg = adaptor.getKind() == ReduceKind::argmax || adaptor.getKind() == ReduceKind::argmin;
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < input.getRank(); ++d) {
    bool reduced = axes.empty() || llvm::is_contained(axes, d);
    if (!reduced)
      shape.push_back(input.getDimSize(d));
    else if (adaptor.getKeepdims())
      shape.push_back(1);
  }
  for (int64_t a : axes)
    if (a < 0 || a >= input.getRank())
      return fail(location, "axis " + Twine(a) + " is out of range for rank " + Twine(input.getRank()));
  return infer(inferred, shape, arg ? Type(IntegerType::get(context, 64)) : input.getElementType());
}

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  RankedTensorType lhs = rankedOf(adaptor.getLhs()), rhs = rankedOf(adaptor.getRhs());
  if (!lhs || !rhs || lhs.getRank() == 0 || rhs.getRank() == 0)
    return fail(location, "expected operands of rank 1 or more");
  // numpy matmul: a 1-D lhs is a row, a 1-D rhs a column, each dropped from the result again.
  SmallVector<int64_t> a(lhs.getShape()), b(rhs.getShape());
  if (a.size() == 1)
    a.insert(a.begin(), 1);
  if (b.size() == 1)
    b.push_back(1);
  auto batch = broadcastShapes(ArrayRef<int64_t>(a).drop_back(2), ArrayRef<int64_t>(b).drop_back(2));
  if (failed(batch))
    return fail(location, "batch dims do not broadcast");
  SmallVector<int64_t> shape(*batch);
  if (lhs.getRank() > 1)
    shape.push_back(a[a.size() - 2]);
  if (rhs.getRank() > 1)
    shape.push_back(b.back());
  return infer(inferred, shape, lhs.getElementType());
}

LogicalResult GemmOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  RankedTensorType a = rankedOf(adaptor.getA()), b = rankedOf(adaptor.getB());
  if (!a || !b || a.getRank() != 2 || b.getRank() != 2)
    return fail(location, "expected 2-D operands");
  int64_t m = a.getDimSize(adaptor.getTransA() ? 1 : 0), n = b.getDimSize(adaptor.getTransB() ? 0 : 1);
  return infer(inferred, {m, n}, a.getElementType());
}

LogicalResult ConvOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = rankedOf(adaptor.getInput()), weight = rankedOf(adaptor.getWeight());
  if (!input || !weight || weight.getRank() < 2)
    return fail(location, "expected ranked input and weight");
  if (adaptor.getChannelsLast()) {
    // [N, H, W, C] and [kh, kw, C/group, F]: the NCHW rule on permuted shapes, its result permuted back.
    if (input.getRank() != 4 || weight.getRank() != 4)
      return fail(location, "a channels-last convolution needs rank-4 input and weight");
    auto nchw = RankedTensorType::get({input.getDimSize(0), input.getDimSize(3), input.getDimSize(1),
                                       input.getDimSize(2)}, input.getElementType());
    auto shape = windowedShape(location, nchw, weight.getDimSize(3), weight.getShape().take_front(2),
                               adaptor.getStrides(), adaptor.getDilations(), adaptor.getPads());
    if (failed(shape))
      return failure();
    SmallVector<int64_t> nhwc{(*shape)[0], (*shape)[2], (*shape)[3], (*shape)[1]};
    return infer(inferred, nhwc, input.getElementType());
  }
  auto shape = windowedShape(location, input, weight.getDimSize(0), weight.getShape().drop_front(2),
                             adaptor.getStrides(), adaptor.getDilations(), adaptor.getPads());
  if (failed(shape))
    return failure();
  return infer(inferred, *shape, input.getElementType());
}

LogicalResult PoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = rankedOf(adaptor.getInput());
  if (!input || input.getRank() < 2)
    return fail(location, "expected an input of rank 2 or more");
  auto shape = windowedShape(location, input, input.getDimSize(1), adaptor.getKernelShape(), adaptor.getStrides(),
                             adaptor.getDilations(), adaptor.getPads());
  if (failed(shape))
    return failure();
  return infer(inferred, *shape, input.getElementType());
}

LogicalResult MaxPoolWithIndicesOp::inferReturnTypes(MLIRContext *context, std::optional<Location> location,
                                                     Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = rankedOf(adaptor.getInput());
  if (!input || input.getRank() < 2)
    return fail(location, "expected an input of rank 2 or more");
  auto shape = windowedShape(location, input, input.getDimSize(1), adaptor.getKernelShape(), adaptor.getStrides(),
                             adaptor.getDilations(), adaptor.getPads());
  if (failed(shape))
    return failure();
  inferred.push_back(RankedTensorType::get(*shape, input.getElementType()));
  return infer(inferred, *shape, IntegerType::get(context, 64));
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                      SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = rankedOf(adaptor.getInput());
  ArrayRef<int64_t> pads = adaptor.getPads();
  if (!input || static_cast<int64_t>(pads.size()) != 2 * input.getRank())
    return fail(location, "pads has " + Twine(pads.size()) + " entries for a rank-" +
                              Twine(input ? input.getRank() : 0) + " input");
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < input.getRank(); ++d) {
    int64_t size = input.getDimSize(d);
    if (ShapedType::isDynamic(size)) {
      shape.push_back(kDynamic);
      continue;
    }
    size += pads[d] + pads[d + input.getRank()];
    if (size < 0)
      return fail(location, "pads make dim " + Twine(d) + " negative");
    shape.push_back(size);
  }
  return infer(inferred, shape, input.getElementType());
}

LogicalResult GatherElementsOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                                 SmallVectorImpl<Type> &inferred) {
  RankedTensorType data = rankedOf(adaptor.getData()), indices = rankedOf(adaptor.getIndices());
  auto axis = static_cast<int64_t>(adaptor.getAxis());
  if (!data || !indices || data.getRank() != indices.getRank())
    return fail(location, "expected data and indices of one rank");
  if (axis < 0 || axis >= data.getRank())
    return fail(location, "axis " + Twine(axis) + " is out of range for rank " + Twine(data.getRank()));
  return infer(inferred, indices.getShape(), data.getElementType());
}

LogicalResult GatherNDOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  RankedTensorType data = rankedOf(adaptor.getData()), indices = rankedOf(adaptor.getIndices());
  int64_t batch = adaptor.getBatchDims();
  if (!data || !indices || indices.getRank() < 1 || indices.isDynamicDim(indices.getRank() - 1))
    return fail(location, "expected indices whose last dim is static");
  // indices' dims but the last, then the data dims the index tuples do not address.
  int64_t depth = indices.getShape().back();
  if (batch < 0 || depth < 1 || batch + depth > data.getRank() || batch >= indices.getRank())
    return fail(location, "index tuples of " + Twine(depth) + " after " + Twine(batch) +
                              " batch dims do not fit a rank-" + Twine(data.getRank()) + " input");
  SmallVector<int64_t> shape(indices.getShape().drop_back());
  llvm::append_range(shape, data.getShape().drop_front(batch + depth));
  return infer(inferred, shape, data.getElementType());
}

LogicalResult ShapeOp::inferReturnTypes(MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = rankedOf(adaptor.getInput());
  if (!input)
    return failure();
  auto [first, last] = shapeDimRange(adaptor.getStart(), adaptor.getEnd(), input.getRank());
  return infer(inferred, {last - first}, IntegerType::get(context, 64));
}

LogicalResult RangeOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  RankedTensorType start = rankedOf(adaptor.getStart());
  if (!start)
    return failure();
  // A constant count fixes the length.
  int64_t length = kDynamic;
  DenseIntElementsAttr count;
  if (matchPattern(adaptor.getCount(), m_Constant(&count)) && count.getNumElements() == 1)
    length = std::max<int64_t>(0, (*count.getValues<APInt>().begin()).getSExtValue());
  return infer(inferred, {length}, start.getElementType());
}

LogicalResult TopKOp::inferReturnTypes(MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = rankedOf(adaptor.getInput());
  int64_t axis = adaptor.getAxis(), k = adaptor.getK();
  if (!input || axis < 0 || axis >= input.getRank())
    return fail(location, "axis " + Twine(axis) + " is out of range");
  if (k < 0 || (!input.isDynamicDim(axis) && k > input.getDimSize(axis)))
    return fail(location, "k = " + Twine(k) + " does not fit an axis of " + Twine(input.getDimSize(axis)));
  SmallVector<int64_t> shape(input.getShape());
  shape[axis] = k;
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return infer(inferred, shape, IntegerType::get(context, 64));
}

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  return inferCarriedType(location, adaptor.getValue() ? adaptor.getValue().getType() : Type(), "value", inferred);
}

// A symbol with no results: nothing to infer.
LogicalResult GlobalOp::inferReturnTypes(MLIRContext *, std::optional<Location>, Adaptor, SmallVectorImpl<Type> &) {
  return success();
}

LogicalResult EinsumOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  // Each output loop dim has the size of an operand dim it indexes (a static one where any is).
  ArrayAttr operandDims = adaptor.getOperandDims();
  if (adaptor.getInputs().empty() || !operandDims || operandDims.size() != adaptor.getInputs().size())
    return fail(location, "expects one operand_dims entry per input");
  SmallVector<int64_t> shape;
  for (int64_t loop : adaptor.getOutputDims()) {
    int64_t size = kDynamic;
    bool found = false;
    for (auto [input, attr] : llvm::zip(adaptor.getInputs(), operandDims)) {
      auto dims = dyn_cast<DenseI64ArrayAttr>(attr);
      RankedTensorType type = rankedOf(input);
      if (!dims || !type || dims.size() != type.getRank())
        return fail(location, "operand_dims entries must be i64 arrays of the operand ranks");
      for (auto [j, d] : llvm::enumerate(dims.asArrayRef()))
        if (d == loop) {
          found = true;
          if (ShapedType::isDynamic(size))
            size = type.getDimSize(j);
        }
    }
    if (!found)
      return fail(location, "output loop dim " + Twine(loop) + " indexes no operand");
    shape.push_back(size);
  }
  return infer(inferred, shape, rankedOf(adaptor.getInputs().front()).getElementType());
}

LogicalResult ResizeOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = rankedOf(adaptor.getInput());
  ArrayRef<int64_t> sizes = adaptor.getSizes();
  if (!input || static_cast<int64_t>(sizes.size()) != input.getRank() ||
      static_cast<int64_t>(adaptor.getScales().size()) != input.getRank())
    return fail(location, "expects one scale and one size per dim of the input");
  if (llvm::any_of(sizes, [](int64_t s) { return s <= 0; }))
    return fail(location, "sizes must be positive");
  return infer(inferred, sizes, input.getElementType());
}

LogicalResult GridSampleOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                             SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = rankedOf(adaptor.getInput()), grid = rankedOf(adaptor.getGrid());
  if (!input || !grid || input.getRank() != 4 || grid.getRank() != 4)
    return fail(location, "expects a 4-D input and a 4-D grid");
  return infer(inferred, {input.getDimSize(0), input.getDimSize(1), grid.getDimSize(1), grid.getDimSize(2)},
               input.getElementType());
}

LogicalResult RoiAlignOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = rankedOf(adaptor.getInput()), rois = rankedOf(adaptor.getRois());
  if (!input || !rois || input.getRank() != 4 || rois.getRank() != 2)
    return fail(location, "expects a 4-D input and 2-D rois");
  int64_t height = adaptor.getOutputHeight(), width = adaptor.getOutputWidth();
  if (height <= 0 || width <= 0)
    return fail(location, "output_height and output_width must be positive");
  return infer(inferred, {rois.getDimSize(0), input.getDimSize(1), height, width}, input.getElementType());
}

LogicalResult CastOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = rankedOf(adaptor.getInput());
  if (!input || !adaptor.getTo())
    return fail(location, "expects a ranked input and a target type");
  return infer(inferred, input.getShape(), adaptor.getTo());
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = rankedOf(adaptor.getInput());
  if (input && static_cast<int64_t>(adaptor.getSizes().size()) != input.getRank())
    return fail(location, "expects one size per dim of the input");
  return inferCarriedSizes(location, adaptor.getInput(), adaptor.getSizes(), inferred);
}

LogicalResult GlobalLoadOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                             SmallVectorImpl<Type> &inferred) {
  return inferCarriedType(location, adaptor.getValueType(), "value_type", inferred);
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  return inferCarriedSizes(location, adaptor.getInput(), adaptor.getSizes(), inferred);
}

LogicalResult ExpandOp::inferReturnTypes(MLIRContext *, std::optional<Location> location, Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  return inferCarriedSizes(location, adaptor.getInput(), adaptor.getSizes(), inferred);
}

} // namespace tessera::graph
