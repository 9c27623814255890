// Result type inference of tgraph ops: which ops infer their result types (a ratchet: the list of ops
// that do not yet only shrinks) and what the shared inference rules compute.
#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

using namespace mlir;
using namespace tessera::graph;

namespace {

// tgraph ops that do not infer their result types yet. Remove an op from here when it does (the test
// fails until then); never add one: a new op infers its types from the start.
const std::set<std::string> kNotYetInferred = {};

TEST(GraphTypeInference, EveryOpInfersItsTypesOrIsListed) {
  MLIRContext context;
  context.loadDialect<GraphDialect>();
  int infers = 0;
  for (RegisteredOperationName name : context.getRegisteredOperations()) {
    if (name.getDialectNamespace() != GraphDialect::getDialectNamespace())
      continue;
    std::string op = name.getStringRef().str();
    bool inferred = name.hasInterface<InferTypeOpInterface>();
    infers += inferred;
    if (kNotYetInferred.count(op))
      EXPECT_FALSE(inferred) << op << " infers its result types now: remove it from kNotYetInferred";
    else
      EXPECT_TRUE(inferred) << op << " does not implement InferTypeOpInterface";
  }
  EXPECT_GT(infers, 0);
}

class GraphTypeInferenceRules : public ::testing::Test {
protected:
  GraphTypeInferenceRules() : builder(&context) {
    context.loadDialect<GraphDialect, func::FuncDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module.getBody());
  }
  ~GraphTypeInferenceRules() override { module->erase(); }

  /// A function argument of `type` to build ops on.
  Value argument(Type type) {
    if (!func) {
      func = func::FuncOp::create(builder, builder.getUnknownLoc(), "f", builder.getFunctionType({}, {}));
      builder.setInsertionPointToEnd(func.addEntryBlock());
    }
    func.getBody().front().addArgument(type, builder.getUnknownLoc());
    return func.getBody().front().getArguments().back();
  }
  RankedTensorType tensor(ArrayRef<int64_t> shape, Type element) { return RankedTensorType::get(shape, element); }

  MLIRContext context;
  OpBuilder builder;
  ModuleOp module;
  func::FuncOp func;
};

TEST_F(GraphTypeInferenceRules, BuiltWithoutResultTypes) {
  Type f32 = builder.getF32Type(), i1 = builder.getI1Type();
  Location loc = builder.getUnknownLoc();
  Value a = argument(tensor({2, 1}, f32)), b = argument(tensor({3}, f32));
  Value d = argument(tensor({ShapedType::kDynamic, 3}, f32));
  // Broadcasting: [2, 1] and [3] give [2, 3]; a dynamic dim against 1 stays dynamic.
  EXPECT_EQ(AddOp::create(builder, loc, a, b).getType(), tensor({2, 3}, f32));
  EXPECT_EQ(MulOp::create(builder, loc, d, a).getType(), tensor({2, 3}, f32));
  EXPECT_EQ(SubOp::create(builder, loc, d, b).getType(), tensor({ShapedType::kDynamic, 3}, f32));
  // Comparisons and predicates make i1; unary ops keep the input's type.
  EXPECT_EQ(LessOp::create(builder, loc, a, b).getType(), tensor({2, 3}, i1));
  EXPECT_EQ(IsNaNOp::create(builder, loc, b).getType(), tensor({3}, i1));
  EXPECT_EQ(ReluOp::create(builder, loc, d).getType(), tensor({ShapedType::kDynamic, 3}, f32));
  // Where: the broadcast of all three, with x's elements.
  Value c = argument(tensor({4, 1, 1}, i1));
  EXPECT_EQ(WhereOp::create(builder, loc, c, a, b).getType(), tensor({4, 2, 3}, f32));
}

TEST_F(GraphTypeInferenceRules, ShapesFromAttributes) {
  Type f32 = builder.getF32Type(), i64 = builder.getI64Type();
  Location loc = builder.getUnknownLoc();
  const int64_t dyn = ShapedType::kDynamic;
  Value x = argument(tensor({1, 3, 9, 9}, f32)), w = argument(tensor({8, 3, 3, 3}, f32));
  // Convolution: (9 + 1 + 1 - 3) / 2 + 1 = 5 per spatial dim, filters as channels.
  EXPECT_EQ(ConvOp::create(builder, loc, x, w, Value(), builder.getDenseI64ArrayAttr({2, 2}),
                           builder.getDenseI64ArrayAttr({1, 1}), builder.getDenseI64ArrayAttr({1, 1, 1, 1}),
                           builder.getI64IntegerAttr(1))
                .getType(),
            tensor({1, 8, 5, 5}, f32));
  Value m = argument(tensor({dyn, 4, 5}, f32)), v = argument(tensor({5}, f32));
  // numpy matmul: a 1-D rhs is a column, dropped again.
  EXPECT_EQ(MatMulOp::create(builder, loc, m, v).getType(), tensor({dyn, 4}, f32));
  EXPECT_EQ(TransposeOp::create(builder, loc, m, builder.getDenseI64ArrayAttr({2, 0, 1})).getType(),
            tensor({5, dyn, 4}, f32));
  EXPECT_EQ(ReduceOp::create(builder, loc, m, ReduceKindAttr::get(&context, ReduceKind::argmax),
                             builder.getDenseI64ArrayAttr({1}),
                             builder.getBoolAttr(true), builder.getBoolAttr(false))
                .getType(),
            tensor({dyn, 1, 5}, i64));
  EXPECT_EQ(ConcatOp::create(builder, loc, ValueRange{m, m}, builder.getI64IntegerAttr(1)).getType(),
            tensor({dyn, 8, 5}, f32));
  EXPECT_EQ(UnsqueezeOp::create(builder, loc, v, builder.getDenseI64ArrayAttr({0, 2})).getType(),
            tensor({1, 5, 1}, f32));
}

TEST_F(GraphTypeInferenceRules, ShapesThatDoNotBroadcastFail) {
  Type f32 = builder.getF32Type();
  Value a = argument(tensor({2, 4}, f32)), b = argument(tensor({3}, f32));
  SmallVector<Type> inferred;
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    message = d.str();
    return success();
  });
  EXPECT_TRUE(failed(AddOp::inferReturnTypes(&context, builder.getUnknownLoc(), ValueRange{a, b}, nullptr,
                                             OpaqueProperties(nullptr), {}, inferred)));
  EXPECT_NE(message.find("do not broadcast"), std::string::npos) << message;
}

// The textual form leaves result types out and a parse infers them, so an op whose result type is not the
// inferred one, even a more refined one, would print as something else: the verifier refuses it.
TEST_F(GraphTypeInferenceRules, ResultTypesAreExactlyTheInferredOnes) {
  Type f32 = builder.getF32Type();
  Location loc = builder.getUnknownLoc();
  Value x = argument(tensor({ShapedType::kDynamic}, f32));
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    message += d.str() + "\n";
    return success();
  });
  auto refined = ReluOp::create(builder, loc, tensor({4}, f32), x);
  EXPECT_TRUE(failed(mlir::verify(refined)));
  EXPECT_NE(message.find("inferred type(s) 'tensor<?xf32>' are incompatible with return type(s) of operation "
                         "'tensor<4xf32>'"),
            std::string::npos)
      << message;
  message.clear();
  EXPECT_TRUE(succeeded(mlir::verify(ReluOp::create(builder, loc, x))));
  EXPECT_EQ(message, "");
}

} // namespace
