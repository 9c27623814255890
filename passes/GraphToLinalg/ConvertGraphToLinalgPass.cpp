//===- ConvertGraphToLinalgPass.cpp - tgraph -> linalg on tensors ---------===//
#include "passes/GraphToLinalg/IndexingPatterns.h"
#include "passes/GraphToLinalg/LoweringUtils.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_CONVERTGRAPHTOLINALG
#include "passes/Passes.h.inc"

namespace {
struct ConvertGraphToLinalgPass
    : tessera::impl::ConvertGraphToLinalgBase<ConvertGraphToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    GraphTypeConverter converter;
    ConversionTarget target(*ctx);
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect, arith::ArithDialect,
                           math::MathDialect>();
    target.addIllegalDialect<graph::GraphDialect>();
    // Weights keep their declared types; users see them through a cast to the signless type.
    target.addLegalOp<ModuleOp, graph::GlobalOp, graph::GlobalLoadOp, UnrealizedConversionCastOp,
                      dispatch::ErrorIfOp>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType());
    });
    target.addDynamicallyLegalOp<func::ReturnOp>(
        [&](func::ReturnOp op) { return converter.isLegal(op.getOperandTypes()); });

    RewritePatternSet patterns(ctx);
    populateElementwiseToLinalgPatterns(converter, patterns);
    populateNNToLinalgPatterns(converter, patterns);
    populateReductionToLinalgPatterns(converter, patterns);
    populateShapeToLinalgPatterns(converter, patterns);
    populateIndexingToLinalgPatterns(converter, patterns);
    populateEinsumToLinalgPatterns(converter, patterns);
    populatePoolingToLinalgPatterns(converter, patterns);
    populateResizeToLinalgPatterns(converter, patterns);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    if (failed(applyFullConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace tessera
