//===- FunctionInliner.cpp - expand ONNX function ops into their bodies ----===//
//
// An op without an importer may still be defined by a function body: in its libonnx schema (fixed or
// built from the node's attributes and input types) or in the model's own `functions`. Such a node is
// replaced by the body's nodes: formal inputs/outputs become the node's actual value names, attribute
// references take the node's attributes (or the schema defaults), and internal values get names
// prefixed by the node's first output, which is unique in the graph, so nested calls stay unique too.
//
#include "frontend/onnx/ImportContext.h"

#include "mlir/IR/BuiltinTypes.h"

#include <onnx/defs/schema.h>

#include <map>

using namespace mlir;
namespace onnxpb = ::onnx;

namespace tessera::onnx {

/// MLIR element type -> ONNX data type (UNDEFINED if none).
static int onnxElementType(Type t) {
  if (t.isF32()) return onnxpb::TensorProto::FLOAT;
  if (t.isF64()) return onnxpb::TensorProto::DOUBLE;
  if (t.isF16()) return onnxpb::TensorProto::FLOAT16;
  if (t.isBF16()) return onnxpb::TensorProto::BFLOAT16;
  if (t.isInteger(1)) return onnxpb::TensorProto::BOOL;
  if (auto i = dyn_cast<IntegerType>(t)) {
    bool u = i.isUnsigned();
    switch (i.getWidth()) {
    case 8: return u ? onnxpb::TensorProto::UINT8 : onnxpb::TensorProto::INT8;
    case 16: return u ? onnxpb::TensorProto::UINT16 : onnxpb::TensorProto::INT16;
    case 32: return u ? onnxpb::TensorProto::UINT32 : onnxpb::TensorProto::INT32;
    case 64: return u ? onnxpb::TensorProto::UINT64 : onnxpb::TensorProto::INT64;
    }
  }
  return onnxpb::TensorProto::UNDEFINED;
}

static onnxpb::TypeProto typeProtoOf(Value v) {
  onnxpb::TypeProto proto;
  auto t = dyn_cast_or_null<RankedTensorType>(v ? v.getType() : Type());
  if (!t)
    return proto;
  auto *tensor = proto.mutable_tensor_type();
  tensor->set_elem_type(onnxElementType(t.getElementType()));
  auto *shape = tensor->mutable_shape();
  for (int64_t d : t.getShape()) {
    auto *dim = shape->add_dim();
    if (!ShapedType::isDynamic(d))
      dim->set_dim_value(d);
  }
  return proto;
}

/// Rewrites one body node for the call site. `rename` maps body value names to caller names.
static void substitute(onnxpb::NodeProto &n, const std::map<std::string, std::string> &rename,
                       const std::string &prefix, const onnxpb::NodeProto &call,
                       const onnxpb::OpSchema *schema) {
  auto mapName = [&](const std::string &name) -> std::string {
    if (name.empty())
      return name;
    auto it = rename.find(name);
    return it != rename.end() ? it->second : prefix + name;
  };
  for (auto &in : *n.mutable_input())
    in = mapName(in);
  for (auto &out : *n.mutable_output())
    out = mapName(out);
  if (!n.name().empty())
    n.set_name(prefix + n.name());
  google::protobuf::RepeatedPtrField<onnxpb::AttributeProto> attrs;
  for (const auto &a : n.attribute()) {
    if (a.ref_attr_name().empty()) {
      *attrs.Add() = a;
      continue;
    }
    const onnxpb::AttributeProto *value = nullptr;
    for (const auto &ca : call.attribute())
      if (ca.name() == a.ref_attr_name())
        value = &ca;
    if (!value && schema) { // the caller's op default, not the inner op's
      auto it = schema->attributes().find(a.ref_attr_name());
      if (it != schema->attributes().end() && it->second.default_value.type() != 0)
        value = &it->second.default_value;
    }
    if (!value)
      continue; // absent and no default: the inner op's default applies
    onnxpb::AttributeProto copy = *value;
    copy.set_name(a.name());
    *attrs.Add() = copy;
  }
  n.mutable_attribute()->Swap(&attrs);
}

std::optional<LogicalResult>
inlineFunctionNode(const onnxpb::NodeProto &node, int64_t opset, const onnxpb::ModelProto &model,
                   const llvm::StringMap<Value> &values,
                   llvm::function_ref<LogicalResult(const onnxpb::NodeProto &, int64_t)> importNode) {
  bool defaultDomain = isDefaultDomain(node.domain());
  if (defaultDomain && defaultDomainImporters().count(node.op_type()))
    return std::nullopt;

  onnxpb::FunctionProto built;
  const onnxpb::FunctionProto *body = nullptr;
  const onnxpb::OpSchema *schema = nullptr;
  for (const auto &f : model.functions())
    if (f.name() == node.op_type() && f.domain() == node.domain())
      body = &f;
  if (!body && defaultDomain) {
    schema = onnxpb::OpSchemaRegistry::Schema(node.op_type(), static_cast<int>(opset), "");
    if (!schema)
      return std::nullopt;
    if (schema->HasFunction()) {
      body = schema->GetFunction();
    } else if (schema->HasContextDependentFunction()) {
      std::vector<onnxpb::TypeProto> types;
      for (const auto &name : node.input())
        types.push_back(typeProtoOf(name.empty() ? Value() : values.lookup(name)));
      try {
        if (schema->BuildContextDependentFunction(
                onnxpb::FunctionBodyBuildContextImpl(node, types), built))
          body = &built;
      } catch (const std::exception &) {
        // A builder that rejects this node leaves the op unsupported (diagnosed by the caller).
      }
    }
  }
  if (!body || body->node_size() == 0)
    return std::nullopt;
  // The body is written for its own opset (a libonnx schema's body for the version that defined it),
  // not the model's: e.g. MeanVarianceNormalization-13 uses ReduceMean with an `axes` attribute, which
  // is an input from opset 18 on.
  int64_t bodyOpset = schema ? schema->since_version() : opset;
  for (const auto &imp : body->opset_import())
    if (isDefaultDomain(imp.domain()))
      bodyOpset = imp.version();

  std::string prefix = node.op_type() + "/";
  for (const auto &out : node.output())
    if (!out.empty()) {
      prefix = out + "/" + prefix;
      break;
    }
  std::map<std::string, std::string> rename;
  for (int i = 0; i < body->input_size(); ++i)
    rename[body->input(i)] = i < node.input_size() ? node.input(i) : std::string();
  for (int i = 0; i < body->output_size(); ++i)
    rename[body->output(i)] = i < node.output_size() ? node.output(i) : prefix + body->output(i);
  for (const auto &inner : body->node()) {
    onnxpb::NodeProto n = inner;
    substitute(n, rename, prefix, node, schema);
    if (failed(importNode(n, bodyOpset)))
      return failure();
  }
  return success();
}

} // namespace tessera::onnx
