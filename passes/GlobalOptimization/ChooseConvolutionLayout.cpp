//===- ChooseConvolutionLayout.cpp - channels-last where it cancels transposes --===//
//
// ONNX convolutions are NCHW, but models often run the ops around them channels-last: ConvNeXt
// transposes every depthwise convolution's output to NHWC for its LayerNorm and linear layers, and
// transposes the block's result back for the residual add, two copies of each activation per block.
// This pass computes a depthwise convolution channels-last when every user of its result wants it in
// NHWC (a transpose there, an op that goes channels-last on the way to one) or its input is already
// there, and carries the layout through elementwise ops whose operands are there, so the transposes
// around it cancel. Three steps over the function: what can be had channels-last without a transpose of
// its own (forward), what some or every user wants there (backward: only a real transpose or
// convolution creates demand, so a depthwise convolution followed by SiLU and NCHW ops stays as it is),
// then the choice and the rewrite (forward). A transpose is left where an NCHW op (a dense convolution, a
// pool) meets an NHWC value.
//
// A dense convolution goes channels-last the same way when its windows tile the input (kernel = strides,
// no padding: patch embeddings, ConvNeXt's stem and downsampling layers): it is then a
// product over positions, which the matmul microkernel runs on compile-time packed filters. Other dense
// convolutions stay NCHW: their microkernels are NCHW ones.
//
// The rewrite keeps each value's meaning: an op that goes channels-last gets a transpose back to NCHW
// for the users that stay there; those transposes vanish when no user is left.
//
#include "passes/GlobalOptimization/ConstantWeights.h"
#include "passes/Passes.h"

#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/IR/SymbolTable.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_CHOOSECONVOLUTIONLAYOUT
#include "passes/Passes.h.inc"

namespace {

constexpr int64_t kToChannelsLast[] = {0, 2, 3, 1};
constexpr int64_t kToChannelsFirst[] = {0, 3, 1, 2};

RankedTensorType rank4(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.getRank() == 4 ? type : nullptr;
}

/// `type` [N, C, H, W] as [N, H, W, C].
RankedTensorType channelsLast(RankedTensorType type) {
  ArrayRef<int64_t> s = type.getShape();
  return RankedTensorType::get({s[0], s[2], s[3], s[1]}, type.getElementType());
}

bool isTransposeOfRank4(Operation *op, ArrayRef<int64_t> perm) {
  auto transpose = dyn_cast<graph::TransposeOp>(op);
  return transpose && transpose.getPerm() == perm;
}

/// A 2-D f32 NCHW convolution with one filter per channel, whose weight is static.
bool isDepthwise(Operation *op) {
  auto conv = dyn_cast<graph::ConvOp>(op);
  if (!conv || conv.getChannelsLast())
    return false;
  auto input = rank4(conv.getInput()), weight = rank4(conv.getWeight());
  if (!input || !weight || !weight.hasStaticShape() || !input.getElementType().isF32())
    return false;
  int64_t channels = input.getDimSize(1);
  return !ShapedType::isDynamic(channels) && conv.getGroup() == channels && weight.getDimSize(0) == channels &&
         weight.getDimSize(1) == 1;
}

/// A 2-D f32 NCHW convolution whose windows tile its input exactly (kernel = strides > 1, no padding or
/// dilation, one group), with static shapes: a patch embedding, ConvNeXt's stem and downsampling
/// layers. Channels-last it is a product over positions: each window's [kh, kw, C] values are
/// contiguous after one space-to-depth copy, and the filters are a [kh * kw * C, F] weight the matmul
/// microkernel packs. (1x1 convolutions are left alone: CNNs are full of them, and whether a whole CNN
/// is faster channels-last is a question of its dense 3x3 convolutions, which have no NHWC kernel.)
bool isPatchify(Operation *op) {
  auto conv = dyn_cast<graph::ConvOp>(op);
  if (!conv || conv.getChannelsLast() || conv.getGroup() != 1)
    return false;
  auto input = rank4(conv.getInput()), weight = rank4(conv.getWeight());
  if (!input || !weight || !input.hasStaticShape() || !weight.hasStaticShape() || !input.getElementType().isF32() ||
      !weight.getElementType().isF32())
    return false;
  ArrayRef<int64_t> kernel = weight.getShape().drop_front(2);
  return conv.getStrides() == kernel && kernel[0] * kernel[1] > 1 && llvm::all_of(conv.getDilations(), [](int64_t d) { return d == 1; }) &&
         llvm::all_of(conv.getPads(), [](int64_t p) { return p == 0; }) && input.getDimSize(2) % kernel[0] == 0 &&
         input.getDimSize(3) % kernel[1] == 0;
}

/// Convolutions this pass can compute channels-last.
bool canGoChannelsLast(Operation *op) { return isDepthwise(op) || isPatchify(op); }

/// Whether `op`, going channels-last, reads its input transposed to NHWC (which later users may share). A
/// patchifying convolution reads an NCHW input through one transpose straight into its windows instead.
bool readsTransposedInput(Operation *op) { return isDepthwise(op); }

/// Elementwise ops whose operands and result may all be permuted alike (with numpy broadcasting).
bool isElementwise(Operation *op) {
  if (op->getNumResults() != 1 || !rank4(op->getResult(0)))
    return false;
  if (op->hasTrait<OpTrait::Elementwise>() && op->getNumOperands() == 1)
    return true;
  return isa<graph::AddOp, graph::SubOp, graph::MulOp, graph::DivOp, graph::MaxOp, graph::MinOp, graph::PowOp>(op);
}

/// The operands of `op` that are as large as its result (the others broadcast).
SmallVector<Value> fullOperands(Operation *op) {
  auto result = rank4(op->getResult(0));
  SmallVector<Value> full;
  for (Value v : op->getOperands())
    if (auto type = rank4(v); type && type.getShape() == result.getShape())
      full.push_back(v);
  return full;
}

/// Whether a broadcast operand can be permuted here (its dims known).
bool permutable(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.hasStaticShape() && type.getRank() <= 4;
}

struct LayoutPlanner {
  /// Values that can be had channels-last without a transpose of their own: a transpose back from NHWC,
  /// a value the model transposes to NHWC anyway, a depthwise convolution's result and the input of one
  /// transposed to NHWC right after, an elementwise op's over such values.
  llvm::DenseSet<Value> available;
  /// Values every user of which wants them channels-last, and values some user of which does.
  llvm::DenseSet<Value> wantedByAll, wantedBySome;
  /// The ops that go channels-last.
  llvm::DenseSet<Operation *> chosen;
  /// NCHW values -> the same data channels-last.
  llvm::DenseMap<Value, Value> channelsLastOf;
  /// (filters, layout) -> the filters laid out so (see hwcfFilters).
  llvm::DenseMap<std::pair<graph::GlobalOp, Type>, graph::GlobalOp> derivedFilters;

  /// Whether `use` wants its value channels-last: a transpose to NHWC, the input of a depthwise
  /// convolution or of a patchifying one whose result is wanted there, or an elementwise op whose result
  /// some user wants there. Only real demand counts (a
  /// transpose the model makes, a convolution that can go): an activation between a depthwise
  /// convolution and NCHW ops wants nothing, even though both could go channels-last together.
  bool wantsChannelsLast(OpOperand &use) {
    Operation *user = use.getOwner();
    if (isTransposeOfRank4(user, kToChannelsLast))
      return true;
    if (isDepthwise(user))
      return use.getOperandNumber() == 0;
    if (isPatchify(user)) // it goes when its result is wanted there
      return use.getOperandNumber() == 0 && wantedByAll.contains(user->getResult(0));
    return isElementwise(user) && wantedBySome.contains(user->getResult(0)) &&
           llvm::all_of(fullOperands(user), [&](Value v) { return available.contains(v); });
  }

  void findAvailable(Block &body) {
    for (Operation &op : body) {
      if (isTransposeOfRank4(&op, kToChannelsLast))
        available.insert(op.getOperand(0));
      else if (isTransposeOfRank4(&op, kToChannelsFirst))
        available.insert(op.getResult(0));
      else if (canGoChannelsLast(&op)) {
        available.insert(op.getResult(0));
        // Transposed to NHWC right after: the convolution goes channels-last, its input is transposed
        // once, and later users share that.
        if (readsTransposedInput(&op) &&
            llvm::any_of(op.getResult(0).getUsers(), [](Operation *u) { return isTransposeOfRank4(u, kToChannelsLast); }))
          available.insert(op.getOperand(0));
      }
      else if (isElementwise(&op) &&
               llvm::all_of(fullOperands(&op), [&](Value v) { return available.contains(v); }))
        available.insert(op.getResult(0));
    }
  }

  /// Users come after their operands: a backward walk sees every user's demand first.
  void findWanted(Block &body) {
    auto wants = [&](OpOperand &use) { return wantsChannelsLast(use); };
    for (Operation &op : llvm::reverse(body))
      for (Value result : op.getResults()) {
        if (!rank4(result) || result.use_empty())
          continue;
        if (llvm::all_of(result.getUses(), wants))
          wantedByAll.insert(result);
        if (llvm::any_of(result.getUses(), wants))
          wantedBySome.insert(result);
      }
  }

  /// Which ops go channels-last, in program order: a depthwise convolution whose input is there already,
  /// or whose users all take its result channels-last (its input is then transposed once, for every
  /// later user); an elementwise op whose full-size operands are all there, when a user takes its result
  /// channels-last or it joins two channels-last values. Neither adds a transpose: at worst one moves
  /// from an op's channels-last users to its NCHW ones.
  void choose(Block &body) {
    // Values the model transposes to NHWC anyway (an NCHW op's result, read channels-last too).
    llvm::DenseSet<Value> there;
    for (Operation &op : body)
      if (isTransposeOfRank4(&op, kToChannelsLast))
        there.insert(op.getOperand(0));
    for (Operation &op : body) {
      Value result = op.getNumResults() == 1 ? op.getResult(0) : Value();
      if (isTransposeOfRank4(&op, kToChannelsFirst)) {
        there.insert(result);
      } else if (canGoChannelsLast(&op)) {
        if (wantedByAll.contains(result) || there.contains(op.getOperand(0))) {
          chosen.insert(&op);
          there.insert(result);
          if (readsTransposedInput(&op))
            there.insert(op.getOperand(0)); // transposed here if it was not there, for later users too
        }
      } else if (isElementwise(&op)) {
        SmallVector<Value> full = fullOperands(&op);
        bool ready = !full.empty() && llvm::all_of(full, [&](Value v) { return there.contains(v); }) &&
                     llvm::all_of(op.getOperands(), [&](Value v) { return llvm::is_contained(full, v) || permutable(v); });
        if (ready && (wantedBySome.contains(result) || full.size() >= 2)) {
          chosen.insert(&op);
          there.insert(result);
        }
      }
    }
  }

  /// `op`'s channels-last result replaces its NCHW one, which its NCHW users get through a transpose.
  void replaceWithChannelsLast(OpBuilder &b, Operation *op, Value channelsLastResult) {
    Value result = op->getResult(0);
    b.setInsertionPointAfterValue(channelsLastResult);
    Value back = graph::TransposeOp::create(b, op->getLoc(), result.getType(), channelsLastResult,
                                            b.getDenseI64ArrayAttr(kToChannelsFirst));
    result.replaceAllUsesWith(back);
    channelsLastOf[back] = channelsLastResult;
    op->erase();
  }

  /// `v` channels-last: a value already there, else a transpose of it (which later users share).
  Value channelsLastValue(OpBuilder &b, Location loc, Value v) {
    Value &known = channelsLastOf[v];
    if (!known)
      known = graph::TransposeOp::create(b, loc, channelsLast(rank4(v)), v, b.getDenseI64ArrayAttr(kToChannelsLast));
    return known;
  }

  /// A broadcast operand `v` of an op going channels-last, permuted the same way (numpy alignment: its
  /// dims are the trailing ones of [N, C, H, W]); its dims are known (`permutable`).
  Value broadcastOperand(OpBuilder &b, Location loc, Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    if (llvm::all_of(type.getShape(), [](int64_t d) { return d == 1; }))
      return v; // a scalar in any layout
    SmallVector<int64_t> padded(4 - type.getRank(), 1);
    llvm::append_range(padded, type.getShape());
    SmallVector<int64_t> permuted{padded[0], padded[2], padded[3], padded[1]};
    auto nonUnit = [](ArrayRef<int64_t> s) { return llvm::to_vector(llvm::make_filter_range(s, [](int64_t d) { return d != 1; })); };
    auto reshape = [&](Value x, ArrayRef<int64_t> shape) -> Value {
      auto to = RankedTensorType::get(shape, type.getElementType());
      return graph::ReshapeOp::create(b, loc, to, x, Value(), b.getDenseI64ArrayAttr(shape), false);
    };
    // Moving only unit dims keeps the data's order: a reshape (a per-channel [C, 1, 1] becomes [1, 1, 1, C]).
    if (nonUnit(padded) == nonUnit(permuted))
      return reshape(v, permuted);
    Value full = type.getRank() == 4 ? v : reshape(v, padded);
    return graph::TransposeOp::create(b, loc, RankedTensorType::get(permuted, type.getElementType()), full,
                                      b.getDenseI64ArrayAttr(kToChannelsLast));
  }

  /// The filters [F, C, kh, kw] laid out as [kh, kw, C, F] (w[f, c, i, j] at ((i * kw + j) * C + c) * F +
  /// f), stored with the shape of `type` ([kh, kw, C, F] for a depthwise convolution, [kh * kw * C, F] for
  /// a product): a weight derived now when they are constant (convolutions sharing filters share it),
  /// else a transpose (and reshape) at run time.
  Value hwcfFilters(OpBuilder &b, Location loc, Value weight, RankedTensorType type, SymbolTable &symbols) {
    ArrayRef<int64_t> w = rank4(weight).getShape();
    int64_t filters = w[0], channels = w[1], taps = w[2] * w[3];
    auto load = weight.getDefiningOp<graph::GlobalLoadOp>();
    graph::GlobalOp global = load ? symbols.lookup<graph::GlobalOp>(load.getGlobal()) : graph::GlobalOp();
    graph::GlobalOp derived = global ? derivedFilters.lookup({global, type}) : graph::GlobalOp();
    std::optional<std::vector<float>> values =
        global && !derived ? constantFloats(weight, symbols) : std::nullopt;
    if (values && int64_t(values->size()) == filters * channels * taps) {
      std::vector<float> permuted(values->size());
      for (int64_t f = 0; f < filters; ++f)
        for (int64_t c = 0; c < channels; ++c)
          for (int64_t t = 0; t < taps; ++t)
            permuted[(t * channels + c) * filters + f] = (*values)[(f * channels + c) * taps + t];
      derived = addDerivedWeight(symbols, global, type.getRank() == 4 ? "hwcf" : "matrix", type, permuted);
      derivedFilters[{global, type}] = derived;
    }
    if (derived)
      return graph::GlobalLoadOp::create(b, loc, type, derived.getSymName());
    auto hwcf = RankedTensorType::get({w[2], w[3], channels, filters}, type.getElementType());
    Value transposed = graph::TransposeOp::create(b, loc, hwcf, weight, b.getDenseI64ArrayAttr({2, 3, 1, 0}));
    if (type == hwcf)
      return transposed;
    return graph::ReshapeOp::create(b, loc, type, transposed, Value(), b.getDenseI64ArrayAttr(type.getShape()),
                                    false);
  }

  void convertDepthwise(OpBuilder &b, graph::ConvOp conv, SymbolTable &symbols) {
    b.setInsertionPoint(conv);
    Location loc = conv.getLoc();
    Value input = channelsLastValue(b, loc, conv.getInput());
    ArrayRef<int64_t> w = rank4(conv.getWeight()).getShape(); // [C, 1, kh, kw]
    auto hwcf = RankedTensorType::get({w[2], w[3], w[1], w[0]}, b.getF32Type());
    Value filters = hwcfFilters(b, loc, conv.getWeight(), hwcf, symbols);
    auto converted = graph::ConvOp::create(b, loc, channelsLast(rank4(conv.getResult())), input, filters,
                                           conv.getBias(), conv.getStridesAttr(), conv.getDilationsAttr(),
                                           conv.getPadsAttr(), conv.getGroupAttr(), b.getUnitAttr());
    replaceWithChannelsLast(b, conv, converted.getResult());
  }

  /// A patchifying convolution channels-last: its windows [N, OH, OW, kh, kw, C] (one transpose, of the
  /// NHWC input split as [N, OH, kh, OW, kw, C] or of the NCHW one as [N, C, OH, kh, OW, kw]) as
  /// [N, OH, OW, kh * kw * C], times the filters as a [kh * kw * C, F] matrix (w[f, c, i, j] at
  /// row (i * kw + j) * C + c), plus the bias.
  void convertPatchify(OpBuilder &b, graph::ConvOp conv, SymbolTable &symbols) {
    b.setInsertionPoint(conv);
    Location loc = conv.getLoc();
    Type f32 = b.getF32Type();
    auto reshape = [&](Value v, ArrayRef<int64_t> shape) -> Value {
      return graph::ReshapeOp::create(b, loc, RankedTensorType::get(shape, f32), v, Value(),
                                      b.getDenseI64ArrayAttr(shape), false);
    };
    ArrayRef<int64_t> w = rank4(conv.getWeight()).getShape();
    int64_t filters = w[0], channels = w[1], kh = w[2], kw = w[3];
    Value input = conv.getInput();
    ArrayRef<int64_t> in = rank4(input).getShape(); // [N, C, H, W]
    int64_t n = in[0], oh = in[2] / kh, ow = in[3] / kw, depth = kh * kw * channels;
    // [N, OH, OW, kh, kw, C] in one copy: from the NHWC value where there is one, else from the NCHW one.
    auto windows = RankedTensorType::get({n, oh, ow, kh, kw, channels}, f32);
    Value x;
    if (Value known = channelsLastOf.lookup(input))
      x = graph::TransposeOp::create(b, loc, windows, reshape(known, {n, oh, kh, ow, kw, channels}),
                                     b.getDenseI64ArrayAttr({0, 1, 3, 2, 4, 5}));
    else
      x = graph::TransposeOp::create(b, loc, windows, reshape(input, {n, channels, oh, kh, ow, kw}),
                                     b.getDenseI64ArrayAttr({0, 2, 4, 3, 5, 1}));
    Value patches = reshape(x, {n, oh, ow, depth});
    Value weights = hwcfFilters(b, loc, conv.getWeight(), RankedTensorType::get({depth, filters}, f32), symbols);
    auto outType = RankedTensorType::get({n, oh, ow, filters}, f32);
    Value y = graph::MatMulOp::create(b, loc, outType, patches, weights);
    if (conv.getBias())
      y = graph::AddOp::create(b, loc, outType, y, conv.getBias());
    replaceWithChannelsLast(b, conv, y);
  }

  /// An elementwise op channels-last: its full-size operands are there already, the others broadcast.
  void convertElementwise(OpBuilder &b, Operation *op) {
    SmallVector<Value> full = fullOperands(op);
    b.setInsertionPoint(op);
    IRMapping operands;
    for (Value v : op->getOperands())
      operands.map(v, llvm::is_contained(full, v) ? channelsLastOf.lookup(v) : broadcastOperand(b, op->getLoc(), v));
    Operation *converted = b.clone(*op, operands);
    converted->getResult(0).setType(channelsLast(rank4(op->getResult(0))));
    replaceWithChannelsLast(b, op, converted->getResult(0));
  }

  void run(func::FuncOp func, SymbolTable &symbols) {
    Block &body = func.getBody().front();
    findAvailable(body);
    findWanted(body);
    choose(body);
    OpBuilder b(func.getContext());
    // A transpose to NHWC of a value that stays NCHW moves up to that value, so every user of the value
    // can read it instead; the first one stands for all. (Values that go channels-last, or come back
    // from there, are mapped as the walk below rewrites them.)
    for (Operation &op : llvm::make_early_inc_range(body)) {
      if (!isTransposeOfRank4(&op, kToChannelsLast))
        continue;
      Value input = op.getOperand(0);
      Operation *def = input.getDefiningOp();
      if (def && (chosen.contains(def) || isTransposeOfRank4(def, kToChannelsFirst)))
        continue;
      if (Value first = channelsLastOf.lookup(input)) {
        op.getResult(0).replaceAllUsesWith(first);
        op.erase();
        continue;
      }
      if (def)
        op.moveAfter(def);
      else
        op.moveBefore(&body.front());
      channelsLastOf[input] = op.getResult(0);
    }
    SmallVector<Operation *> ops = llvm::map_to_vector(body, [](Operation &op) { return &op; });
    for (Operation *op : ops) {
      if (isTransposeOfRank4(op, kToChannelsFirst)) {
        channelsLastOf[op->getResult(0)] = op->getOperand(0);
      } else if (isTransposeOfRank4(op, kToChannelsLast)) {
        Value known = channelsLastOf.lookup(op->getOperand(0));
        if (known && known != op->getResult(0)) {
          op->getResult(0).replaceAllUsesWith(known);
          op->erase();
        }
      } else if (chosen.contains(op)) {
        if (isDepthwise(op))
          convertDepthwise(b, cast<graph::ConvOp>(op), symbols);
        else if (isPatchify(op))
          convertPatchify(b, cast<graph::ConvOp>(op), symbols);
        else
          convertElementwise(b, op);
      }
    }
    // Transposes back to NCHW that no user needed, and what only they or the old ops read.
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
      if (isOpTriviallyDead(&op))
        op.erase();
  }
};

struct ChooseConvolutionLayoutPass : impl::ChooseConvolutionLayoutBase<ChooseConvolutionLayoutPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<graph::GlobalOp> globals = llvm::to_vector(module.getOps<graph::GlobalOp>());
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal())
        LayoutPlanner().run(func, symbols);
    eraseUnusedWeights(globals, module);
  }
};

} // namespace
} // namespace tessera
