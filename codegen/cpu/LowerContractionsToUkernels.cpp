//===- LowerContractionsToUkernels.cpp - f32 matmuls -> the sgemm microkernel --===//
//
// A bufferized f32 contraction (one m, one n and one k dimension after dropping unit dims, any number of
// batch dims) becomes a loop over its batch dims around a call to `tsr_ukernel_sgemm_f32`
// (ukernels/sgemm.c), which reads A and B through their element strides, so transposed operands and
// subviews need no copy. The microkernel is linked into the kernels as bitcode and compiled for the
// artifact's CPU (ObjectEmitter). A zero fill of the output right before the contraction is folded into
// the call (it overwrites instead of accumulating). What does not match stays on the loop path.
// `tdisp.packed_matmul` (a constant B laid out in panels when the model was compiled) calls
// `tsr_ukernel_sgemm_packed_f32`, which reads the panels in place.
//
#include "codegen/cpu/Passes.h"
#include "codegen/cpu/ukernels/workspace.h"

#include "dialects/Dispatch/IR/DispatchOps.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace tessera::cpu {
#define GEN_PASS_DEF_LOWERCONTRACTIONSTOUKERNELS
#include "codegen/cpu/Passes.h.inc"

bool isConvolutionInput(Operation *user, Value v) {
  return isa<linalg::Conv2DNchwFchwOp, linalg::DepthwiseConv2DNchwChwOp, linalg::DepthwiseConv2DNhwcHwcOp>(user) &&
         cast<linalg::LinalgOp>(user).getDpsInputOperand(0)->get() == v;
}

namespace {

constexpr llvm::StringLiteral kSgemm = "tsr_ukernel_sgemm_f32";
constexpr llvm::StringLiteral kConv2d = "tsr_ukernel_conv2d_nchw_f32";
constexpr llvm::StringLiteral kDepthwise = "tsr_ukernel_depthwise_conv2d_nchw_f32";
constexpr llvm::StringLiteral kDepthwiseChannelsLast = "tsr_ukernel_depthwise_conv2d_nhwc_f32";
constexpr llvm::StringLiteral kMaxPool = "tsr_ukernel_max_pool2d_nchw_f32";
constexpr llvm::StringLiteral kWinograd = "tsr_ukernel_conv2d_winograd_f43_nchw_f32";
constexpr llvm::StringLiteral kSgemmPacked = "tsr_ukernel_sgemm_packed_f32";

/// The loop dims of a contraction that matter: unit dims dropped, exactly one m, n and k.
struct GemmDims {
  SmallVector<unsigned> batch;
  unsigned m = 0, n = 0, k = 0;
};

FailureOr<GemmDims> gemmDims(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op))
    return failure();
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.getElementType().isF32())
      return failure();
  }
  auto dims = linalg::inferContractionDims(op);
  if (failed(dims))
    return failure();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto nonUnit = [&](ArrayRef<unsigned> list) {
    SmallVector<unsigned> out;
    for (unsigned d : list)
      if (ranges[d] != 1)
        out.push_back(d);
    return out;
  };
  SmallVector<unsigned> m = nonUnit(dims->m), n = nonUnit(dims->n), k = nonUnit(dims->k);
  // A loop dim of extent 1 still needs a role: take the innermost candidate.
  auto pick = [](SmallVector<unsigned> &chosen, ArrayRef<unsigned> all) {
    if (chosen.empty() && !all.empty())
      chosen.push_back(all.back());
  };
  pick(m, dims->m);
  pick(n, dims->n);
  pick(k, dims->k);
  if (m.empty() || n.empty() || k.size() != 1)
    return failure();
  GemmDims out;
  // The innermost m and n loops go to the microkernel; every other parallel loop (batch dims, and m or n
  // dims that one operand broadcasts, as in numpy matmul) becomes a loop around the call.
  out.m = m.back();
  out.n = n.back();
  out.k = k[0];
  for (unsigned d = 0; d < op.getNumLoops(); ++d)
    if (d != out.m && d != out.n && d != out.k) {
      if (llvm::is_contained(dims->k, d) && ranges[d] != 1)
        return failure(); // a second reduction dim
      out.batch.push_back(d);
    }
  return out;
}

/// Position of loop dim `d` among the results of `map`, if it indexes the operand.
std::optional<unsigned> resultOf(AffineMap map, unsigned d) {
  for (auto [i, e] : llvm::enumerate(map.getResults()))
    if (auto dim = dyn_cast<AffineDimExpr>(e); dim && dim.getPosition() == d)
      return i;
  return std::nullopt;
}

/// A fill of `buffer` right before `op` (only side-effect-free ops and new allocations, such as the call's
/// workspace, in between) whose value `isValue` accepts: the microkernel then overwrites `buffer` instead
/// of folding into it.
linalg::FillOp fillBefore(Operation *op, Value buffer, function_ref<bool(Value)> isValue) {
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    if (auto fill = dyn_cast<linalg::FillOp>(prev))
      return fill.getOutputs()[0] == buffer && isValue(fill.getInputs()[0]) ? fill : linalg::FillOp();
    if (!isPure(prev) && !isa<memref::AllocOp>(prev))
      return {};
  }
  return {};
}

bool isZero(Value v) { return matchPattern(v, m_AnyZeroFloat()); }

bool isNegativeInfinity(Value v) {
  FloatAttr value;
  return matchPattern(v, m_Constant(&value)) && value.getValue().isInfinity() && value.getValue().isNegative();
}

/// `name(index x indexArgs, i32)`, declared once in `module`.
func::FuncOp declareUkernel(ModuleOp module, StringRef name, unsigned indexArgs) {
  if (auto fn = module.lookupSymbol<func::FuncOp>(name))
    return fn;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  SmallVector<Type> args(indexArgs, b.getIndexType());
  args.push_back(b.getI32Type());
  auto fn = func::FuncOp::create(b, module.getLoc(), name, b.getFunctionType(args, {}));
  fn.setPrivate();
  return fn;
}

/// The address of a workspace of `bytes` for the microkernel calls that replace `op`, allocated before it
/// and freed after it: tessera-cpu-place-temporaries-in-scratch makes it a view of the worker's scratch,
/// so the microkernels' packing buffers need no stack (codegen/cpu/ukernels/workspace.h).
Value workspaceFor(Operation *op, int64_t bytes) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  auto alloc = memref::AllocOp::create(b, loc, MemRefType::get({bytes}, b.getI8Type()), b.getI64IntegerAttr(64));
  Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, alloc);
  b.setInsertionPointAfter(op);
  memref::DeallocOp::create(b, loc, alloc);
  return address;
}

/// Base address, offset and strides of a memref, as index values.
struct Operand {
  Value pointer, offset;
  SmallVector<Value> strides;
  AffineMap map;
};

Operand describe(OpBuilder &b, Location loc, Value memref, AffineMap map = {}) {
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  Operand o;
  o.pointer = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  o.offset = meta.getOffset();
  o.strides.assign(meta.getStrides().begin(), meta.getStrides().end());
  o.map = map;
  return o;
}

/// Strides of `memref` (ShapedType::kDynamic where only known at run time), or failure when its layout is
/// not strided.
FailureOr<SmallVector<int64_t>> layoutStrides(Value memref) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(cast<MemRefType>(memref.getType()).getStridesAndOffset(strides, offset)))
    return failure();
  return strides;
}

/// The image a convolution reads. Usually its input; but when the input is (a window of) a zero-padded
/// copy made in this kernel -- an allocation, a zero fill, and one copy of a source into its interior --
/// the source itself, with the window's start relative to it (negative in the padding). The microkernels
/// read zeros outside the source, so the copy becomes dead.
struct Image {
  Value memref;
  SmallVector<OpFoldResult> start; // per dim
  memref::AllocOp paddedCopy;      // the padded allocation this replaces, if any
};

/// The copy writing all of `view`, if exactly one op writes it.
Operation *soleCopyInto(Value view) {
  Operation *copy = nullptr;
  for (Operation *user : view.getUsers()) {
    bool writes = (isa<linalg::CopyOp>(user) && cast<linalg::CopyOp>(user).getOutputs()[0] == view) ||
                  (isa<memref::CopyOp>(user) && cast<memref::CopyOp>(user).getTarget() == view);
    if (!writes || copy)
      return nullptr;
    copy = user;
  }
  return copy;
}

/// A zero-padded copy that `input` reads a window of: what was copied in, the window's offsets in the
/// copy, the interior's (where the source went, all constants) and the allocation.
struct PaddedCopy {
  Value source;
  SmallVector<OpFoldResult> windowOffsets;
  SmallVector<int64_t> interiorOffsets;
  memref::AllocOp alloc;
};

std::optional<PaddedCopy> paddedCopyOf(Value input) {
  Value base = input;
  SmallVector<OpFoldResult> offsets(4, OpFoldResult(IntegerAttr::get(IndexType::get(input.getContext()), 0)));
  if (auto window = input.getDefiningOp<memref::SubViewOp>()) {
    if (!window.hasUnitStride() || window.getSourceType().getRank() != 4 || window.getType().getRank() != 4)
      return std::nullopt;
    base = window.getSource();
    offsets = window.getMixedOffsets();
  }
  auto alloc = base.getDefiningOp<memref::AllocOp>();
  if (!alloc)
    return std::nullopt;
  linalg::FillOp fill;
  Operation *copy = nullptr;
  memref::SubViewOp interior;
  for (Operation *user : alloc->getUsers()) {
    if (isa<memref::DeallocOp>(user) || isConvolutionInput(user, base))
      continue;
    if (auto f = dyn_cast<linalg::FillOp>(user)) {
      if (fill || f.getOutputs()[0] != base || !isZero(f.getInputs()[0]))
        return std::nullopt;
      fill = f;
      continue;
    }
    auto view = dyn_cast<memref::SubViewOp>(user);
    if (!view)
      return std::nullopt;
    if (Operation *writer = soleCopyInto(view)) {
      if (copy)
        return std::nullopt;
      copy = writer;
      interior = view;
      continue;
    }
    if (!llvm::all_of(view->getUsers(), [&](Operation *u) { return isConvolutionInput(u, view); }))
      return std::nullopt;
  }
  if (!fill || !copy || fill->getBlock() != copy->getBlock() || !fill->isBeforeInBlock(copy) ||
      copy->getBlock() != input.getParentBlock() || !interior.hasUnitStride())
    return std::nullopt;
  Value source = copy->getOperand(0);
  if (cast<MemRefType>(source.getType()).getShape() != interior.getType().getShape())
    return std::nullopt;
  SmallVector<int64_t> inner;
  for (OpFoldResult offset : interior.getMixedOffsets()) {
    auto constant = getConstantIntValue(offset);
    if (!constant)
      return std::nullopt;
    inner.push_back(*constant);
  }
  return PaddedCopy{source, offsets, inner, alloc};
}

/// The memref a convolution reading `input` gets as its image (nothing is built).
Value imageMemrefOf(Value input) {
  std::optional<PaddedCopy> padded = paddedCopyOf(input);
  return padded ? padded->source : input;
}

Image imageOf(OpBuilder &b, Value input) {
  std::optional<PaddedCopy> padded = paddedCopyOf(input);
  if (!padded)
    return Image{input, SmallVector<OpFoldResult>(4, b.getIndexAttr(0)), {}};
  // Where the window starts in the source: its offset in the copy minus the interior's.
  Image image{padded->source, {}, padded->alloc};
  Location loc = input.getLoc();
  for (auto [window, inner] : llvm::zip(padded->windowOffsets, padded->interiorOffsets)) {
    Value at = getValueOrCreateConstantIndexOp(b, loc, window);
    image.start.push_back(b.createOrFold<arith::SubIOp>(loc, at, arith::ConstantIndexOp::create(b, loc, inner)));
  }
  return image;
}

/// Erases a padded copy that no convolution reads any more.
void eraseIfDead(memref::AllocOp alloc) {
  SmallVector<Operation *> dead;
  for (Operation *user : alloc->getUsers()) {
    if (isa<linalg::FillOp, memref::DeallocOp>(user)) {
      dead.push_back(user);
      continue;
    }
    auto view = dyn_cast<memref::SubViewOp>(user);
    if (!view)
      return;
    for (Operation *u : view->getUsers()) {
      if (!isa<linalg::CopyOp, memref::CopyOp>(u) || u->getOperand(1) != view.getResult())
        return;
      dead.push_back(u);
    }
    dead.push_back(view);
  }
  for (Operation *op : dead)
    op->erase();
  alloc->erase();
}

int64_t element(DenseIntElementsAttr a, int i) { return *(a.getValues<int64_t>().begin() + i); }

/// What a convolution microkernel call needs besides the per-image offsets.
struct ImageCall {
  OpBuilder &b;
  Location loc;
  Image image;
  Operand x, w, y;
  Value accumulate;
  Value workspace; // the call's workspace address, for microkernels that take one
  bool channelsLast = false; // NHWC: rows and columns are dims 1 and 2, channels dim 3
  Value constant(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value dim(Value memref, int64_t d) { return b.createOrFold<memref::DimOp>(loc, memref, d); }
  Value start(unsigned d) { return getValueOrCreateConstantIndexOp(b, loc, image.start[d]); }
  /// Window strides and dilations, then the image: pointer, this image's offset, channel/row/column strides.
  SmallVector<Value> input(DenseIntElementsAttr strides, DenseIntElementsAttr dilations, Value xOffset) {
    return {constant(element(strides, 0)), constant(element(strides, 1)), constant(element(dilations, 0)),
            constant(element(dilations, 1)), x.pointer, xOffset, x.strides[1], x.strides[2], x.strides[3]};
  }
  /// The image's extent and where the windows start in it (height, width, row0, col0).
  SmallVector<Value> window() {
    unsigned row = channelsLast ? 1 : 2;
    return {dim(image.memref, row), dim(image.memref, row + 1), start(row), start(row + 1)};
  }
};

/// The shared part of lowering an NCHW convolution or pool `conv` (inputs x, w; output y; all f32 memrefs):
/// a loop over images around `name`, whose arguments `args` builds from the call state and the image's x
/// and y offsets. A fill of y right before with the value the op starts from (`isInitial`) is folded into
/// the call; a padded copy of x made in the kernel is read through the image it copies. A pool's w only
/// carries the window's shape (`describeWeights` false): nothing reads it.
template <typename ConvOp>
LogicalResult lowerImageLoop(ConvOp conv, StringRef name, unsigned indexArgs, function_ref<bool(Value)> isInitial,
                             bool describeWeights, int64_t workspaceBytes,
                             function_ref<SmallVector<Value>(ImageCall &, Value, Value)> args,
                             bool channelsLast = false) {
  Value x = conv.getInputs()[0], w = conv.getInputs()[1], y = conv.getOutputs()[0];
  Value workspace = workspaceBytes ? workspaceFor(conv, workspaceBytes) : Value();
  OpBuilder b(conv);
  Location loc = conv.getLoc();
  Image image = imageOf(b, x);
  ImageCall call{b, loc, image, describe(b, loc, image.memref), describeWeights ? describe(b, loc, w) : Operand(),
                 describe(b, loc, y), Value(), workspace, channelsLast};
  linalg::FillOp fill = fillBefore(conv, y, isInitial);
  call.accumulate = arith::ConstantIntOp::create(b, loc, b.getI32Type(), fill ? 0 : 1);
  func::FuncOp ukernel = declareUkernel(conv->template getParentOfType<ModuleOp>(), name, indexArgs);
  // The window's batch and channel start move the image's base (they are never in the padding).
  unsigned channelDim = channelsLast ? 3 : 1;
  Value xBase = arith::AddIOp::create(
      b, loc, call.x.offset,
      arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, call.start(0), call.x.strides[0]),
                            arith::MulIOp::create(b, loc, call.start(channelDim), call.x.strides[channelDim])));
  auto loop = scf::ForOp::create(b, loc, call.constant(0), call.dim(y, 0), call.constant(1));
  b.setInsertionPointToStart(loop.getBody());
  Value n = loop.getInductionVar();
  Value xOffset = arith::AddIOp::create(b, loc, xBase, arith::MulIOp::create(b, loc, n, call.x.strides[0]));
  Value yOffset = arith::AddIOp::create(b, loc, call.y.offset, arith::MulIOp::create(b, loc, n, call.y.strides[0]));
  func::CallOp::create(b, loc, ukernel, args(call, xOffset, yOffset));
  if (fill)
    fill.erase();
  conv.erase();
  if (image.paddedCopy)
    eraseIfDead(image.paddedCopy);
  return success();
}

bool allF32Memrefs(ValueRange values) {
  return llvm::all_of(values, [](Value v) {
    auto type = dyn_cast<MemRefType>(v.getType());
    return type && type.getElementType().isF32();
  });
}

/// A 2-D NCHW f32 convolution (on an already padded input) -> the convolution microkernel, when the weights
/// are contiguous per filter and the output rows of a filter are contiguous.
LogicalResult lowerConv(linalg::Conv2DNchwFchwOp conv) {
  Value x = conv.getInputs()[0], w = conv.getInputs()[1], y = conv.getOutputs()[0];
  if (!allF32Memrefs({x, w, y}))
    return failure();
  auto wStrides = layoutStrides(w), yStrides = layoutStrides(y);
  auto wType = cast<MemRefType>(w.getType()), yType = cast<MemRefType>(y.getType());
  if (failed(wStrides) || failed(yStrides) || wType.isDynamicDim(2) || wType.isDynamicDim(3) ||
      yType.isDynamicDim(3))
    return failure();
  int64_t kh = wType.getDimSize(2), kw = wType.getDimSize(3), ow = yType.getDimSize(3);
  if ((*wStrides)[3] != 1 || (*wStrides)[2] != kw || (*wStrides)[1] != kh * kw || (*yStrides)[3] != 1 ||
      (*yStrides)[2] != ow)
    return failure();
  auto strides = conv.getStrides(), dilations = conv.getDilations();
  auto config = conv->getParentOfType<func::FuncOp>()->getAttrOfType<dispatch::LoweringConfigAttr>(
      dispatch::kLoweringConfigAttr);
  bool direct = config && config.getStrategy() == dispatch::KernelStrategy::conv2d_direct;
  return lowerImageLoop(conv, kConv2d, 26, isZero, true, TSR_UKERNEL_CONV2D_WORKSPACE_BYTES,
                        [&](ImageCall &c, Value xOffset, Value yOffset) {
    SmallVector<Value> args{c.dim(y, 1), c.dim(x, 1), c.constant(kh), c.constant(kw), c.dim(y, 2), c.constant(ow)};
    llvm::append_range(args, c.input(strides, dilations, xOffset));
    llvm::append_range(args, c.window());
    // Flags (sgemm.c): bit 0 accumulate, bit 1 the direct path.
    Value flags = c.accumulate;
    if (direct)
      flags = arith::ConstantIntOp::create(c.b, c.loc, c.b.getI32Type(), *getConstantIntValue(c.accumulate) | 2);
    llvm::append_range(args, SmallVector<Value>{c.w.pointer, c.w.offset, c.w.strides[0], c.y.pointer, yOffset,
                                                c.y.strides[1], c.workspace, flags});
    return args;
  });
}

/// A 2-D NCHW f32 depthwise convolution (padded input) -> its microkernel, when the output rows are
/// contiguous.
LogicalResult lowerDepthwise(linalg::DepthwiseConv2DNchwChwOp conv) {
  Value x = conv.getInputs()[0], w = conv.getInputs()[1], y = conv.getOutputs()[0];
  if (!allF32Memrefs({x, w, y}))
    return failure();
  auto yStrides = layoutStrides(y);
  if (failed(yStrides) || (*yStrides)[3] != 1)
    return failure();
  auto strides = conv.getStrides(), dilations = conv.getDilations();
  return lowerImageLoop(conv, kDepthwise, 28, isZero, true, TSR_UKERNEL_DEPTHWISE_WORKSPACE_BYTES,
                        [&](ImageCall &c, Value xOffset, Value yOffset) {
    SmallVector<Value> args{c.dim(y, 1), c.dim(w, 1), c.dim(w, 2), c.dim(y, 2), c.dim(y, 3)};
    llvm::append_range(args, c.input(strides, dilations, xOffset));
    llvm::append_range(args, c.window());
    llvm::append_range(args, SmallVector<Value>{c.w.pointer, c.w.offset, c.w.strides[0], c.w.strides[1],
                                                c.w.strides[2], c.y.pointer, yOffset, c.y.strides[1],
                                                c.y.strides[2], c.workspace, c.accumulate});
    return args;
  });
}

/// A 2-D NHWC f32 depthwise convolution (padded input) -> its microkernel, when the channels are
/// contiguous in the image, the filters and the output.
LogicalResult lowerDepthwiseChannelsLast(linalg::DepthwiseConv2DNhwcHwcOp conv) {
  Value x = conv.getInputs()[0], w = conv.getInputs()[1], y = conv.getOutputs()[0];
  if (!allF32Memrefs({x, w, y}))
    return failure();
  auto xStrides = layoutStrides(imageMemrefOf(x)), wStrides = layoutStrides(w), yStrides = layoutStrides(y);
  if (failed(xStrides) || failed(wStrides) || failed(yStrides) || (*xStrides)[3] != 1 || (*wStrides)[2] != 1 ||
      (*yStrides)[3] != 1)
    return failure();
  auto strides = conv.getStrides(), dilations = conv.getDilations();
  return lowerImageLoop(
      conv, kDepthwiseChannelsLast, 26, isZero, true, TSR_UKERNEL_DEPTHWISE_WORKSPACE_BYTES,
      [&](ImageCall &c, Value xOffset, Value yOffset) {
        SmallVector<Value> args{c.dim(y, 3), c.dim(w, 0), c.dim(w, 1), c.dim(y, 1), c.dim(y, 2),
                                c.constant(element(strides, 0)), c.constant(element(strides, 1)),
                                c.constant(element(dilations, 0)), c.constant(element(dilations, 1)),
                                c.x.pointer, xOffset, c.x.strides[1], c.x.strides[2]};
        llvm::append_range(args, c.window());
        llvm::append_range(args, SmallVector<Value>{c.w.pointer, c.w.offset, c.w.strides[0], c.w.strides[1],
                                                    c.y.pointer, yOffset, c.y.strides[1], c.y.strides[2],
                                                    c.workspace, c.accumulate});
        return args;
      },
      /*channelsLast=*/true);
}

/// A 2-D NCHW f32 max pool (padded input) -> its microkernel, when the output rows are contiguous. The
/// window operand's buffer, which only carried the window's shape, goes with the op.
LogicalResult lowerMaxPool(linalg::PoolingNchwMaxOp pool) {
  Value x = pool.getInputs()[0], window = pool.getInputs()[1], y = pool.getOutputs()[0];
  if (!allF32Memrefs({x, window, y}))
    return failure();
  auto yStrides = layoutStrides(y);
  auto windowType = cast<MemRefType>(window.getType());
  if (failed(yStrides) || (*yStrides)[3] != 1 || !windowType.hasStaticShape())
    return failure();
  auto strides = pool.getStrides(), dilations = pool.getDilations();
  auto alloc = window.getDefiningOp<memref::AllocOp>();
  auto arguments = [&](ImageCall &c, Value xOffset, Value yOffset) {
    SmallVector<Value> args{c.dim(y, 1), c.constant(windowType.getDimSize(0)), c.constant(windowType.getDimSize(1)),
                            c.dim(y, 2), c.dim(y, 3)};
    llvm::append_range(args, c.input(strides, dilations, xOffset));
    llvm::append_range(args, SmallVector<Value>{c.y.pointer, yOffset, c.y.strides[1], c.y.strides[2], c.accumulate});
    return args;
  };
  if (failed(lowerImageLoop(pool, kMaxPool, 18, isNegativeInfinity, false, /*workspaceBytes=*/0, arguments)))
    return failure();
  if (alloc && llvm::all_of(alloc->getUsers(), [](Operation *u) { return isa<memref::DeallocOp>(u); })) {
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      user->erase();
    alloc->erase();
  }
  return success();
}

/// A Winograd convolution on buffers -> a loop over images around its microkernel, which reads the
/// image and the transformed filters through their strides (tiles are subviews) and needs whole output
/// rows and filter rows contiguous.
LogicalResult lowerWinograd(dispatch::WinogradConv2DOp op) {
  Value x = op.getInput(), u = op.getFilter(), y = op.getInit();
  if (!allF32Memrefs({x, u, y}))
    return failure();
  auto yStrides = layoutStrides(y), uStrides = layoutStrides(u);
  if (failed(yStrides) || (*yStrides)[3] != 1 || failed(uStrides) || (*uStrides)[2] != 1)
    return failure();
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto cst = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  auto dim = [&](Value memref, int64_t d) -> Value { return b.createOrFold<memref::DimOp>(loc, memref, d); };
  Operand X = describe(b, loc, x), U = describe(b, loc, u), Y = describe(b, loc, y);
  linalg::FillOp fill = fillBefore(op, y, isZero);
  Value accumulate = arith::ConstantIntOp::create(b, loc, b.getI32Type(), fill ? 0 : 1);
  Value workspace = workspaceFor(op, TSR_UKERNEL_WINOGRAD_WORKSPACE_BYTES);
  func::FuncOp ukernel = declareUkernel(op->getParentOfType<ModuleOp>(), kWinograd, 22);
  auto loop = scf::ForOp::create(b, loc, cst(0), dim(y, 0), cst(1));
  b.setInsertionPointToStart(loop.getBody());
  Value n = loop.getInductionVar();
  Value xOffset = arith::AddIOp::create(b, loc, X.offset, arith::MulIOp::create(b, loc, n, X.strides[0]));
  Value yOffset = arith::AddIOp::create(b, loc, Y.offset, arith::MulIOp::create(b, loc, n, Y.strides[0]));
  func::CallOp::create(b, loc, ukernel,
                       ValueRange{dim(y, 1), dim(u, 2), dim(y, 2), dim(y, 3), X.pointer, xOffset, X.strides[1],
                                  X.strides[2], X.strides[3], dim(x, 2), dim(x, 3), op.getRow(), op.getCol(),
                                  U.pointer, U.offset, U.strides[0], U.strides[1], Y.pointer, yOffset,
                                  Y.strides[1], Y.strides[2], workspace, accumulate});
  if (fill)
    fill.erase();
  op.erase();
  return success();
}

/// A product with a packed right operand on buffers -> its microkernel, in a loop over the leading dims
/// that do not fold into the rows (the rows of a [B, S, K] input that is contiguous are B * S rows). The
/// result must be contiguous along its columns and the packed operand contiguous.
LogicalResult lowerPackedMatmul(dispatch::PackedMatmulOp op) {
  Value lhs = op.getLhs(), packed = op.getPacked(), init = op.getInit();
  if (!allF32Memrefs({lhs, packed, init}))
    return failure();
  auto lhsStrides = layoutStrides(lhs), initStrides = layoutStrides(init), packedStrides = layoutStrides(packed);
  auto lhsType = cast<MemRefType>(lhs.getType()), initType = cast<MemRefType>(init.getType());
  auto packedType = cast<MemRefType>(packed.getType());
  int64_t rank = initType.getRank();
  if (failed(lhsStrides) || failed(initStrides) || failed(packedStrides) || !packedType.hasStaticShape() ||
      (*initStrides)[rank - 1] != 1 || (*packedStrides)[2] != 1 ||
      (*packedStrides)[1] != packedType.getDimSize(2) ||
      (*packedStrides)[0] != packedType.getDimSize(1) * packedType.getDimSize(2))
    return failure();
  Value workspace = workspaceFor(op, TSR_UKERNEL_SGEMM_WORKSPACE_BYTES);
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto cst = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  auto dim = [&](Value memref, int64_t d) -> Value { return b.createOrFold<memref::DimOp>(loc, memref, d); };
  Operand A = describe(b, loc, lhs), P = describe(b, loc, packed), C = describe(b, loc, init);
  // Leading dims over which both A and C step by whole row blocks fold into the rows.
  int64_t rowDim = rank - 2, rows = lhsType.getDimSize(rowDim);
  while (rowDim > 0 && !ShapedType::isDynamic(rows) && !lhsType.isDynamicDim(rowDim - 1) &&
         !ShapedType::isDynamic((*lhsStrides)[rank - 2]) && !ShapedType::isDynamic((*initStrides)[rank - 2]) &&
         (*lhsStrides)[rowDim - 1] == rows * (*lhsStrides)[rank - 2] &&
         (*initStrides)[rowDim - 1] == rows * (*initStrides)[rank - 2]) {
    --rowDim;
    rows *= lhsType.getDimSize(rowDim);
  }
  Value M = rowDim == rank - 2 ? dim(init, rank - 2) : cst(rows);
  linalg::FillOp fill = fillBefore(op, init, isZero);
  Value accumulate = arith::ConstantIntOp::create(b, loc, b.getI32Type(), fill ? 0 : 1);
  Value aOffset = A.offset, cOffset = C.offset;
  for (int64_t d = 0; d < rowDim; ++d) {
    auto loop = scf::ForOp::create(b, loc, cst(0), dim(init, d), cst(1));
    b.setInsertionPointToStart(loop.getBody());
    Value iv = loop.getInductionVar();
    aOffset = arith::AddIOp::create(b, loc, aOffset, arith::MulIOp::create(b, loc, iv, A.strides[d]));
    cOffset = arith::AddIOp::create(b, loc, cOffset, arith::MulIOp::create(b, loc, iv, C.strides[d]));
  }
  func::FuncOp ukernel = declareUkernel(op->getParentOfType<ModuleOp>(), kSgemmPacked, 15);
  func::CallOp::create(b, loc, ukernel,
                       ValueRange{M, dim(init, rank - 1), dim(lhs, rank - 1), A.pointer, aOffset, A.strides[rank - 2],
                                  A.strides[rank - 1], P.pointer, P.offset, cst(packedType.getDimSize(2)),
                                  op.getCol(), C.pointer, cOffset, C.strides[rank - 2], workspace, accumulate});
  if (fill)
    fill.erase();
  op.erase();
  return success();
}

LogicalResult lower(linalg::LinalgOp op, const GemmDims &dims, func::FuncOp sgemm) {
  Value a = op.getDpsInputOperand(0)->get(), bOperand = op.getDpsInputOperand(1)->get();
  Value c = op.getDpsInitOperand(0)->get();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  // C must be contiguous along n: the microkernel writes rows.
  auto cStrides = layoutStrides(c);
  auto cN = resultOf(maps[2], dims.n);
  if (failed(cStrides) || !cN || (*cStrides)[*cN] != 1)
    return failure();
  for (AffineMap map : maps)
    if (!map.isProjectedPermutation())
      return failure();

  Value workspace = workspaceFor(op, TSR_UKERNEL_SGEMM_WORKSPACE_BYTES);
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto cst = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  Operand A = describe(b, loc, a, maps[0]), B = describe(b, loc, bOperand, maps[1]), C = describe(b, loc, c, maps[2]);
  auto stride = [&](const Operand &o, unsigned d) -> Value {
    auto r = resultOf(o.map, d);
    return r ? o.strides[*r] : cst(0); // a dim the operand does not have: broadcast
  };
  // Loop extents from the operands that carry each dim.
  auto extent = [&](unsigned d) -> Value {
    for (auto [operand, map] : llvm::zip(ValueRange{a, bOperand, c}, maps))
      if (auto r = resultOf(map, d))
        return b.createOrFold<memref::DimOp>(loc, operand, *r);
    return cst(1);
  };
  // Row dims of A and C that are contiguous with the chosen m (image rows and columns of a 1x1 product over
  // an NHWC tensor, say) fold into m: one tall product instead of a loop of short ones. Checked on static
  // strides and sizes: an outer dim d folds when A and C both step over whole m extents along it, and B
  // does not depend on it.
  SmallVector<unsigned> batch = dims.batch;
  Value M = extent(dims.m), unfoldedM = M;
  {
    auto aStrides = layoutStrides(a);
    auto aM = resultOf(maps[0], dims.m), cM = resultOf(maps[2], dims.m);
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t rows = ranges[dims.m];
    int64_t rowStrideA = succeeded(aStrides) && aM ? (*aStrides)[*aM] : ShapedType::kDynamic;
    int64_t rowStrideC = cM ? (*cStrides)[*cM] : ShapedType::kDynamic;
    while (succeeded(aStrides) && aM && cM && !ShapedType::isDynamic(rows) &&
           *aM > 0 && *cM > 0) {
      auto aOuter = maps[0].getResult(*aM - 1), cOuter = maps[2].getResult(*cM - 1);
      auto da = dyn_cast<AffineDimExpr>(aOuter), dc = dyn_cast<AffineDimExpr>(cOuter);
      if (!da || !dc || da.getPosition() != dc.getPosition() || resultOf(maps[1], da.getPosition()) ||
          !llvm::is_contained(batch, da.getPosition()) || ShapedType::isDynamic(ranges[da.getPosition()]))
        break;
      if (ShapedType::isDynamic(rowStrideA) || ShapedType::isDynamic(rowStrideC) ||
          (*aStrides)[*aM - 1] != rows * rowStrideA || (*cStrides)[*cM - 1] != rows * rowStrideC)
        break;
      rows *= ranges[da.getPosition()];
      llvm::erase(batch, da.getPosition());
      --*aM;
      --*cM;
    }
    if (rows != ranges[dims.m] && !ShapedType::isDynamic(rows))
      M = cst(rows);
  }
  Value N = extent(dims.n), K = extent(dims.k);
  linalg::FillOp fill = fillBefore(op, c, isZero);
  Value accumulate = arith::ConstantIntOp::create(b, loc, b.getI32Type(), fill ? 0 : 1);

  // One batch dim that A and C both carry and B does not (attention's [seq, batch, d] activations times
  // a weight): the microkernel's rows are whichever of it and m is longer, known only at run time when
  // both are dynamic, so that 2 rows per call (batch 2, m the sequence) become 12.
  Value rowStrideA = stride(A, dims.m), rowStrideC = stride(C, dims.m);
  SmallVector<Value> batchStrides[3];
  SmallVector<Value> batchExtents;
  for (unsigned d : batch) {
    batchExtents.push_back(extent(d));
    for (auto [i, o] : llvm::enumerate(std::array<Operand *, 3>{&A, &B, &C}))
      batchStrides[i].push_back(stride(*o, d));
  }
  if (batch.size() == 1 && M == unfoldedM && resultOf(maps[0], batch[0]) && resultOf(maps[2], batch[0]) &&
      !resultOf(maps[1], batch[0]) && !resultOf(maps[1], dims.m)) {
    Value swap = b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::ugt, batchExtents[0], M);
    auto pick = [&](Value &x, Value &y) {
      Value first = b.createOrFold<arith::SelectOp>(loc, swap, y, x);
      y = b.createOrFold<arith::SelectOp>(loc, swap, x, y);
      x = first;
    };
    pick(M, batchExtents[0]);
    pick(rowStrideA, batchStrides[0][0]);
    pick(rowStrideC, batchStrides[2][0]);
  }

  // Batch dims: a loop nest; each operand's offset moves by its stride along the dim.
  SmallVector<Value> offsets = {A.offset, B.offset, C.offset};
  for (auto [j, d] : llvm::enumerate(batch)) {
    auto loop = scf::ForOp::create(b, loc, cst(0), batchExtents[j], cst(1));
    b.setInsertionPointToStart(loop.getBody());
    Value iv = loop.getInductionVar();
    for (int i = 0; i < 3; ++i) {
      Value step = arith::MulIOp::create(b, loc, iv, batchStrides[i][j]);
      offsets[i] = arith::AddIOp::create(b, loc, offsets[i], step);
    }
  }
  func::CallOp::create(b, loc, sgemm,
                       ValueRange{M, N, K, A.pointer, offsets[0], rowStrideA, stride(A, dims.k), B.pointer,
                                  offsets[1], stride(B, dims.k), stride(B, dims.n), C.pointer, offsets[2],
                                  rowStrideC, workspace, accumulate});
  if (fill)
    fill.erase();
  op.erase();
  return success();
}

/// Whether `op`'s kernel keeps loops: its lowering configuration chose them (the optional microkernels).
bool keepsLoops(Operation *op) {
  auto func = op->getParentOfType<func::FuncOp>();
  auto config = func ? func->getAttrOfType<dispatch::LoweringConfigAttr>(dispatch::kLoweringConfigAttr)
                     : dispatch::LoweringConfigAttr();
  return config && config.getStrategy() == dispatch::KernelStrategy::loops;
}

/// Lowers each `OpTy` in `module` whose kernel does not keep loops with `lower`; what a microkernel cannot
/// take stays on the loop path.
template <typename OpTy>
void lowerEach(ModuleOp module, LogicalResult (*lower)(OpTy)) {
  SmallVector<OpTy> ops;
  module.walk([&](OpTy op) {
    if (!keepsLoops(op))
      ops.push_back(op);
  });
  for (OpTy op : ops)
    (void)lower(op);
}

struct LowerContractionsToUkernelsPass
    : impl::LowerContractionsToUkernelsBase<LowerContractionsToUkernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<linalg::LinalgOp, GemmDims>> matches;
    module.walk([&](linalg::LinalgOp op) {
      if (keepsLoops(op))
        return;
      if (auto dims = gemmDims(op); succeeded(dims))
        matches.push_back({op, *dims});
    });
    lowerEach(module, lowerConv);
    lowerEach(module, lowerDepthwise);
    lowerEach(module, lowerDepthwiseChannelsLast);
    SmallVector<dispatch::WinogradConv2DOp> winograds;
    module.walk([&](dispatch::WinogradConv2DOp op) { winograds.push_back(op); });
    for (dispatch::WinogradConv2DOp op : winograds)
      if (failed(lowerWinograd(op))) {
        op.emitOpError("has no microkernel for these operand layouts");
        return signalPassFailure();
      }
    SmallVector<dispatch::PackedMatmulOp> packedProducts;
    module.walk([&](dispatch::PackedMatmulOp op) { packedProducts.push_back(op); });
    for (dispatch::PackedMatmulOp op : packedProducts)
      if (failed(lowerPackedMatmul(op))) {
        op.emitOpError("has no microkernel for these operand layouts");
        return signalPassFailure();
      }
    lowerEach(module, lowerMaxPool);
    if (matches.empty())
      return;
    func::FuncOp sgemm = declareUkernel(module, kSgemm, 15);
    for (auto &[op, dims] : matches)
      (void)lower(op, dims, sgemm);
  }
};

} // namespace
} // namespace tessera::cpu
