//===- NodeValidation.cpp - attribute and operand checks before import ----===//
//
// One place for what a node must satisfy before any importer, libonnx checker or shape inference does
// arithmetic with it: attribute types and required attributes (from the op's schema), positive kernel
// sizes, strides and dilations, non-negative pads, Reshape shapes and Slice axes that mean something.
// The model-level checks (opset, unique value names, function call cycles, input sizes) run before
// libonnx sees the model, because its shape inference divides by strides and recurses into functions.
//
#include "frontend/onnx/ImportContext.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"

#include <onnx/defs/schema.h>

#include <cstring>
#include <functional>

namespace onnxpb = ::onnx;
using llvm::SmallVector;

namespace tessera::onnx {

namespace {

std::string attributeTypeName(int t) {
  return onnxpb::AttributeProto::AttributeType_IsValid(t)
             ? onnxpb::AttributeProto::AttributeType_Name(static_cast<onnxpb::AttributeProto::AttributeType>(t))
             : "type " + std::to_string(t);
}

std::string list(llvm::ArrayRef<int64_t> values) {
  std::string s = "[";
  for (size_t i = 0; i < values.size(); ++i)
    s += (i ? ", " : "") + std::to_string(values[i]);
  return s + "]";
}

const onnxpb::AttributeProto *findAttr(const onnxpb::NodeProto &node, llvm::StringRef name) {
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

std::optional<SmallVector<int64_t>> ints(const onnxpb::NodeProto &node, llvm::StringRef name) {
  const auto *a = findAttr(node, name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

/// Largest kernel size, stride, dilation or pad a window op may have.
constexpr int64_t kMaxWindowValue = (int64_t(1) << 31) - 1;

/// The newest default-domain opset whose schemas Debian's libonnx (1.12) has.
constexpr int64_t kNewestSchemaOpset = 17;

/// Input counts, attribute types and required attributes, from the schema of the op at this opset (if
/// libonnx has one).
std::string checkSchema(const onnxpb::NodeProto &node, int64_t opset) {
  const onnxpb::OpSchema *schema =
      onnxpb::OpSchemaRegistry::Schema(node.op_type(), static_cast<int>(opset), node.domain());
  if (!schema)
    return "";
  // Input counts and required inputs, so importers may read every input the schema requires. libonnx's
  // newest schemas are opset 17's: for later opsets (which added optional inputs) only the minimum holds.
  const int inputs = node.input_size(), least = schema->min_input();
  if (inputs < least)
    return "has " + std::to_string(inputs) + " inputs but takes at least " + std::to_string(least);
  if (opset <= kNewestSchemaOpset && inputs > schema->max_input())
    return "has " + std::to_string(inputs) + " inputs but takes at most " + std::to_string(schema->max_input());
  const auto &formals = schema->inputs();
  for (int i = 0; i < least && i < static_cast<int>(formals.size()); ++i)
    if (node.input(i).empty() && formals[i].GetOption() != onnxpb::OpSchema::Optional)
      return "required input " + std::to_string(i) + " ('" + formals[i].GetName() + "') is missing";
  for (const auto &a : node.attribute()) {
    auto it = schema->attributes().find(a.name());
    if (it == schema->attributes().end() || a.type() == onnxpb::AttributeProto::UNDEFINED)
      continue;
    if (a.type() != it->second.type)
      return "attribute '" + a.name() + "' is " + attributeTypeName(a.type()) + " but must be " +
             attributeTypeName(it->second.type);
  }
  for (const auto &[name, attribute] : schema->attributes())
    if (attribute.required && !findAttr(node, name))
      return "required attribute '" + name + "' is missing";
  return "";
}

/// Conv, ConvTranspose and the pools: sizes that shape arithmetic divides by or loops over, and as many of
/// each per-dim attribute (and weight dims) as the input, where known, has spatial dims: libonnx's shape
/// inference reads them by the weight's rank.
std::string checkWindow(const onnxpb::NodeProto &node, const OperandInfo &operands) {
  const std::string &op = node.op_type();
  bool weighted = op != "AveragePool" && op != "MaxPool" && op != "LpPool" && op != "MaxUnpool";
  auto in = operands.shape ? operands.shape(0) : std::nullopt;
  auto weight = weighted && operands.shape ? operands.shape(op == "QLinearConv" ? 3 : 1) : std::nullopt;
  std::optional<size_t> spatial;
  const char *spatialFrom = in ? "the input" : "the weight";
  if (in) {
    if (in->size() < 3)
      return "the input has rank " + std::to_string(in->size()) +
             " but needs a batch, a channel and at least one spatial dim";
    spatial = in->size() - 2;
    if (weight && weight->size() != in->size())
      return "the weight has rank " + std::to_string(weight->size()) + " but the input has rank " +
             std::to_string(in->size());
  } else if (weight) { // an input computed by another node: the weight says how many spatial dims
    if (weight->size() < 3)
      return "the weight has rank " + std::to_string(weight->size()) + " but needs at least 3";
    spatial = weight->size() - 2;
  }
  for (const char *name : {"kernel_shape", "strides", "dilations"})
    if (auto v = ints(node, name); v && spatial && v->size() != *spatial)
      return std::string(name) + " " + list(*v) + " has " + std::to_string(v->size()) + " values but " +
             spatialFrom + " has " + std::to_string(*spatial) + " spatial dims";
  if (auto pads = ints(node, "pads"); pads && spatial && pads->size() != 2 * *spatial)
    return "pads " + list(*pads) + " has " + std::to_string(pads->size()) + " values but " + spatialFrom + " has " +
           std::to_string(*spatial) + " spatial dims (two pads each)";
  // No tensor dim reaches 2^31: larger sizes only overflow the window arithmetic ((k - 1) * d + 1).
  for (const char *name : {"kernel_shape", "strides", "dilations", "pads"})
    if (auto v = ints(node, name))
      for (int64_t x : *v)
        if (x > kMaxWindowValue)
          return std::string(name) + " " + list(*v) + " has a value above " + std::to_string(kMaxWindowValue);
  auto kernel = ints(node, "kernel_shape");
  if (kernel)
    for (int64_t k : *kernel)
      if (k <= 0)
        return "kernel_shape " + list(*kernel) + " has a dim that is not positive";
  for (const char *name : {"strides", "dilations"})
    if (auto v = ints(node, name)) {
      for (int64_t s : *v)
        if (s <= 0)
          return std::string(name) + " " + list(*v) + " has a value that is not positive";
      if (kernel && v->size() != kernel->size())
        return std::string(name) + " " + list(*v) + " has " + std::to_string(v->size()) +
               " values but kernel_shape has " + std::to_string(kernel->size());
    }
  if (auto pads = ints(node, "pads")) {
    for (int64_t p : *pads)
      if (p < 0)
        return "pads " + list(*pads) + " has a negative value";
    if (pads->size() % 2 || (kernel && pads->size() != 2 * kernel->size()))
      return "pads " + list(*pads) + " must have two values per spatial dim";
  }
  return "";
}

/// A shape operand whose length is known (from its type, before its values are read) and would make a
/// result of more than kMaxTensorRank dims.
std::string checkRankOperand(const onnxpb::NodeProto &node, int64_t opset, const OperandInfo &operands) {
  int input = rankOperand(node.op_type(), opset);
  if (input < 0 || !operands.shape)
    return "";
  auto shape = operands.shape(input);
  if (!shape || shape->size() != 1 || mlir::ShapedType::isDynamic((*shape)[0]))
    return "";
  int64_t length = (*shape)[0];
  int64_t rank = length;
  if (node.op_type() == "Unsqueeze")
    if (auto in = operands.shape(0))
      rank += static_cast<int64_t>(in->size());
  if (rank > kMaxTensorRank)
    return std::string(node.op_type() == "Unsqueeze" ? "the axes operand" : "the shape operand") + " has " +
           std::to_string(length) + " values, which would make a tensor of rank " +
           std::to_string(rank) + " (at most " + std::to_string(kMaxTensorRank) + " dims are supported)";
  return "";
}

std::string checkReshape(const onnxpb::NodeProto &node, const OperandInfo &operands) {
  auto shape = operands.constantInts ? operands.constantInts(1) : std::nullopt;
  if (!shape)
    return "";
  const auto *allowZeroAttr = findAttr(node, "allowzero");
  bool allowZero = allowZeroAttr && allowZeroAttr->i() != 0;
  int inferred = 0;
  bool zero = false;
  for (int64_t d : *shape) {
    if (d < -1)
      return "shape " + list(*shape) + " has a dim below -1";
    inferred += d == -1;
    zero |= d == 0;
  }
  if (inferred > 1)
    return "shape " + list(*shape) + " has more than one -1";
  if (allowZero && zero && inferred)
    return "shape " + list(*shape) + " has both 0 and -1 with allowzero=1";
  auto in = operands.shape ? operands.shape(0) : std::nullopt;
  if (!in)
    return "";
  // 0 copies the input dim (unless allowzero): the input must have it.
  if (!allowZero)
    for (size_t i = 0; i < shape->size(); ++i)
      if ((*shape)[i] == 0 && i >= in->size())
        return "shape " + list(*shape) + " copies dim " + std::to_string(i) + " (a 0) but the input has rank " +
               std::to_string(in->size());
  if (llvm::any_of(*in, [](int64_t d) { return mlir::ShapedType::isDynamic(d); }))
    return "";
  int64_t total = 1, known = 1;
  for (int64_t d : *in)
    if (__builtin_mul_overflow(total, d, &total))
      return "the input of shape " + list(*in) + " has more elements than 64 bits count";
  for (size_t i = 0; i < shape->size(); ++i) {
    int64_t d = (*shape)[i] == 0 && !allowZero ? (*in)[i] : (*shape)[i];
    if (d != -1 && __builtin_mul_overflow(known, d, &known))
      return "shape " + list(*shape) + " has more elements than 64 bits count";
  }
  bool fits = inferred ? (known != 0 && total % known == 0) || (known == 0 && total == 0) : known == total;
  if (!fits)
    return "cannot reshape an input of shape " + list(*in) + " (" + std::to_string(total) + " elements) to " +
           list(*shape);
  return "";
}

std::string checkSlice(const onnxpb::NodeProto &node, int64_t opset, const OperandInfo &operands) {
  std::optional<SmallVector<int64_t>> axes =
      opset < 10 ? ints(node, "axes") : (operands.constantInts ? operands.constantInts(3) : std::nullopt);
  if (!axes)
    return "";
  auto in = operands.shape ? operands.shape(0) : std::nullopt;
  llvm::DenseSet<int64_t> seen;
  for (int64_t a : *axes) {
    int64_t n = a;
    if (in) {
      int64_t rank = static_cast<int64_t>(in->size());
      if (a < -rank || a >= rank)
        return "axis " + std::to_string(a) + " in axes " + list(*axes) + " is out of range for rank " +
               std::to_string(rank);
      n = a < 0 ? a + rank : a;
    }
    if (!seen.insert(n).second)
      return "axes " + list(*axes) + " name axis " + std::to_string(n) + " more than once";
  }
  return "";
}

} // namespace

std::string nodePrefix(const onnxpb::NodeProto &node, int64_t opset) {
  std::string label = node.name().empty() ? (node.output_size() ? node.output(0) : node.op_type()) : node.name();
  return node.op_type() + " (opset " + std::to_string(opset) + ") node '" + label + "': ";
}

int rankOperand(llvm::StringRef op, int64_t opset) {
  if (op == "Expand" || op == "Reshape" || (op == "Unsqueeze" && opset >= 13))
    return 1;
  if (op == "ConstantOfShape")
    return 0;
  return -1;
}

std::string validateNode(const onnxpb::NodeProto &node, int64_t opset, const OperandInfo &operands) {
  bool defaultDomain = isDefaultDomain(node.domain());
  if (node.domain() == kTrainingDomain)
    return checkSchema(node, opset);
  if (!defaultDomain)
    return "";
  if (std::string e = checkSchema(node, opset); !e.empty())
    return e;
  if (std::string e = checkRankOperand(node, opset, operands); !e.empty())
    return e;
  const std::string &op = node.op_type();
  if (op == "Conv" || op == "ConvTranspose" || op == "ConvInteger" || op == "QLinearConv" ||
      op == "AveragePool" || op == "MaxPool" || op == "LpPool" || op == "MaxUnpool" || op == "DeformConv")
    return checkWindow(node, operands);
  if (op == "Reshape")
    return checkReshape(node, operands);
  if (op == "Slice")
    return checkSlice(node, opset, operands);
  return "";
}

int64_t ModelOpsets::of(const onnxpb::NodeProto &node) const {
  if (isDefaultDomain(node.domain()))
    return onnx;
  return node.domain() == kTrainingDomain ? training : 0;
}

std::string validateModel(const onnxpb::ModelProto &model, const ModelOpsets &opsets) {
  const auto &graph = model.graph();
  if (opsets.onnx > kMaxOnnxOpset || (opsets.onnx < 1 && opsets.training < 1))
    return "the model imports ONNX opset " + std::to_string(opsets.onnx) + "; opsets 1 to " +
           std::to_string(kMaxOnnxOpset) + " are supported";
  if (opsets.training > kMaxTrainingOpset)
    return "the model imports " + std::string(kTrainingDomain) + " version " + std::to_string(opsets.training) +
           "; version 1 is supported";
  // A model of optimizers alone need not import the default domain, but then no node may use it.
  if (opsets.onnx == 0)
    for (const auto &node : graph.node())
      if (isDefaultDomain(node.domain()))
        return nodePrefix(node, 0) + "is in the default ONNX domain, which the model does not import";

  // Graph inputs and initializers whose byte size does not fit in int64.
  auto checkSize = [](const std::string &what, llvm::ArrayRef<int64_t> dims) -> std::string {
    int64_t total = 8; // the widest element, so the limit does not depend on the dtype
    for (int64_t d : dims)
      if (d > 0 && __builtin_mul_overflow(total, d, &total))
        return what + " of shape " + list(dims) + " has more than 2^63 bytes";
    return "";
  };
  for (const auto &vi : graph.input()) {
    if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape())
      continue;
    SmallVector<int64_t> dims;
    for (const auto &d : vi.type().tensor_type().shape().dim())
      dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    if (static_cast<int64_t>(dims.size()) > kMaxTensorRank)
      return "input '" + vi.name() + "' has rank " + std::to_string(dims.size()) + " (at most " +
             std::to_string(kMaxTensorRank) + " dims are supported)";
    for (int64_t d : dims)
      if (d < -1)
        return "input '" + vi.name() + "' has a negative dim in " + list(dims);
    if (std::string e = checkSize("input '" + vi.name() + "'", dims); !e.empty())
      return e;
  }
  for (const auto &t : graph.initializer()) {
    SmallVector<int64_t> dims(t.dims().begin(), t.dims().end());
    if (static_cast<int64_t>(dims.size()) > kMaxTensorRank)
      return "initializer '" + t.name() + "' has rank " + std::to_string(dims.size()) + " (at most " +
             std::to_string(kMaxTensorRank) + " dims are supported)";
    for (int64_t d : dims)
      if (d < 0)
        return "initializer '" + t.name() + "' has a negative dim in " + list(dims);
    if (std::string e = checkSize("initializer '" + t.name() + "'", dims); !e.empty())
      return e;
  }

  // Every value has one producer: a graph input, an initializer or one node output.
  llvm::StringMap<std::string> producer;
  for (const auto &vi : graph.input())
    producer.try_emplace(vi.name(), "graph input '" + vi.name() + "'");
  for (const auto &t : graph.initializer())
    producer.try_emplace(t.name(), "initializer '" + t.name() + "'");
  llvm::StringMap<const onnxpb::TensorProto *> constants;
  for (const auto &t : graph.initializer())
    constants[t.name()] = &t;
  for (const auto &node : graph.node()) {
    for (const std::string &out : node.output()) {
      if (out.empty())
        continue;
      auto [it, inserted] = producer.try_emplace(out, "node '" + (node.name().empty() ? out : node.name()) + "'");
      if (!inserted)
        return nodePrefix(node, opsets.of(node)) + "output '" + out + "' is already produced by " + it->second;
    }
    if (node.op_type() == "Constant" && node.output_size() == 1)
      for (const auto &a : node.attribute())
        if (a.name() == "value" && a.has_t())
          constants[node.output(0)] = &a.t();
  }

  // Shapes known before inference: graph inputs' and initializers'.
  llvm::StringMap<SmallVector<int64_t>> shapes;
  for (const auto &vi : graph.input()) {
    if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape())
      continue;
    SmallVector<int64_t> &dims = shapes[vi.name()];
    for (const auto &d : vi.type().tensor_type().shape().dim())
      dims.push_back(d.has_dim_value() ? d.dim_value() : mlir::ShapedType::kDynamic);
  }
  for (const auto &t : graph.initializer())
    shapes[t.name()] = SmallVector<int64_t>(t.dims().begin(), t.dims().end());

  // Per-node rules, with constant operands read from initializers and Constant nodes.
  for (const auto &node : graph.node()) {
    OperandInfo info;
    info.shape = [&](size_t i) -> std::optional<SmallVector<int64_t>> {
      if (i >= static_cast<size_t>(node.input_size()))
        return std::nullopt;
      auto it = shapes.find(node.input(i));
      if (it == shapes.end())
        return std::nullopt;
      return it->second;
    };
    info.constantInts = [&](size_t i) -> std::optional<SmallVector<int64_t>> {
      if (i >= static_cast<size_t>(node.input_size()))
        return std::nullopt;
      auto it = constants.find(node.input(i));
      if (it == constants.end() || it->second->data_location() == onnxpb::TensorProto::EXTERNAL)
        return std::nullopt;
      const onnxpb::TensorProto &t = *it->second;
      SmallVector<int64_t> v;
      if (t.data_type() == onnxpb::TensorProto::INT64) {
        if (t.has_raw_data()) {
          const std::string &raw = t.raw_data();
          if (raw.size() % 8)
            return std::nullopt;
          for (size_t k = 0; k < raw.size(); k += 8) {
            int64_t x;
            std::memcpy(&x, raw.data() + k, 8);
            v.push_back(x);
          }
        } else {
          v.assign(t.int64_data().begin(), t.int64_data().end());
        }
        return v;
      }
      if (t.data_type() == onnxpb::TensorProto::INT32 && !t.has_raw_data()) {
        v.assign(t.int32_data().begin(), t.int32_data().end());
        return v;
      }
      return std::nullopt;
    };
    if (std::string e = validateNode(node, opsets.of(node), info); !e.empty())
      return nodePrefix(node, opsets.of(node)) + e;
  }

  // Model-local functions may call each other but not in a cycle: inlining would never end.
  llvm::StringMap<const onnxpb::FunctionProto *> functions;
  for (const auto &f : model.functions())
    functions[f.domain() + "::" + f.name()] = &f;
  llvm::StringMap<int> state; // 1: on the current call path, 2: done
  std::function<std::string(const onnxpb::FunctionProto &, std::vector<std::string> &)> visit =
      [&](const onnxpb::FunctionProto &f, std::vector<std::string> &path) -> std::string {
    std::string key = f.domain() + "::" + f.name();
    state[key] = 1;
    path.push_back(f.name());
    for (const auto &n : f.node()) {
      auto it = functions.find(n.domain() + "::" + n.op_type());
      if (it == functions.end())
        continue;
      int s = state.lookup(it->first());
      if (s == 1) {
        std::string cycle;
        for (const auto &p : path)
          cycle += p + " -> ";
        return "function '" + it->second->name() + "' (domain '" + it->second->domain() +
               "') calls itself: " + cycle + it->second->name();
      }
      if (s == 0)
        if (std::string e = visit(*it->second, path); !e.empty())
          return e;
    }
    path.pop_back();
    state[key] = 2;
    return "";
  };
  for (const auto &f : model.functions())
    if (!state.lookup(f.domain() + "::" + f.name())) {
      std::vector<std::string> path;
      if (std::string e = visit(f, path); !e.empty())
        return e;
    }
  return "";
}

} // namespace tessera::onnx
