//===- NodeContext.cpp - what node importers read and share ---------------===//
//
// NodeContext's accessors (attributes, inputs, their constant values) and the helpers importers of every
// family share: axis normalization, declared output types, window pads.
//
#include "frontend/onnx/ImportContext.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
namespace onnxpb = ::onnx;

namespace tessera::onnx {

const onnxpb::AttributeProto *NodeContext::attr(StringRef name) const {
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}
int64_t NodeContext::getInt(StringRef name, int64_t dflt) const {
  auto *a = attr(name);
  return a ? a->i() : dflt;
}
float NodeContext::getFloat(StringRef name, float dflt) const {
  auto *a = attr(name);
  return a ? a->f() : dflt;
}
std::string NodeContext::getString(StringRef name, StringRef dflt) const {
  auto *a = attr(name);
  return a ? a->s() : dflt.str();
}
std::optional<SmallVector<int64_t>> NodeContext::getInts(StringRef name) const {
  auto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

/// The value of `v` if its producers fold to a constant (shape chains such as Shape -> Gather ->
/// Concat, which function bodies use without ONNX-inferred types).
static DenseElementsAttr foldToConstant(Value v, int depth = 0) {
  Operation *op = v ? v.getDefiningOp() : nullptr;
  if (!op || depth > 16)
    return nullptr;
  if (auto c = dyn_cast<graph::ConstantOp>(op))
    return dyn_cast<DenseElementsAttr>(c.getValue());
  if (op->getNumResults() != 1)
    return nullptr;
  SmallVector<Attribute> operands;
  for (Value operand : op->getOperands())
    operands.push_back(foldToConstant(operand, depth + 1));
  if (auto evaluated = evaluateConstant(op, operands))
    return evaluated;
  // Folding must not mutate the op (ReshapeOp drops its shape operand in place): fold a clone.
  Operation *clone = op->clone();
  SmallVector<OpFoldResult> results;
  DenseElementsAttr folded;
  if (succeeded(clone->fold(operands, results)) && results.size() == 1) {
    if (auto attr = dyn_cast_if_present<Attribute>(results[0]))
      folded = dyn_cast<DenseElementsAttr>(attr);
    else if (auto value = dyn_cast_if_present<Value>(results[0]); value && value != clone->getResult(0))
      folded = value == clone->getOperand(0) ? foldToConstant(op->getOperand(0), depth + 1) : nullptr;
  }
  clone->destroy();
  return folded;
}

DenseElementsAttr NodeContext::constantValue(size_t i) const { return foldToConstant(input(i)); }

std::optional<SmallVector<int64_t>> NodeContext::constantInts(size_t i) const {
  auto dense = constantValue(i);
  if (!dense || !isa<IntegerType>(dense.getElementType()))
    return std::nullopt;
  SmallVector<int64_t> out;
  for (APInt v : dense.getValues<APInt>())
    out.push_back(v.getSExtValue());
  return out;
}

/// The elements of a 1-D int64 value that fold to constants; see NodeContext::knownInts.
static SmallVector<std::optional<int64_t>> knownElements(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || type.getRank() > 1 || !type.hasStaticShape() || !type.getElementType().isInteger(64))
    return {};
  if (auto dense = foldToConstant(v)) {
    SmallVector<std::optional<int64_t>> out;
    for (APInt x : dense.getValues<APInt>())
      out.push_back(x.getSExtValue());
    return out;
  }
  SmallVector<std::optional<int64_t>> out;
  if (auto concat = v.getDefiningOp<graph::ConcatOp>(); concat && type.getRank() == 1) {
    for (Value part : concat.getInputs()) {
      auto known = knownElements(part);
      if (known.size() != (size_t)cast<RankedTensorType>(part.getType()).getNumElements())
        return SmallVector<std::optional<int64_t>>(type.getNumElements(), std::nullopt);
      out.append(known);
    }
    return out;
  }
  return SmallVector<std::optional<int64_t>>(type.getNumElements(), std::nullopt);
}

SmallVector<std::optional<int64_t>> NodeContext::knownInts(size_t i) const {
  return input(i) ? knownElements(input(i)) : SmallVector<std::optional<int64_t>>{};
}

InFlightDiagnostic NodeContext::error() {
  std::string label = node.name().empty() && node.output_size() ? node.output(0) : node.name();
  return emitError(loc) << node.op_type() << " (opset " << opset << ") node '" << label << "': ";
}

LogicalResult NodeContext::inferResultTypes(OperationState &state, InferReturnTypes infer) {
  std::string message;
  SmallVector<Type> types;
  LogicalResult inferred = success();
  {
    // Inference reports at this node's location; the message is rephrased as the node's error.
    ScopedDiagnosticHandler capture(ctx(), [&](Diagnostic &d) {
      if (d.getSeverity() != DiagnosticSeverity::Error)
        return failure();
      if (message.empty())
        message = d.str();
      return success();
    });
    inferred = infer(ctx(), loc, state.operands, state.attributes.getDictionary(ctx()), state.getRawProperties(),
                     state.regions, types);
  }
  if (failed(inferred)) {
    if (message.empty())
      message = "'" + state.name.getStringRef().str() + "' cannot infer its result types";
    return error() << message;
  }
  state.types.assign(types.begin(), types.end());
  return success();
}

FailureOr<int64_t> normalizeAxis(NodeContext &c, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return c.error() << "axis " << axis << " is out of range for rank " << rank;
  return axis < 0 ? axis + rank : axis;
}

FailureOr<RankedTensorType> requireOutputType(NodeContext &c, size_t i, RankedTensorType fallback) {
  if (auto t = c.outputType(i))
    if (!fallback || t.getElementType() == fallback.getElementType())
      return t;
  if (fallback)
    return fallback;
  return c.error() << "the shape of output " << i << " is unknown (shape inference gave none)";
}

FailureOr<SmallVector<int64_t>> resolvePads(NodeContext &c, RankedTensorType input, ArrayRef<int64_t> kernel,
                                            ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations) {
  size_t n = kernel.size();
  std::string autoPad = c.getString("auto_pad", "NOTSET");
  if (autoPad == "NOTSET") {
    SmallVector<int64_t> pads = c.getInts("pads").value_or(SmallVector<int64_t>(2 * n, 0));
    if (pads.size() != 2 * n)
      return c.error() << "expects " << 2 * n << " pads, got " << pads.size();
    return pads;
  }
  SmallVector<int64_t> pads(2 * n, 0);
  if (autoPad == "VALID")
    return pads;
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    return c.error() << "unknown auto_pad '" << autoPad << "'";
  for (size_t i = 0; i < n; ++i) {
    int64_t size = input.getDimSize(i + 2);
    if (ShapedType::isDynamic(size))
      return c.error() << "auto_pad needs static spatial dims";
    int64_t out = (size + strides[i] - 1) / strides[i];
    int64_t total = std::max<int64_t>(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size);
    int64_t small = total / 2, big = total - small;
    pads[i] = autoPad == "SAME_UPPER" ? small : big;
    pads[i + n] = autoPad == "SAME_UPPER" ? big : small;
  }
  return pads;
}

FailureOr<RankedTensorType> staticInput(NodeContext &c, size_t i) {
  if (!c.input(i))
    return c.error() << "missing input " << i;
  auto t = c.inputType(i);
  if (!t.hasStaticShape())
    return c.error() << "dynamic shapes are not supported yet";
  return t;
}

} // namespace tessera::onnx
