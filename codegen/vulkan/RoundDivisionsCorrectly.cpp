//===- RoundDivisionsCorrectly.cpp - f32 quotients rounded as on the CPU ---===//
//
// Vulkan lets OpFDiv be off by 2.5 ulp, and GPU drivers use that (a reciprocal and a multiply). A
// quotient that is then rounded to an integer differs from the CPU's (DynamicQuantizeLinear's
// round(x / scale) lands on the other side of .5 on an NVIDIA GPU). Where the profile has Float64 the
// quotient is taken in f64 and rounded to f32: the f64 quotient is within 2.5 f64 ulps of the exact one,
// and the exact quotient of two floats is never that close to an f32 rounding boundary, so the result
// is the correctly rounded quotient. Without Float64 there is no portable fix: a correction step needs
// an exact fma(-q, b, a), and Vulkan lets Fma be a separate multiply and add (lavapipe's is).
//
#include "codegen/vulkan/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"

using namespace mlir;

namespace tessera::vulkan {
#define GEN_PASS_DEF_ROUNDDIVISIONSCORRECTLY
#include "codegen/vulkan/Passes.h.inc"

namespace {

/// An f32 scalar or vector of f32.
bool isF32Like(Type type) { return getElementTypeOrSelf(type).isF32(); }

void divideInFloat64(arith::DivFOp div) {
  OpBuilder b(div);
  Location loc = div.getLoc();
  Type f64 = b.getF64Type();
  if (auto vector = dyn_cast<VectorType>(div.getType()))
    f64 = vector.clone(f64);
  Value a = arith::ExtFOp::create(b, loc, f64, div.getLhs());
  Value d = arith::ExtFOp::create(b, loc, f64, div.getRhs());
  Value q = arith::DivFOp::create(b, loc, a, d);
  div.replaceAllUsesWith(arith::TruncFOp::create(b, loc, div.getType(), q).getResult());
  div.erase();
}

struct RoundDivisionsCorrectlyPass : impl::RoundDivisionsCorrectlyBase<RoundDivisionsCorrectlyPass> {
  void runOnOperation() override {
    SmallVector<arith::DivFOp> divisions;
    getOperation()->walk([&](arith::DivFOp div) {
      if (isF32Like(div.getType()))
        divisions.push_back(div);
    });
    for (arith::DivFOp div : divisions)
      if (spirv::TargetEnv(spirv::lookupTargetEnvOrDefault(div)).allows(spirv::Capability::Float64))
        divideInFloat64(div);
  }
};
} // namespace
} // namespace tessera::vulkan
