//===- RankGuardedSchemas.cpp - libonnx schemas that refuse huge ranks ----===//
//
// libonnx infers the result of Expand, Reshape, ConstantOfShape and Unsqueeze from the *length* of a
// shape operand when its values are unknown: a 14.7 M-element ConstantOfShape feeding an Expand became
// a 14.7 M-dim shape and gigabytes of memory inside shape inference (found by the importer fuzzer). The
// registry handed to InferShapes wraps those ops' inference functions so that a length above
// kMaxTensorRank fails that node's inference first; Tessera's own validation then names the node.
//
#include "frontend/onnx/ImportContext.h"

#include <onnx/defs/schema.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace onnxpb = ::onnx;

namespace tessera::onnx {

namespace {

class RankGuardedRegistry final : public onnxpb::ISchemaRegistry {
public:
  const onnxpb::OpSchema *GetSchema(const std::string &key, const int maxInclusiveVersion,
                                    const std::string &domain) const override {
    const onnxpb::OpSchema *schema = onnxpb::OpSchemaRegistry::Schema(key, maxInclusiveVersion, domain);
    int input = rankOperand(key, maxInclusiveVersion);
    if (!schema || input < 0 || !(domain.empty() || domain == "ai.onnx"))
      return schema;
    std::lock_guard<std::mutex> lock(mutex);
    std::unique_ptr<onnxpb::OpSchema> &guarded = cache[schema];
    if (!guarded) {
      guarded = std::make_unique<onnxpb::OpSchema>(*schema);
      auto infer = schema->GetTypeAndShapeInferenceFunction();
      guarded->TypeAndShapeInferenceFunction([infer, input](onnxpb::InferenceContext &ctx) {
        const onnxpb::TypeProto *type =
            ctx.getNumInputs() > static_cast<size_t>(input) ? ctx.getInputType(input) : nullptr;
        if (type && type->has_tensor_type() && type->tensor_type().has_shape()) {
          const auto &shape = type->tensor_type().shape();
          if (shape.dim_size() == 1 && shape.dim(0).has_dim_value() && shape.dim(0).dim_value() > kMaxTensorRank)
            // fail_shape_inference spells ONNX_NAMESPACE, which names this namespace here.
            throw onnxpb::InferenceError(onnxpb::MakeString("[ShapeInferenceError] the shape operand has ",
                                                            shape.dim(0).dim_value(), " values (at most ",
                                                            kMaxTensorRank, " dims are supported)"));
        }
        infer(ctx);
      });
    }
    return guarded.get();
  }

private:
  mutable std::mutex mutex;
  mutable std::map<const onnxpb::OpSchema *, std::unique_ptr<onnxpb::OpSchema>> cache;
};

} // namespace

const onnxpb::ISchemaRegistry *rankGuardedSchemas() {
  static RankGuardedRegistry registry;
  return &registry;
}

} // namespace tessera::onnx
