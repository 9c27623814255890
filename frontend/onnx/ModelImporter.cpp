//===- ModelImporter.cpp - ONNX ModelProto -> tgraph module ---------------===//
//
// Model-level import: parsing, libonnx checks where its opset knowledge suffices (<= 17), initializers
// (zero-copy resource blobs for large ones), graph inputs/outputs and the node loop. Per-op work lives in
// NodeImporters*.cpp.
//
#include "frontend/onnx/Importer.h"
#include "frontend/onnx/ImportContext.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Path.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

using namespace mlir;
namespace onnxpb = ::onnx;

namespace tessera::onnx {

Type convertElementType(MLIRContext *ctx, int t) {
  Builder b(ctx);
  switch (t) {
  case onnxpb::TensorProto::FLOAT: return b.getF32Type();
  case onnxpb::TensorProto::DOUBLE: return b.getF64Type();
  case onnxpb::TensorProto::FLOAT16: return b.getF16Type();
  case onnxpb::TensorProto::BFLOAT16: return b.getBF16Type();
  case onnxpb::TensorProto::INT8: return b.getIntegerType(8);
  case onnxpb::TensorProto::INT16: return b.getIntegerType(16);
  case onnxpb::TensorProto::INT32: return b.getIntegerType(32);
  case onnxpb::TensorProto::INT64: return b.getIntegerType(64);
  case onnxpb::TensorProto::UINT8: return b.getIntegerType(8, /*isSigned=*/false);
  case onnxpb::TensorProto::UINT16: return b.getIntegerType(16, false);
  case onnxpb::TensorProto::UINT32: return b.getIntegerType(32, false);
  case onnxpb::TensorProto::UINT64: return b.getIntegerType(64, false);
  case onnxpb::TensorProto::BOOL: return b.getI1Type();
  default: return nullptr;
  }
}

RankedTensorType convertTensorType(MLIRContext *ctx, const onnxpb::TypeProto &type) {
  if (!type.has_tensor_type() || !type.tensor_type().has_shape())
    return nullptr;
  Type element = convertElementType(ctx, type.tensor_type().elem_type());
  if (!element)
    return nullptr;
  SmallVector<int64_t> dims;
  for (const auto &d : type.tensor_type().shape().dim())
    dims.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value() : ShapedType::kDynamic);
  return RankedTensorType::get(dims, element);
}

static const char *elementTypeName(int t) {
  return onnxpb::TensorProto::DataType_IsValid(t)
             ? onnxpb::TensorProto::DataType_Name(static_cast<onnxpb::TensorProto::DataType>(t))
                   .c_str()
             : "invalid";
}

namespace {

/// Whether a declared and a computed shape can describe the same tensor: same rank, and equal sizes
/// wherever both are static.
bool shapesAgree(RankedTensorType declared, RankedTensorType computed) {
  if (declared.getRank() != computed.getRank())
    return false;
  for (int64_t d = 0; d < declared.getRank(); ++d)
    if (!declared.isDynamicDim(d) && !computed.isDynamicDim(d) && declared.getDimSize(d) != computed.getDimSize(d))
      return false;
  return true;
}

/// Imports one model. Holds the proto and the buffers that resource blobs point into until the blobs
/// take them over.
class ModelImporter {
public:
  ModelImporter(MLIRContext &ctx, StringRef path, const ImportOptions &options)
      : ctx(ctx), path(path.str()), options(options), b(&ctx),
        fileLoc(FileLineColLoc::get(&ctx, path, 0, 0)) {}

  OwningOpRef<ModuleOp> run();

private:
  LogicalResult parse();
  LogicalResult runLibOnnxChecks();
  LogicalResult checkExternalLocation(const std::string &what, StringRef location);
  LogicalResult importInitializer(onnxpb::TensorProto &tensor);
  FailureOr<SmallVector<Value>> importBody(const onnxpb::GraphProto &body, ValueRange inputs, StringRef scope,
                                           int64_t bodyOpset);
  /// `nodeOpset`: the opset `node` is written for (function bodies may differ from the model's).
  LogicalResult importNode(const onnxpb::NodeProto &node, int64_t nodeOpset);
  FailureOr<std::shared_ptr<std::string>> tensorBytes(onnxpb::TensorProto &tensor,
                                                      RankedTensorType type);
  InFlightDiagnostic error() { return emitError(fileLoc); }

  MLIRContext &ctx;
  std::string path;
  ImportOptions options;
  OpBuilder b;
  Location fileLoc;
  onnxpb::ModelProto model;
  ModelOpsets opsets;
  llvm::StringMap<Value> values;
  llvm::StringMap<RankedTensorType> valueTypes; // from value_info / outputs after inference
  llvm::StringSet<> valueInfoNames;             // the values value_info declares
  unsigned inlineDepth = 0;                     // function bodies being imported, nested
  ModuleOp module;
  func::FuncOp mainFunc;
  unsigned globalCounter = 0;
};

} // namespace

LogicalResult ModelImporter::parse() {
  // A FIFO or a device would block the compiler or be read without end: regular files only.
  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(path, status) && !llvm::sys::fs::is_regular_file(status) &&
      !llvm::sys::fs::is_directory(status))
    return error() << "'" << path << "' is not a regular file";
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer)
    return error() << "cannot read '" << path << "': " << buffer.getError().message();
  const auto &bytes = (*buffer)->getBuffer();
  if (bytes.size() > INT32_MAX)
    return error() << "model file is larger than 2 GiB; use external data for the weights";
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return error() << "'" << path << "' is not a valid ONNX model (protobuf parse failed)";
  if (!model.has_graph())
    return error() << "'" << path << "' has no graph";
  for (const auto &imp : model.opset_import()) {
    if (isDefaultDomain(imp.domain()))
      opsets.onnx = imp.version();
    else if (imp.domain() == kTrainingDomain)
      opsets.training = imp.version();
  }
  if (opsets.onnx == 0 && opsets.training == 0)
    return error() << "model does not import the default ONNX domain";
  return success();
}

/// External files must stay inside the model's folder: no absolute paths, no "..", and no symlink (of the
/// file or of a folder on its path) that leads outside it. Only regular files: a device or a FIFO would
/// be read forever or block. Checked before libonnx or Tessera opens anything.
LogicalResult ModelImporter::checkExternalLocation(const std::string &what, StringRef location) {
  if (location.empty() || llvm::sys::path::is_absolute(location))
    return error() << what << ": external data location '" << location
                   << "' must be a relative path inside the model's folder";
  for (auto it = llvm::sys::path::begin(location); it != llvm::sys::path::end(location); ++it)
    if (*it == "..")
      return error() << what << ": external data location '" << location
                     << "' escapes the model's folder";
  SmallString<256> dir(path), realDir, realFile;
  llvm::sys::path::remove_filename(dir);
  if (dir.empty())
    dir = ".";
  SmallString<256> file(dir);
  llvm::sys::path::append(file, location);
  if (std::error_code ec = llvm::sys::fs::real_path(dir, realDir))
    return error() << "cannot resolve the model's folder '" << dir << "': " << ec.message();
  if (std::error_code ec = llvm::sys::fs::real_path(file, realFile))
    return error() << what << ": cannot read external data '" << location
                   << "': " << ec.message();
  if (!StringRef(realFile).starts_with((realDir + llvm::sys::path::get_separator()).str()))
    return error() << what << ": external data location '" << location
                   << "' resolves (through a symbolic link) outside the model's folder";
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(realFile, status))
    return error() << what << ": cannot read external data '" << location
                   << "': " << ec.message();
  if (!llvm::sys::fs::is_regular_file(status))
    return error() << what << ": external data location '" << location
                   << "' is not a regular file";
  return success();
}

/// libonnx 1.12 knows opsets <= 17. For newer models its checker rejects valid ops, so Tessera's own
/// verifiers and per-opset importers are the only checks.
/// Bytes per element of a fixed-size ONNX data type in raw data; nullopt for strings and unknown types.
static std::optional<int64_t> rawElementBytes(int32_t dataType) {
  switch (dataType) {
  case onnxpb::TensorProto::UINT8:
  case onnxpb::TensorProto::INT8:
  case onnxpb::TensorProto::BOOL: return 1;
  case onnxpb::TensorProto::UINT16:
  case onnxpb::TensorProto::INT16:
  case onnxpb::TensorProto::FLOAT16:
  case onnxpb::TensorProto::BFLOAT16: return 2;
  case onnxpb::TensorProto::FLOAT:
  case onnxpb::TensorProto::INT32:
  case onnxpb::TensorProto::UINT32: return 4;
  case onnxpb::TensorProto::DOUBLE:
  case onnxpb::TensorProto::INT64:
  case onnxpb::TensorProto::UINT64:
  case onnxpb::TensorProto::COMPLEX64: return 8;
  case onnxpb::TensorProto::COMPLEX128: return 16;
  default: return std::nullopt;
  }
}

LogicalResult ModelImporter::runLibOnnxChecks() {
  bool known = true;
  for (const auto &imp : model.opset_import())
    if (isDefaultDomain(imp.domain()) && imp.version() > 17)
      known = false;
  if (!known)
    return success();
  // Locations are checked before libonnx opens any file (its messages would reveal what exists).
  // Raw data must hold exactly its dims' elements: libonnx's shape inference copies it unchecked.
  auto checkTensor = [&](const onnxpb::TensorProto &t, const std::string &what) -> LogicalResult {
    if (t.data_location() == onnxpb::TensorProto::EXTERNAL) {
      for (const auto &kv : t.external_data())
        if (kv.key() == "location" && failed(checkExternalLocation(what, kv.value())))
          return failure();
      return success();
    }
    std::optional<int64_t> width = rawElementBytes(t.data_type());
    if (!t.has_raw_data() || !width)
      return success();
    int64_t bytes = *width;
    for (int64_t d : t.dims())
      if (d < 0 || __builtin_mul_overflow(bytes, d, &bytes))
        return error() << what << " has dims that do not describe a tensor";
    if (static_cast<int64_t>(t.raw_data().size()) != bytes)
      return error() << what << " holds " << t.raw_data().size() << " bytes of raw data, but its type and dims need "
                     << bytes;
    return success();
  };
  for (const auto &t : model.graph().initializer())
    if (failed(checkTensor(t, "initializer '" + t.name() + "'")))
      return failure();
  for (const auto &node : model.graph().node()) // Constant nodes and other tensor attributes
    for (const auto &attr : node.attribute())
      if (attr.has_t() && failed(checkTensor(attr.t(), "tensor attribute '" + attr.name() + "' of node '" +
                                                          node.name() + "'")))
        return failure();
  // Graph outputs may declare no shape (shape inference or the importer computes it), but libonnx
  // 1.12's checker requires the field: it checks a copy whose shapeless outputs carry an empty one. The
  // path form sets the model folder for external data, so models with external data keep it (and the
  // checker's requirement).
  bool shapelessOutputs = llvm::any_of(model.graph().output(), [](const onnxpb::ValueInfoProto &vi) {
    return vi.type().has_tensor_type() && !vi.type().tensor_type().has_shape();
  });
  bool externalData = llvm::any_of(model.graph().initializer(), [](const onnxpb::TensorProto &t) {
    return t.data_location() == onnxpb::TensorProto::EXTERNAL;
  });
  try {
    if (shapelessOutputs && !externalData) {
      onnxpb::ModelProto checked = model;
      for (auto &vi : *checked.mutable_graph()->mutable_output())
        if (vi.type().has_tensor_type())
          vi.mutable_type()->mutable_tensor_type()->mutable_shape();
      onnxpb::checker::check_model(checked);
    } else {
      onnxpb::checker::check_model(path);
    }
  } catch (const std::exception &e) {
    return error() << "invalid ONNX model: " << e.what();
  }
  // libonnx's convolution shape inference takes the kernel's rank from the weight and indexes the
  // dilations, strides and pads it sized by the input's rank: with a computed input of another rank it
  // would read past them. An explicit kernel_shape (the weight's dims, which ONNX says it defaults to) is
  // checked against the input's rank first, so such a node fails inference cleanly instead.
  llvm::StringMap<const onnxpb::TensorProto *> initializers;
  for (const auto &t : model.graph().initializer())
    initializers[t.name()] = &t;
  for (auto &node : *model.mutable_graph()->mutable_node()) {
    const std::string &op = node.op_type();
    bool defaultDomain = isDefaultDomain(node.domain());
    if (!defaultDomain || (op != "Conv" && op != "ConvInteger" && op != "ConvTranspose") || node.input_size() < 2 ||
        llvm::any_of(node.attribute(), [](const onnxpb::AttributeProto &a) { return a.name() == "kernel_shape"; }))
      continue;
    auto weight = initializers.find(node.input(1));
    if (weight == initializers.end() || weight->second->dims_size() < 3)
      continue;
    onnxpb::AttributeProto *kernel = node.add_attribute();
    kernel->set_name("kernel_shape");
    kernel->set_type(onnxpb::AttributeProto::INTS);
    for (int d = 2; d < weight->second->dims_size(); ++d)
      kernel->add_ints(weight->second->dims(d));
  }
  try {
    onnxpb::ShapeInferenceOptions opts(/*check_type=*/false, /*error_mode=*/0,
                                       /*enable_data_propagation=*/true);
    onnxpb::shape_inference::InferShapes(model, rankGuardedSchemas(), opts);
  } catch (const std::exception &e) {
    return error() << "ONNX shape inference failed: " << e.what();
  }
  return success();
}

/// The bytes of a tensor in little-endian row-major layout, moved out of the proto where possible.
FailureOr<std::shared_ptr<std::string>>
ModelImporter::tensorBytes(onnxpb::TensorProto &t, RankedTensorType type) {
  int64_t count = type.getNumElements();
  unsigned bits = type.getElementType().getIntOrFloatBitWidth();
  size_t byteWidth = bits == 1 ? 1 : bits / 8;
  size_t expected = static_cast<size_t>(count) * byteWidth;
  auto out = std::make_shared<std::string>();

  if (t.data_location() == onnxpb::TensorProto::EXTERNAL) {
    std::string location;
    int64_t offset = 0, length = -1; // no length: to the end of the file
    for (const auto &kv : t.external_data()) {
      if (kv.key() == "location") {
        location = kv.value();
      } else if (kv.key() == "offset" || kv.key() == "length") {
        int64_t &field = kv.key() == "offset" ? offset : length;
        if (StringRef(kv.value()).getAsInteger(10, field) || field < 0)
          return error() << "initializer '" << t.name() << "': external data " << kv.key() << " '" << kv.value()
                         << "' is not a non-negative integer";
      }
    }
    SmallString<256> dir(path);
    llvm::sys::path::remove_filename(dir);
    if (failed(checkExternalLocation("initializer '" + t.name() + "'", location)))
      return failure();
    SmallString<256> file(dir);
    llvm::sys::path::append(file, location);
    auto buffer = llvm::MemoryBuffer::getFile(file, /*IsText=*/false);
    if (!buffer)
      return error() << "initializer '" << t.name() << "': cannot read external data '" << file
                     << "': " << buffer.getError().message();
    StringRef data = (*buffer)->getBuffer();
    if (length < 0) length = static_cast<int64_t>(data.size()) - offset;
    if (offset < 0 || offset > (int64_t)data.size() || length > (int64_t)data.size() - offset)
      return error() << "initializer '" << t.name() << "': external data range is outside '"
                     << location << "'";
    out->assign(data.data() + offset, length);
  } else if (t.has_raw_data()) {
    out->swap(*t.mutable_raw_data()); // zero copy: the blob takes over the proto's string
  } else {
    auto appendAll = [&](const auto &field, auto convert) {
      for (auto v : field) {
        auto converted = convert(v);
        out->append(reinterpret_cast<const char *>(&converted), sizeof(converted));
      }
    };
    switch (t.data_type()) {
    case onnxpb::TensorProto::FLOAT: appendAll(t.float_data(), [](float v) { return v; }); break;
    case onnxpb::TensorProto::DOUBLE: appendAll(t.double_data(), [](double v) { return v; }); break;
    case onnxpb::TensorProto::INT64: appendAll(t.int64_data(), [](int64_t v) { return v; }); break;
    case onnxpb::TensorProto::UINT64: appendAll(t.uint64_data(), [](uint64_t v) { return v; }); break;
    case onnxpb::TensorProto::UINT32: appendAll(t.uint64_data(), [](uint64_t v) { return (uint32_t)v; }); break;
    case onnxpb::TensorProto::INT32: appendAll(t.int32_data(), [](int32_t v) { return v; }); break;
    case onnxpb::TensorProto::INT16: appendAll(t.int32_data(), [](int32_t v) { return (int16_t)v; }); break;
    case onnxpb::TensorProto::UINT16:
    case onnxpb::TensorProto::FLOAT16:
    case onnxpb::TensorProto::BFLOAT16:
      appendAll(t.int32_data(), [](int32_t v) { return (uint16_t)v; }); break;
    case onnxpb::TensorProto::INT8: appendAll(t.int32_data(), [](int32_t v) { return (int8_t)v; }); break;
    case onnxpb::TensorProto::UINT8:
    case onnxpb::TensorProto::BOOL: appendAll(t.int32_data(), [](int32_t v) { return (uint8_t)v; }); break;
    default: break;
    }
  }
  if (out->size() != expected)
    return error() << "initializer '" << t.name() << "' has " << out->size()
                   << " bytes of data, expected " << expected << " for " << type;
  return out;
}

LogicalResult ModelImporter::importInitializer(onnxpb::TensorProto &t) {
  Type element = convertElementType(&ctx, t.data_type());
  if (!element)
    return error() << "initializer '" << t.name() << "' has unsupported element type "
                   << elementTypeName(t.data_type());
  SmallVector<int64_t> dims(t.dims().begin(), t.dims().end());
  for (int64_t d : dims)
    if (d < 0)
      return error() << "initializer '" << t.name() << "' has a negative dim";
  auto type = RankedTensorType::get(dims, element);
  auto bytes = tensorBytes(t, type);
  if (failed(bytes))
    return failure();
  auto loc = NameLoc::get(b.getStringAttr(t.name()), fileLoc);
  if (type.getNumElements() <= options.maxInlineConstantElements) {
    DenseElementsAttr attr;
    if (element.isInteger(1)) { // ONNX bools are bytes; dense i1 buffers are bit-packed
      SmallVector<bool> bits;
      for (char c : **bytes)
        bits.push_back(c != 0);
      attr = DenseElementsAttr::get(type, bits);
    } else {
      attr = DenseElementsAttr::getFromRawBuffer(type, ArrayRef<char>((*bytes)->data(), (*bytes)->size()));
    }
    values[t.name()] = graph::ConstantOp::create(b, loc, attr);
    return success();
  }
  // Large tensors: a global over a resource blob that owns the bytes (no copy of raw_data).
  std::shared_ptr<std::string> owner = *bytes;
  AsmResourceBlob blob(ArrayRef<char>(owner->data(), owner->size()), alignof(uint64_t),
                       [owner](void *, size_t, size_t) {}, /*dataIsMutable=*/false);
  std::string symbol = "weight" + std::to_string(globalCounter++);
  auto attr = DenseResourceElementsAttr::get(type, symbol, std::move(blob));
  OpBuilder moduleBuilder = OpBuilder::atBlockBegin(module.getBody());
  moduleBuilder.setInsertionPoint(mainFunc);
  graph::GlobalOp::create(moduleBuilder, loc, moduleBuilder.getStringAttr(symbol), TypeAttr::get(type), cast<ElementsAttr>(attr));
  values[t.name()] = graph::GlobalLoadOp::create(b, loc, type, symbol);
  return success();
}

FailureOr<SmallVector<Value>> ModelImporter::importBody(const onnxpb::GraphProto &body, ValueRange inputs,
                                                       StringRef scope, int64_t bodyOpset) {
  if (body.input_size() != static_cast<int>(inputs.size()))
    return error() << "subgraph '" << body.name() << "' takes " << body.input_size() << " inputs, given "
                   << inputs.size();
  // Names the body defines get the scope's prefix; any other name refers to the enclosing graph.
  llvm::StringSet<> local;
  for (const auto &in : body.input())
    local.insert(in.name());
  for (const auto &t : body.initializer())
    local.insert(t.name());
  for (const auto &n : body.node())
    for (const auto &out : n.output())
      local.insert(out);
  auto scoped = [&](const std::string &name) {
    return name.empty() || !local.contains(name) ? name : (scope + name).str();
  };
  for (auto [in, value] : llvm::zip(body.input(), inputs))
    values[scoped(in.name())] = value;
  for (const auto &t : body.initializer()) {
    onnxpb::TensorProto copy = t;
    copy.set_name(scoped(t.name()));
    if (failed(importInitializer(copy)))
      return failure();
  }
  for (const auto &n : body.node()) {
    onnxpb::NodeProto copy = n;
    for (auto &in : *copy.mutable_input())
      in = scoped(in);
    for (auto &out : *copy.mutable_output())
      out = scoped(out);
    if (!copy.name().empty())
      copy.set_name((scope + copy.name()).str());
    if (failed(importNode(copy, bodyOpset)))
      return failure();
  }
  SmallVector<Value> results;
  for (const auto &out : body.output()) {
    Value v = values.lookup(scoped(out.name()));
    if (!v)
      return error() << "subgraph '" << body.name() << "' output '" << out.name() << "' is not defined";
    results.push_back(v);
  }
  return results;
}

LogicalResult ModelImporter::importNode(const onnxpb::NodeProto &node, int64_t nodeOpset) {
  std::string label = node.name().empty() ? (node.output_size() ? node.output(0) : node.op_type())
                                          : node.name();
  Location loc = NameLoc::get(b.getStringAttr(label), fileLoc);
  auto fail = [&]() {
    return emitError(loc) << node.op_type() << " (opset " << nodeOpset << ") node '" << label << "': ";
  };
  // Ops defined by a function body (schema or model-local) are imported as that body. validateModel
  // refused call cycles among model-local functions; the limit also bounds schema bodies.
  constexpr unsigned kMaxInlineDepth = 64;
  if (inlineDepth >= kMaxInlineDepth)
    return fail() << "function bodies nest deeper than " << kMaxInlineDepth << " calls";
  ++inlineDepth;
  auto inlined = inlineFunctionNode(node, nodeOpset, model, values,
                                    [&](const onnxpb::NodeProto &n, int64_t o) { return importNode(n, o); });
  --inlineDepth;
  if (inlined)
    return *inlined;
  bool training = node.domain() == kTrainingDomain;
  if (!isDefaultDomain(node.domain()) && !training)
    return fail() << "unsupported operator domain '" << node.domain() << "'";
  // Tensor-valued Constant nodes are initializers in all but name (weights may hide in them).
  if (node.op_type() == "Constant" && node.attribute_size() == 1 &&
      node.attribute(0).name() == "value" && node.attribute(0).has_t() && node.output_size() == 1) {
    onnxpb::TensorProto tensor = node.attribute(0).t();
    tensor.set_name(node.output(0));
    return importInitializer(tensor);
  }
  const auto &table = training ? trainingDomainImporters() : defaultDomainImporters();
  auto it = table.find(node.op_type());
  if (it == table.end())
    return fail() << "unsupported operator";
  SmallVector<Value> inputs;
  for (const std::string &name : node.input()) {
    if (name.empty()) {
      inputs.push_back(nullptr);
      continue;
    }
    auto v = values.find(name);
    if (v == values.end())
      return fail() << "input '" << name << "' is not defined before this node";
    inputs.push_back(v->second);
  }
  SmallVector<RankedTensorType> outTypes;
  for (const std::string &name : node.output())
    outTypes.push_back(valueTypes.lookup(name));
  NodeContext context(b, node, nodeOpset, inputs, outTypes, loc);
  context.importBody = [&, nodeOpset](const onnxpb::GraphProto &body, ValueRange bound, StringRef scope) {
    return importBody(body, bound, scope, nodeOpset);
  };
  OperandInfo operands;
  operands.constantInts = [&](size_t i) { return context.constantInts(i); };
  operands.shape = [&](size_t i) -> std::optional<SmallVector<int64_t>> {
    if (!context.input(i))
      return std::nullopt;
    return SmallVector<int64_t>(context.inputType(i).getShape());
  };
  if (std::string e = validateNode(node, nodeOpset, operands); !e.empty())
    return fail() << e;
  auto results = it->second(context);
  if (failed(results))
    return failure();
  for (auto [name, value] : llvm::zip(node.output(), *results)) {
    if (name.empty())
      continue;
    if (!value)
      return fail() << "output '" << name << "' is not supported";
    auto expected = valueTypes.lookup(name);
    auto got = cast<RankedTensorType>(value.getType());
    if (got.getRank() > kMaxTensorRank)
      return fail() << "output '" << name << "' would have rank " << got.getRank() << " (at most "
                    << kMaxTensorRank << " dims are supported)";
    // A negative static dim (an importer trusting a constant shape) would break every later size computation.
    if (llvm::any_of(got.getShape(), [](int64_t d) { return d < 0 && !ShapedType::isDynamic(d); }))
      return fail() << "output '" << name << "' would have a negative dim: " << got;
    if (expected && expected.getElementType() != got.getElementType())
      return fail() << "produced element type " << got.getElementType() << " for output '" << name
                    << "' but ONNX inferred " << expected.getElementType();
    // value_info is a hint: a dim it leaves open or symbolic takes the computed size, but another rank or
    // another static size means the model contradicts itself (graph outputs are checked at the end).
    if (expected && valueInfoNames.contains(name) && !shapesAgree(expected, got))
      return fail() << "output '" << name << "' is computed as " << got << " but value_info declares "
                    << expected;
    values[name] = value;
  }
  return success();
}

OwningOpRef<ModuleOp> ModelImporter::run() {
  if (failed(parse()))
    return nullptr;
  // Before libonnx: its shape inference divides by strides and recurses into functions unchecked.
  if (std::string e = validateModel(model, opsets); !e.empty())
    return (error() << e, nullptr);
  if (failed(runLibOnnxChecks()))
    return nullptr;
  const auto &graph = model.graph();
  for (const auto &vi : graph.value_info())
    if (auto t = convertTensorType(&ctx, vi.type())) {
      valueTypes[vi.name()] = t;
      valueInfoNames.insert(vi.name());
    }
  for (const auto &vi : graph.output())
    if (auto t = convertTensorType(&ctx, vi.type()))
      valueTypes[vi.name()] = t;

  OwningOpRef<ModuleOp> owned = ModuleOp::create(fileLoc);
  module = *owned;
  llvm::StringSet<> initializerNames;
  for (const auto &t : graph.initializer())
    initializerNames.insert(t.name());

  // Runtime inputs: graph inputs that are not initializers.
  SmallVector<Type> inputTypes;
  SmallVector<std::string> inputNames;
  for (const auto &vi : graph.input()) {
    if (initializerNames.contains(vi.name()))
      continue;
    auto type = convertTensorType(&ctx, vi.type());
    if (!type) {
      int elem = vi.type().has_tensor_type() ? vi.type().tensor_type().elem_type() : -1;
      if (vi.type().has_tensor_type() && !vi.type().tensor_type().has_shape())
        return (error() << "input '" << vi.name() << "' has no shape (unranked inputs are not supported)", nullptr);
      return (error() << "input '" << vi.name() << "' has an unsupported type"
                      << (elem >= 0 ? std::string(" (element type ") + elementTypeName(elem) + ")"
                                    : std::string(" (not a tensor)")),
              nullptr);
    }
    inputTypes.push_back(type);
    inputNames.push_back(vi.name());
  }
  // A declared output type is a hint: an output without a shape takes the computed one (the function
  // type is set from the results at the end); its element type is still required, since the artifact
  // keeps the ONNX element type (signedness) that the signless lowering loses.
  SmallVector<Type> outputTypes;
  SmallVector<std::string> outputNames;
  for (const auto &vi : graph.output()) {
    Type type = convertTensorType(&ctx, vi.type());
    if (!type && vi.type().has_tensor_type() && !vi.type().tensor_type().has_shape())
      if (Type element = convertElementType(&ctx, vi.type().tensor_type().elem_type()))
        type = UnrankedTensorType::get(element);
    if (!type) {
      int elem = vi.type().has_tensor_type() ? vi.type().tensor_type().elem_type() : -1;
      return (error() << "output '" << vi.name() << "' has an unsupported type"
                      << (elem >= 0 ? std::string(" (element type ") + elementTypeName(elem) + ")"
                                    : std::string(" (not a tensor)")),
              nullptr);
    }
    outputTypes.push_back(type);
    outputNames.push_back(vi.name());
  }

  OpBuilder moduleBuilder = OpBuilder::atBlockEnd(module.getBody());
  mainFunc = func::FuncOp::create(moduleBuilder, fileLoc, "main",
                                  moduleBuilder.getFunctionType(inputTypes, outputTypes));
  Block *entry = mainFunc.addEntryBlock();
  b.setInsertionPointToStart(entry);
  SmallVector<Attribute> inNames, outNames;
  for (auto [i, name] : llvm::enumerate(inputNames)) {
    values[name] = entry->getArgument(i);
    inNames.push_back(b.getStringAttr(name));
  }
  for (const auto &name : outputNames)
    outNames.push_back(b.getStringAttr(name));
  // Names and ONNX element types of the I/O: signless lowering loses signedness, the artifact keeps it.
  SmallVector<int32_t> inDtypes, outDtypes;
  for (const auto &vi : graph.input())
    if (!initializerNames.contains(vi.name()))
      inDtypes.push_back(vi.type().tensor_type().elem_type());
  for (const auto &vi : graph.output())
    outDtypes.push_back(vi.type().tensor_type().elem_type());
  mainFunc->setAttr("tessera.input_names", b.getArrayAttr(inNames));
  mainFunc->setAttr("tessera.output_names", b.getArrayAttr(outNames));
  mainFunc->setAttr("tessera.input_dtypes", b.getDenseI32ArrayAttr(inDtypes));
  // Named dims (dim_param) become the artifact's dim symbols; equal names are one symbol.
  SmallVector<Attribute> inDims;
  for (const auto &vi : graph.input()) {
    if (initializerNames.contains(vi.name()))
      continue;
    SmallVector<Attribute> names;
    for (const auto &d : vi.type().tensor_type().shape().dim())
      names.push_back(b.getStringAttr(d.has_dim_value() ? "" : d.dim_param()));
    inDims.push_back(b.getArrayAttr(names));
  }
  mainFunc->setAttr("tessera.input_dims", b.getArrayAttr(inDims));
  mainFunc->setAttr("tessera.output_dtypes", b.getDenseI32ArrayAttr(outDtypes));

  for (auto &t : *model.mutable_graph()->mutable_initializer())
    if (failed(importInitializer(t)))
      return nullptr;
  for (const auto &node : graph.node())
    if (failed(importNode(node, opsets.of(node))))
      return nullptr;

  SmallVector<Value> results;
  for (auto [name, type] : llvm::zip(outputNames, outputTypes)) {
    auto it = values.find(name);
    if (it == values.end())
      return (error() << "graph output '" << name << "' is never produced", nullptr);
    Value v = it->second;
    if (auto unranked = dyn_cast<UnrankedTensorType>(type)) {
      auto got = cast<RankedTensorType>(v.getType());
      if (got.getElementType() != unranked.getElementType())
        return (error() << "graph output '" << name << "' is " << got << " but declared with element type "
                        << unranked.getElementType(),
                nullptr);
    } else if (v.getType() != type) {
      auto got = cast<RankedTensorType>(v.getType());
      auto want = cast<RankedTensorType>(type);
      if (got.getElementType() != want.getElementType())
        return (error() << "graph output '" << name << "' is " << got << " but declared " << want, nullptr);
      // Declared output shapes may be less precise than the computed ones (or vice versa): the
      // computed type is the output type, and a dim known only at run time is reported by the
      // runtime. A declared shape that contradicts the computed one is an error, not a reshape.
      if (!shapesAgree(want, got))
        return (error() << "graph output '" << name << "' is declared " << want << " but computed as " << got,
                nullptr);
      // A dim declared static but computed at run time is a promise the inputs must keep: the cast to
      // the declared dim becomes a run-time check (a mismatch fails the run instead of returning a shape
      // the model says cannot happen). Not a tensor.cast, which canonicalization would fold into the
      // producing linalg op with no check left (tessera-check-declared-shapes makes that fold safe).
      SmallVector<int64_t> refined(got.getShape());
      for (int64_t d = 0; d < got.getRank(); ++d)
        if (got.isDynamicDim(d))
          refined[d] = want.getDimSize(d);
      if (ArrayRef<int64_t>(refined) != got.getShape())
        v = UnrealizedConversionCastOp::create(b, NameLoc::get(b.getStringAttr("graph output " + name), fileLoc),
                                               TypeRange{got.clone(refined)}, ValueRange{v})
                .getResult(0);
    }
    results.push_back(v);
  }
  func::ReturnOp::create(b, fileLoc, results);
  mainFunc.setFunctionType(b.getFunctionType(inputTypes, ValueRange(results).getTypes()));
  if (failed(verify(module)))
    return nullptr;
  return owned;
}

OwningOpRef<ModuleOp> importModelFile(MLIRContext &context, StringRef path,
                                      const ImportOptions &options) {
  context.loadDialect<graph::GraphDialect, func::FuncDialect, tensor::TensorDialect>();
  ModelImporter importer(context, path, options);
  return importer.run();
}

void registerImportDialects(DialectRegistry &registry) {
  registry.insert<graph::GraphDialect, func::FuncDialect, tensor::TensorDialect>();
}

} // namespace tessera::onnx
