//===- WinogradConvolutions.cpp - 3x3 convolutions -> Winograd F(4x4, 3x3) ---===//
//
// A 3x3, stride-1 NCHW convolution with constant filters does a quarter of its multiplies as Winograd
// F(4x4, 3x3): each 4x4 output tile is A^T [(G w G^T) . (B^T d B)] A, so the 36 products per tile and
// channel pair replace 144. The filter transform G w G^T runs here, once, into a new weight [36, F, C]
// (four times the filter's bytes); the kernel (`tdisp.winograd_conv2d`, the CPU microkernel in
// ukernels/winograd.c) transforms the input and output tiles. A zero padding of the input is absorbed:
// the op reads zeros outside the image, so the padded copy and its dispatch go away.
//
// Where it pays is decided from shapes alone: the microkernel multiplies blocks of 32 tiles (16 for a
// last block of at most 16), so an image with few tiles wastes what Winograd saves (7x7 has 4), and
// each transformed filter element is read once per 4x4 tile, so few tiles also make the product wait
// on the filters' bytes.
//
#include "passes/GlobalOptimization/ConstantWeights.h"
#include "codegen/cpu/Passes.h"
#include "passes/Passes.h"

#include "dialects/Dispatch/IR/DispatchOps.h"
#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;

namespace tessera::cpu {
#define GEN_PASS_DEF_WINOGRADCONVOLUTIONS
#include "codegen/cpu/Passes.h.inc"

namespace {

/// Tiles the microkernel's products take at a time (its last block of a call may take 16).
constexpr int64_t kTilesPerBlock = 16;
/// Multiplies saved, after the blocks' waste, that Winograd must reach (its transforms cost the rest):
/// 56x56 images reach 3.8, 28x28 3.1, 14x14 and 13x13 3.1 and 2.6, 7x7 0.8.
constexpr double kMinGain = 2.0;
/// Fewer input channels than this make the per-tap products too short to run at speed.
constexpr int64_t kMinChannels = 16;
/// Largest transformed filter (36 x F x C floats): the deep layers' would stream 36 MiB per run.
constexpr int64_t kMaxTransformedBytes = int64_t(16) << 20;

/// F(4x4, 3x3) filter transform matrix G (6x3), points 0, 1, -1, 2, -2 and infinity.
constexpr double kG[6][3] = {{1.0 / 4, 0, 0},
                             {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                             {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                             {1.0 / 24, 1.0 / 12, 1.0 / 6},
                             {1.0 / 24, -1.0 / 12, 1.0 / 6},
                             {0, 0, 1}};

bool profitable(int64_t filters, int64_t channels, int64_t oh, int64_t ow) {
  int64_t tiles = llvm::divideCeilSigned(oh, int64_t(4)) * llvm::divideCeilSigned(ow, int64_t(4));
  double saved = (9.0 * oh * ow) / (36.0 * tiles);
  double used = double(tiles) / double(kTilesPerBlock * llvm::divideCeilSigned(tiles, kTilesPerBlock));
  return channels >= kMinChannels && 36 * filters * channels * int64_t(sizeof(float)) <= kMaxTransformedBytes &&
         saved * used >= kMinGain;
}


/// U[t][f][c] = (G w[f][c] G^T)[t / 6][t % 6] for filters w [F, C, 3, 3].
std::vector<float> transformFilters(ArrayRef<float> w, int64_t filters, int64_t channels) {
  std::vector<float> u(36 * filters * channels);
  for (int64_t f = 0; f < filters; ++f)
    for (int64_t c = 0; c < channels; ++c) {
      const float *g = &w[(f * channels + c) * 9];
      double gw[6][3]; // G w
      for (int a = 0; a < 6; ++a)
        for (int j = 0; j < 3; ++j)
          gw[a][j] = kG[a][0] * g[j] + kG[a][1] * g[3 + j] + kG[a][2] * g[6 + j];
      for (int a = 0; a < 6; ++a)
        for (int b = 0; b < 6; ++b)
          u[((a * 6 + b) * filters + f) * channels + c] =
              float(gw[a][0] * kG[b][0] + gw[a][1] * kG[b][1] + gw[a][2] * kG[b][2]);
    }
  return u;
}

struct WinogradConvolutionsPass : impl::WinogradConvolutionsBase<WinogradConvolutionsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    llvm::DenseMap<graph::GlobalOp, graph::GlobalOp> transformed; // filters -> their transform
    SmallVector<linalg::Conv2DNchwFchwOp> convs;
    module.walk([&](linalg::Conv2DNchwFchwOp conv) { convs.push_back(conv); });
    for (linalg::Conv2DNchwFchwOp conv : convs) {
      auto load = conv.getInputs()[1].getDefiningOp<graph::GlobalLoadOp>();
      auto wType = cast<ShapedType>(conv.getInputs()[1].getType());
      auto yType = cast<ShapedType>(conv.getOutputs()[0].getType());
      if (!load || !wType.hasStaticShape() || !yType.hasStaticShape() || !wType.getElementType().isF32() ||
          !cast<ShapedType>(conv.getInputs()[0].getType()).getElementType().isF32() ||
          wType.getDimSize(2) != 3 || wType.getDimSize(3) != 3 || !conv.getStrides().isSplat() ||
          !conv.getDilations().isSplat() || conv.getStrides().getSplatValue<int64_t>() != 1 ||
          conv.getDilations().getSplatValue<int64_t>() != 1)
        continue;
      int64_t filters = wType.getDimSize(0), channels = wType.getDimSize(1);
      if (!profitable(filters, channels, yType.getDimSize(2), yType.getDimSize(3)))
        continue;
      auto global = symbols.lookup<graph::GlobalOp>(load.getGlobal());
      if (!global)
        continue;
      graph::GlobalOp filter = transformed.lookup(global);
      if (!filter) {
        std::optional<std::vector<float>> w = constantFloats(global.getValue());
        if (!w)
          continue;
        std::vector<float> u = transformFilters(*w, filters, channels);
        auto type = RankedTensorType::get({36, filters, channels}, wType.getElementType());
        filter = addDerivedWeight(symbols, global, "winograd", type, u);
        transformed[global] = filter;
      }
      OpBuilder b(conv);
      Location loc = conv.getLoc();
      Value u = graph::GlobalLoadOp::create(b, loc, filter.getType(), filter.getSymName());
      // A zero padding with static leading pads becomes the window origin.
      Value input = conv.getInputs()[0];
      int64_t top = 0, left = 0;
      if (tensor::PadOp pad = spatialZeroPad(input)) {
        ArrayRef<int64_t> low = pad.getStaticLow();
        if (!ShapedType::isDynamic(low[2]) && !ShapedType::isDynamic(low[3]))
          std::tie(input, top, left) = std::make_tuple(pad.getSource(), low[2], low[3]);
      }
      auto winograd = dispatch::WinogradConv2DOp::create(
          b, loc, TypeRange{yType}, input, u, conv.getOutputs()[0], arith::ConstantIndexOp::create(b, loc, -top),
          arith::ConstantIndexOp::create(b, loc, -left));
      conv->replaceAllUsesWith(winograd);
      conv.erase();
      if (load.use_empty())
        load.erase();
    }
    // Filters that only fed the convolutions rewritten here are no longer weights of the model.
    SmallVector<graph::GlobalOp> originals;
    for (auto [original, unused] : transformed)
      originals.push_back(original);
    eraseUnusedWeights(originals, module);
  }
};

} // namespace
} // namespace tessera::cpu
