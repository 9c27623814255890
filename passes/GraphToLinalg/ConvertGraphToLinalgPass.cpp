//===- ConvertGraphToLinalgPass.cpp - tgraph -> linalg on tensors ---------===//
//
// Patterns say why they cannot lower an op (`unsupported`, LoweringUtils.h), and a failed conversion reports
// one error per op that stayed illegal: "'tgraph.conv' op needs static shapes ...", the reason in place
// of the conversion's own "failed to legalize operation". A pattern that gives up is no error by
// itself: another pattern may still lower the op.
//
#include "passes/GraphToLinalg/IndexingPatterns.h"
#include "passes/GraphToLinalg/LoweringUtils.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/MapVector.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_CONVERTGRAPHTOLINALG
#include "passes/Passes.h.inc"

namespace {

/// The reasons patterns gave for not lowering ops (`unsupported`), by location: the first one at each.
using MatchFailureReasons = DenseMap<Location, std::string>;

/// Runs `convert`, replacing each "failed to legalize operation 'X'" error it emits with one error
/// at the same location that gives the reason a pattern recorded there.
LogicalResult reportingReasons(MLIRContext *ctx, const MatchFailureReasons &reasons,
                               function_ref<LogicalResult()> convert) {
  constexpr llvm::StringLiteral kPrefix = "failed to legalize operation '";
  llvm::MapVector<Location, std::string> illegal; // location -> op name
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) -> LogicalResult {
      std::string message = diag.str();
      StringRef text(message);
      if (diag.getSeverity() != DiagnosticSeverity::Error || !text.starts_with(kPrefix) ||
          !reasons.count(diag.getLocation()))
        return failure(); // to the handler before this one
      illegal.insert({diag.getLocation(), text.drop_front(kPrefix.size()).split('\'').first.str()});
      return success();
    });
    result = convert();
  }
  for (auto &[loc, name] : illegal)
    emitError(loc) << "'" << name << "' op " << reasons.lookup(loc);
  return result;
}

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
                      dispatch::ErrorIfOp, dispatch::LayerNormOp>();
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
    MatchFailureReasons reasons;
    ConversionConfig config;
    auto record = [&](Diagnostic &reason) { reasons.try_emplace(reason.getLocation(), reason.str()); };
    config.notifyCallback = record;
    if (failed(reportingReasons(ctx, reasons, [&] {
          return applyFullConversion(getOperation(), target, std::move(patterns), config);
        })))
      signalPassFailure();
  }
};
} // namespace
} // namespace tessera
