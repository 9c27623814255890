//===- ImportContext.h - shared state of the ONNX importer ------*- C++ -*-===//
//
// Internal to frontend/onnx. A NodeImporter turns one ONNX node into tgraph ops; it reads operands,
// attributes and the node's inferred output types through NodeContext.
//
#ifndef TESSERA_FRONTEND_ONNX_IMPORTCONTEXT_H
#define TESSERA_FRONTEND_ONNX_IMPORTCONTEXT_H

#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

#include <functional>
#include <optional>

namespace onnx {
class ISchemaRegistry;
} // namespace onnx

namespace tessera::onnx {

/// ONNX element type -> MLIR element type (null if unsupported).
mlir::Type convertElementType(mlir::MLIRContext *ctx, int onnxType);
/// ONNX tensor type -> ranked tensor type (null if not a ranked tensor of a supported type).
mlir::RankedTensorType convertTensorType(mlir::MLIRContext *ctx, const ::onnx::TypeProto &type);

class NodeContext {
public:
  NodeContext(mlir::OpBuilder &builder, const ::onnx::NodeProto &node, int64_t opset,
              llvm::SmallVector<mlir::Value> inputs,
              llvm::SmallVector<mlir::RankedTensorType> inferredOutputTypes, mlir::Location loc)
      : b(builder), node(node), opset(opset), inputs(std::move(inputs)),
        inferred(std::move(inferredOutputTypes)), loc(loc) {}

  mlir::OpBuilder &b;
  const ::onnx::NodeProto &node;
  int64_t opset;
  llvm::SmallVector<mlir::Value> inputs; // null for omitted optional inputs
  llvm::SmallVector<mlir::RankedTensorType> inferred; // null where shape inference gave nothing
  mlir::Location loc;

  mlir::MLIRContext *ctx() { return b.getContext(); }
  size_t numInputs() const { return inputs.size(); }
  mlir::Value input(size_t i) const { return i < inputs.size() ? inputs[i] : mlir::Value(); }
  mlir::RankedTensorType inputType(size_t i) const {
    return mlir::cast<mlir::RankedTensorType>(inputs[i].getType());
  }
  /// The inferred type of output `i`, or null.
  mlir::RankedTensorType outputType(size_t i = 0) const {
    return i < inferred.size() ? inferred[i] : nullptr;
  }

  const ::onnx::AttributeProto *attr(llvm::StringRef name) const;
  int64_t getInt(llvm::StringRef name, int64_t dflt) const;
  float getFloat(llvm::StringRef name, float dflt) const;
  std::string getString(llvm::StringRef name, llvm::StringRef dflt) const;
  std::optional<llvm::SmallVector<int64_t>> getInts(llvm::StringRef name) const;

  /// The constant integer values of input `i` if it is a compile-time constant.
  std::optional<llvm::SmallVector<int64_t>> constantInts(size_t i) const;
  /// Input `i`, a 1-D int64 tensor of static length, element by element: the values that are
  /// compile-time constants (a Concat of constant and run-time parts, as exporters build shapes), nullopt
  /// for the others. Empty if the input is not such a tensor.
  llvm::SmallVector<std::optional<int64_t>> knownInts(size_t i) const;
  /// The constant of input `i` as a dense attribute, if it is a compile-time constant.
  mlir::DenseElementsAttr constantValue(size_t i) const;

  /// An error at this node: "<op> (opset N) node '<name>': <message>".
  mlir::InFlightDiagnostic error();

  /// Builds `OpTy` from `args` (its builder's arguments without result types) with the result types the
  /// op infers. Where the dialect's inferring builders abort when inference refuses the operands, this
  /// makes the refusal this node's error and returns failure: ops over what the node supplies (its
  /// operands and attributes) are built this way.
  template <typename OpTy, typename... Args>
  mlir::FailureOr<OpTy> build(Args &&...args) {
    mlir::OperationState state(loc, OpTy::getOperationName());
    OpTy::build(b, state, mlir::TypeRange(), std::forward<Args>(args)...);
    auto infer = [](mlir::MLIRContext *context, std::optional<mlir::Location> location, mlir::ValueRange operands,
                    mlir::DictionaryAttr attributes, mlir::OpaqueProperties properties, mlir::RegionRange regions,
                    llvm::SmallVectorImpl<mlir::Type> &types) {
      return OpTy::inferReturnTypes(context, location, operands, attributes, properties, regions, types);
    };
    if (mlir::failed(inferResultTypes(state, infer)))
      return mlir::failure();
    return mlir::cast<OpTy>(b.create(state));
  }
  /// build() for an op with one result: that result.
  template <typename OpTy, typename... Args>
  mlir::FailureOr<mlir::Value> make(Args &&...args) {
    auto op = build<OpTy>(std::forward<Args>(args)...);
    if (mlir::failed(op))
      return mlir::failure();
    return op->getResult();
  }

  /// Imports a graph attribute's body in place: its inputs bound to `inputs`, its initializers and
  /// node outputs named under `scope` (unique per call), names it does not define taken from the
  /// enclosing graph. Returns the values of its outputs. Set by the model importer.
  std::function<mlir::FailureOr<llvm::SmallVector<mlir::Value>>(const ::onnx::GraphProto &body,
                                                                mlir::ValueRange inputs, llvm::StringRef scope)>
      importBody;

private:
  using InferReturnTypes = llvm::function_ref<mlir::LogicalResult(
      mlir::MLIRContext *, std::optional<mlir::Location>, mlir::ValueRange, mlir::DictionaryAttr,
      mlir::OpaqueProperties, mlir::RegionRange, llvm::SmallVectorImpl<mlir::Type> &)>;
  /// Sets `state`'s result types to what `infer` gives; its diagnostic becomes this node's error.
  mlir::LogicalResult inferResultTypes(mlir::OperationState &state, InferReturnTypes infer);
};

/// A node's results (one per ONNX output, null for unused optional ones), or failure.
using Results = mlir::FailureOr<llvm::SmallVector<mlir::Value>>;
/// The results of a node with one output.
inline Results one(mlir::Value v) { return llvm::SmallVector<mlir::Value>{v}; }
template <typename OpTy, typename = std::enable_if_t<std::is_base_of_v<mlir::OpState, OpTy>>>
Results one(OpTy op) {
  return one(mlir::Value(op->getResult(0)));
}
/// The results of a node with one output that NodeContext::make built, or its failure.
inline Results one(mlir::FailureOr<mlir::Value> v) {
  if (mlir::failed(v))
    return mlir::failure();
  return one(*v);
}

/// Converts one node.
using NodeImporter = std::function<Results(NodeContext &)>;

/// The importers for the default ONNX domain, keyed by op type; each checks its opset range.
const llvm::StringMap<NodeImporter> &defaultDomainImporters();
/// The importers for kTrainingDomain (NodeImportersTraining.cpp).
const llvm::StringMap<NodeImporter> &trainingDomainImporters();
void addElementwiseImporters(llvm::StringMap<NodeImporter> &table);
void addShapeImporters(llvm::StringMap<NodeImporter> &table);
void addNNImporters(llvm::StringMap<NodeImporter> &table);
void addPoolingImporters(llvm::StringMap<NodeImporter> &table);
void addReductionImporters(llvm::StringMap<NodeImporter> &table);
void addCompositeImporters(llvm::StringMap<NodeImporter> &table);
void addIndexingImporters(llvm::StringMap<NodeImporter> &table);
void addQuantizeImporters(llvm::StringMap<NodeImporter> &table);
void addConvTransposeImporter(llvm::StringMap<NodeImporter> &table);
void addEinsumImporter(llvm::StringMap<NodeImporter> &table);
void addRecurrentImporters(llvm::StringMap<NodeImporter> &table);
void addResizeImporters(llvm::StringMap<NodeImporter> &table);
void addSignalImporters(llvm::StringMap<NodeImporter> &table);
void addGroupNormImporter(llvm::StringMap<NodeImporter> &table);
void addLayerNormImporter(llvm::StringMap<NodeImporter> &table);
void addTfIdfImporter(llvm::StringMap<NodeImporter> &table);
void addDetImporter(llvm::StringMap<NodeImporter> &table);
void addNonZeroImporters(llvm::StringMap<NodeImporter> &table);
void addUniqueImporter(llvm::StringMap<NodeImporter> &table);
void addNonMaxSuppressionImporter(llvm::StringMap<NodeImporter> &table);
void addControlFlowImporters(llvm::StringMap<NodeImporter> &table);
/// After addResizeImporters: wraps GridSample for its opset-20 spelling.
void addCropGridImporters(llvm::StringMap<NodeImporter> &table);

/// Imports `node` as its function body (libonnx schema or model-local function) through `importNode`
/// when the op has no importer of its own; nullopt when the node is not such a call. `importNode` gets
/// each body node with the opset the body is written for.
std::optional<mlir::LogicalResult>
inlineFunctionNode(const ::onnx::NodeProto &node, int64_t opset, const ::onnx::ModelProto &model,
                   const llvm::StringMap<mlir::Value> &values,
                   llvm::function_ref<mlir::LogicalResult(const ::onnx::NodeProto &, int64_t)> importNode);

/// The value of `op` given constant `operands` (null entries: unknown), for the small integer and
/// shape arithmetic that the dialect's folders leave alone; null if not evaluated.
mlir::DenseElementsAttr evaluateConstant(mlir::Operation *op, llvm::ArrayRef<mlir::Attribute> operands);

/// Unsqueeze whose axes are only known at run time (RuntimeAxes.cpp).
mlir::FailureOr<mlir::Value> unsqueezeWithRuntimeAxes(NodeContext &c, mlir::Value x, mlir::Value axes);
/// The dims of static `inShape` that are not listed in `axes` (a 1-D int64 tensor of distinct, maybe
/// negative, axes, fewer than the dims), in order, as a 1-D int64 tensor computed when the model runs.
mlir::Value squeezedDims(NodeContext &c, llvm::ArrayRef<int64_t> inShape, mlir::Value axes);
/// Squeeze whose axes are only known at run time (RuntimeAxes.cpp).
mlir::FailureOr<mlir::Value> squeezeWithRuntimeAxes(NodeContext &c, mlir::Value x, mlir::Value axes);

/// Slice whose starts, ends, axes or steps are only known at run time; `constantAxes` when the axes
/// (or their absence) are known (RuntimeShapeOperands.cpp, as the four below).
mlir::FailureOr<mlir::Value> sliceWithRuntimeBounds(NodeContext &c, mlir::Value x, mlir::Value starts,
                                                    mlir::Value ends, mlir::Value axes, mlir::Value steps,
                                                    std::optional<llvm::SmallVector<int64_t>> constantAxes);
/// Split along `axis` into parts whose sizes are only known at run time.
mlir::FailureOr<llvm::SmallVector<mlir::Value>> splitWithRuntimeSizes(NodeContext &c, mlir::Value x,
                                                                      mlir::Value split, int64_t axis);
/// Pad (constant, edge, reflect or wrap) of the listed normalized `axes` with run-time pads.
mlir::FailureOr<mlir::Value> padWithRuntimePads(NodeContext &c, mlir::Value x, mlir::Value pads, mlir::Value value,
                                                llvm::StringRef mode, llvm::ArrayRef<int64_t> axes);
/// The first k[0] elements of `x` along `axis`, k a run-time 1-D tensor.
mlir::Value takeLeading(NodeContext &c, mlir::Value x, mlir::Value k, int64_t axis);
/// The positions of the true elements of a static 1-D i1 `mask`, in order, as a 1-D int64 tensor whose
/// length is read at run time; `what` names the mask in the error for masks above 16384 elements (the
/// compaction is quadratic) (NodeImportersNonZero.cpp).
mlir::FailureOr<mlir::Value> positionsOfTrue(NodeContext &c, mlir::Value mask, llvm::StringRef what);
/// A reduction over axes only known at run time.
mlir::FailureOr<mlir::Value> reduceWithRuntimeAxes(NodeContext &c, mlir::Value x, mlir::Value axes,
                                                   graph::ReduceKind kind, bool keepdims);

/// Resize's tf_crop_and_resize: the roi tensor ([starts..., ends...]) and the value read outside.
struct CropAndResize {
  mlir::Value roi;
  double extrapolation;
};
/// Resize whose scales or sizes (one of them null) are only known at run time, or that crops
/// (`crop`, which then replaces `ctm`) (RuntimeResize.cpp).
mlir::FailureOr<mlir::Value> resizeWithRuntimeScales(NodeContext &c, mlir::Value x, mlir::Value scales,
                                                     mlir::Value sizes, graph::ResizeMode mode,
                                                     graph::CoordinateTransform ctm, graph::NearestMode nearest,
                                                     double cubicA, bool excludeOutside,
                                                     const CropAndResize *crop = nullptr);

/// The newest ONNX opset the importers know.
constexpr int64_t kMaxOnnxOpset = 22;

/// Whether `domain` names the default ONNX domain ("" or "ai.onnx").
inline bool isDefaultDomain(llvm::StringRef domain) { return domain.empty() || domain == "ai.onnx"; }

/// The optimizers' domain (Adagrad, Momentum, Adam) and the newest version of it the importers know.
inline constexpr llvm::StringLiteral kTrainingDomain = "ai.onnx.preview.training";
constexpr int64_t kMaxTrainingOpset = 1;

/// The versions a model imports of the domains Tessera knows (0: not imported).
struct ModelOpsets {
  int64_t onnx = 0;
  int64_t training = 0;
  /// The version of `node`'s domain, 0 for a domain the model does not import or Tessera does not know.
  int64_t of(const ::onnx::NodeProto &node) const;
};

/// The most dims a tensor may have: the artifact format's limit (runtime/codec kMaxRank). Checked
/// before a shape operand's length becomes a rank, so that a long constant cannot make a type (or
/// libonnx's inferred shape) with millions of dims.
constexpr int64_t kMaxTensorRank = 32;

/// What validation can know of a node's operands (either may be empty): constant integer values and
/// shapes (ShapedType::kDynamic for dims known only at run time).
struct OperandInfo {
  std::function<std::optional<llvm::SmallVector<int64_t>>(size_t)> constantInts;
  std::function<std::optional<llvm::SmallVector<int64_t>>(size_t)> shape;
};
/// "<op> (opset N) node '<name>': ", the prefix of every message about a node.
std::string nodePrefix(const ::onnx::NodeProto &node, int64_t opset);
/// Checks the attributes and constant operands of one node before any shape arithmetic
/// (NodeValidation.cpp); empty if valid, else what is wrong.
std::string validateNode(const ::onnx::NodeProto &node, int64_t opset, const OperandInfo &operands);
/// Checks the whole model before libonnx or an importer sees it: the opset, that every value has one
/// producer, every node (validateNode, constants from initializers and Constant nodes), that model-local
/// functions do not call themselves, and input and initializer sizes. Empty if valid, else a message that
/// names the node or value.
std::string validateModel(const ::onnx::ModelProto &model, const ModelOpsets &opsets);
/// The operand of a default-domain op whose length is its result's rank (or, for Unsqueeze, is added to the
/// input's): Expand, Reshape and Unsqueeze (opset >= 13) 1, ConstantOfShape 0; -1 for other ops.
int rankOperand(llvm::StringRef op, int64_t opset);
/// libonnx's schemas, with the inference of ops whose result rank is an operand's length (Expand,
/// Reshape, ConstantOfShape, Unsqueeze) refusing lengths above kMaxTensorRank first (NodeValidation.cpp).
const ::onnx::ISchemaRegistry *rankGuardedSchemas();

/// Helpers shared by importers.
/// Explicit [begin..., end...] pads of a window op (Conv, pooling) from its `pads` / `auto_pad`.
mlir::FailureOr<llvm::SmallVector<int64_t>> resolvePads(NodeContext &c, mlir::RankedTensorType input,
                                                       llvm::ArrayRef<int64_t> kernel,
                                                       llvm::ArrayRef<int64_t> strides,
                                                       llvm::ArrayRef<int64_t> dilations);
/// Input `i`'s type; failure (with a diagnostic) when the input is missing or its shape is not static.
mlir::FailureOr<mlir::RankedTensorType> staticInput(NodeContext &c, size_t i);
/// Normalizes a possibly negative axis against `rank`; failure (with a diagnostic) if out of range.
mlir::FailureOr<int64_t> normalizeAxis(NodeContext &c, int64_t axis, int64_t rank);
/// The node's output type: inferred by ONNX if available, else `fallback`; fails if neither is ranked.
mlir::FailureOr<mlir::RankedTensorType> requireOutputType(NodeContext &c, size_t i,
                                                          mlir::RankedTensorType fallback = nullptr);

} // namespace tessera::onnx

#endif
