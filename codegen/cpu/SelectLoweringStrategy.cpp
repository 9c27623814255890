//===- SelectLoweringStrategy.cpp - a lowering configuration per CPU kernel --===//
//
// Decides, per kernel, how it is computed and split, from its ops' shapes and the CPU's vector width,
// and records it as `tdisp.lowering_config` on the kernel function (shown by --emit=dispatch):
//   - the strategy: the microkernel family of the kernel's main op (ukernels/*.c), or loops;
//   - the workgroup tiles: the kernel's result op is tiled along one loop so that each workgroup gets
//     enough work to pay for a thread's wake-up and whole register tiles of the microkernel, and the
//     count is even where that balances two threads (DistributeToWorkgroups follows them);
//   - the register tile and vector width the microkernel runs at on this CPU.
// A kernel that already has a configuration keeps it.
//
#include "codegen/cpu/Passes.h"

#include "dialects/Dispatch/IR/DispatchOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"

using namespace mlir;

namespace tessera::cpu {
#define GEN_PASS_DEF_SELECTLOWERINGSTRATEGY
#include "codegen/cpu/Passes.h.inc"

namespace {

/// The first contraction in `func`.
linalg::LinalgOp productOf(func::FuncOp func) {
  linalg::LinalgOp product;
  func.walk([&](linalg::LinalgOp op) {
    if (!product && linalg::isaContractionOpInterface(op))
      product = op;
  });
  return product;
}

/// If `product` (the kernel's matrix product, if any) is `root` or `root` writes it elementwise,
/// the loop of `root` that runs over the product's columns (n).
std::optional<unsigned> productColumnDim(linalg::LinalgOp product, linalg::LinalgOp root) {
  if (!product)
    return std::nullopt;
  auto dims = linalg::inferContractionDims(product);
  if (failed(dims) || dims->n.empty())
    return std::nullopt;
  unsigned n = dims->n.back();
  if (product == root)
    return n;
  // The product's result position of n; an elementwise root with identity maps loops over it there.
  AffineMap out = product.getIndexingMapMatchingResult(cast<OpResult>(product->getResult(0)));
  std::optional<unsigned> position;
  for (auto [i, e] : llvm::enumerate(out.getResults()))
    if (auto d = dyn_cast<AffineDimExpr>(e); d && d.getPosition() == n)
      position = i;
  if (!position || root.getNumReductionLoops() != 0 || root.getNumLoops() != out.getNumResults() ||
      !llvm::all_of(root.getIndexingMapsArray(), [](AffineMap m) { return m.isProjectedPermutation(); }))
    return std::nullopt;
  AffineMap rootOut = root.getIndexingMapMatchingResult(cast<OpResult>(root->getResult(0)));
  if (!rootOut.isIdentity())
    return std::nullopt;
  return *position;
}

/// Columns per microkernel panel (ukernels/sgemm.c NR).
constexpr int64_t kPanelWidth = 32;
/// Rows per microkernel register tile (ukernels/sgemm.c MR).
constexpr int64_t kTileRows = 8;

/// Filters per workgroup when a convolution is split by filters: each workgroup packs the whole im2col
/// matrix, so fewer, larger slices pay for it over more rows. A convolution with twice the minimum may
/// be split; it gets one slice per kFiltersPerSlice (measured on squeezenet1_1's 1000x512 classifier on
/// 13x13: 72-filter slices 129 GFLOP/s, 144 147, 288 156 on one core; resnet18's 512-filter 7x7 layers in
/// two slices instead of four: the model 4 % faster at one thread, 3 % at two).
constexpr int64_t kMinFiltersPerWorkgroup = 64;
constexpr int64_t kFiltersPerSlice = 256;

/// Multiply-adds a workgroup should have at least (about 10 us on one core): a thinner slice costs more in
/// operand packing, partial register tiles and re-read weights than it gains in parallel slack.
constexpr int64_t kMinFmasPerWorkgroup = int64_t(1) << 21;

/// Operand elements a product's workgroup should read at least (512 KiB of f32): a product with few rows
/// (a matrix-vector product) streams its weights once, so its time is their bytes, not its multiply-adds.
constexpr int64_t kMinOperandElementsPerWorkgroup = int64_t(1) << 17;

/// The product of `op`'s loop ranges, or nullopt when one is dynamic.
std::optional<int64_t> staticIterations(linalg::LinalgOp op) {
  int64_t iterations = 1;
  for (int64_t range : op.getStaticLoopRanges()) {
    if (ShapedType::isDynamic(range))
      return std::nullopt;
    iterations *= range;
  }
  return iterations;
}

/// Elements of the statically shaped values among `operands`.
int64_t staticElements(ValueRange operands) {
  int64_t elements = 0;
  for (Value operand : operands)
    if (auto type = dyn_cast<ShapedType>(operand.getType()); type && type.hasStaticShape())
      elements += type.getNumElements();
  return elements;
}

/// Workgroups worth making for a product of `fmas` multiply-adds (nullopt: dynamic) reading `elements`
/// operand elements: by the multiply-adds or, when larger, the elements (as many as allowed when a size
/// is dynamic).
int64_t workgroupsFor(std::optional<int64_t> fmas, int64_t elements, int64_t maxWorkgroups) {
  if (!fmas)
    return maxWorkgroups;
  int64_t wanted = std::max(*fmas / kMinFmasPerWorkgroup, elements / kMinOperandElementsPerWorkgroup);
  return std::clamp<int64_t>(wanted, 1, maxWorkgroups);
}

int64_t workgroupsFor(linalg::LinalgOp product, int64_t maxWorkgroups) {
  return workgroupsFor(staticIterations(product), staticElements(product.getDpsInputs()), maxWorkgroups);
}

/// The product of the static sizes in `sizes` (dynamic ones count as 1).
int64_t staticPart(ArrayRef<int64_t> sizes) {
  int64_t product = 1;
  for (int64_t size : sizes)
    if (!ShapedType::isDynamic(size))
      product *= size;
  return product;
}

/// Workgroups worth making for a kernel without a product: by the iterations of its heaviest op (a
/// depthwise convolution feeding an elementwise result does most of the work). Dims known only at run
/// time count as 1: the split is fixed at compile time and can only cut static loops, so a kernel over
/// [batch, sequence, 384] would otherwise be cut into 12-column slivers whatever its run-time size
/// (bert at 2 x 12: 32 such workgroups per elementwise kernel made the model 1.6x slower).
int64_t workgroupsForLoops(func::FuncOp func, int64_t maxWorkgroups) {
  int64_t iterations = 1;
  func.walk([&](Operation *op) {
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
      iterations = std::max(iterations, staticPart(linalgOp.getStaticLoopRanges()));
    else if (isa<linalg::AggregatedOpInterface>(op)) // a softmax, a layer normalization: its input's elements
      iterations = std::max(iterations, staticPart(cast<ShapedType>(op->getOperand(0).getType()).getShape()));
  });
  return std::clamp<int64_t>(iterations / kMinIterationsPerWorkgroup, 1, maxWorkgroups);
}

/// The tile that splits `size` iterations into about `workgroups` slices of a multiple of `align`, taking
/// up to twice as many slices when that makes their count even: two (or four) threads then get equal
/// shares, where three slices on two threads take as long as four.
int64_t balancedTile(int64_t size, int64_t workgroups, int64_t align) {
  auto tileFor = [&](int64_t w) { return llvm::divideCeilSigned(llvm::divideCeilSigned(size, w), align) * align; };
  int64_t tile = tileFor(workgroups);
  int64_t count = llvm::divideCeilSigned(size, tile);
  if (count <= 1 || count % 2 == 0)
    return tile;
  for (int64_t w = workgroups + 1; w <= 2 * workgroups; ++w) {
    int64_t t = tileFor(w);
    int64_t c = llvm::divideCeilSigned(size, t);
    if (c % 2 == 0 && c <= 2 * workgroups)
      return t;
  }
  return tile;
}

/// Whether `root` is `op` (whose loops are its result's `rank` dims) or an elementwise op over the same
/// loops writing its result in order (an epilogue), so splitting `root` splits `op` the same way.
bool isOrWritesElementwise(Operation *op, Operation *root, unsigned rank = 4) {
  if (op == root)
    return true;
  auto epilogue = dyn_cast<linalg::LinalgOp>(root);
  return epilogue && epilogue.getNumReductionLoops() == 0 && epilogue.getNumLoops() == rank &&
         epilogue.getIndexingMapMatchingResult(cast<OpResult>(root->getResult(0))).isIdentity();
}

/// For a kernel computing a 2-D NCHW convolution that `root` is (or writes elementwise, same loops): how to
/// split it, as (loop of `root`, tile size). The microkernel multiplies filters (rows) by output
/// positions (columns) and packs the columns it reads: splitting the output rows packs each column once,
/// so that is the choice when each workgroup still gets two panels of positions; otherwise the filters
/// are split in large slices of whole register tiles; otherwise fewer, wider row bands.
std::optional<std::pair<unsigned, int64_t>> convolutionSplit(func::FuncOp func, linalg::LinalgOp root,
                                                             int64_t maxWorkgroups) {
  linalg::Conv2DNchwFchwOp conv;
  func.walk([&](linalg::Conv2DNchwFchwOp op) { conv = op; });
  if (!conv || root.getNumParallelLoops() < 4 || !isOrWritesElementwise(conv, root))
    return std::nullopt;
  auto outType = cast<ShapedType>(conv.getOutputs()[0].getType());
  if (!outType.hasStaticShape())
    return std::nullopt;
  int64_t filters = outType.getDimSize(1), rows = outType.getDimSize(2), width = outType.getDimSize(3);
  int64_t wanted = workgroupsFor(conv, maxWorkgroups);
  int64_t rowTile = balancedTile(rows, wanted, 1);
  if (rowTile * width >= 2 * kPanelWidth || wanted == 1)
    return std::make_pair(2u, rowTile);
  if (filters >= 2 * kMinFiltersPerWorkgroup || filters >= 2 * kTileRows * wanted) {
    int64_t slices = std::min(wanted, std::max<int64_t>(filters / kFiltersPerSlice, 2));
    return std::make_pair(1u, balancedTile(filters, slices, kTileRows));
  }
  return std::make_pair(2u, std::min(rows, llvm::divideCeilSigned(2 * kPanelWidth, width)));
}

/// Channels per group of the depthwise microkernel (ukernels/depthwise_blocked.c DWB_C).
constexpr int64_t kDepthwiseChannelGroup = 16;
/// Output rows a depthwise band should have at least when split by rows: each band packs kernel-height - 1
/// input rows (a strided filter: fewer) that its neighbour packs too.
constexpr int64_t kMinDepthwiseRows = 4;

/// For a kernel computing a 2-D depthwise convolution (NCHW or NHWC) that `root` is (or writes
/// elementwise, same loops): how to split it. The microkernel runs 16 channels at a time in the vector
/// lanes and packs each group's input rows once per call, so channel slices are whole groups of 16 (a
/// split into 3-channel slices left every one to the slower plane by plane path; bands of two rows
/// packed each input row four times); with too few groups to share evenly (one, or an odd count under
/// 8) the output rows are split instead, in bands of at least kMinDepthwiseRows.
std::optional<std::pair<unsigned, int64_t>> depthwiseSplit(func::FuncOp func, linalg::LinalgOp root,
                                                           int64_t maxWorkgroups) {
  linalg::LinalgOp conv;
  func.walk([&](Operation *op) {
    if (isa<linalg::DepthwiseConv2DNchwChwOp, linalg::DepthwiseConv2DNhwcHwcOp>(op))
      conv = cast<linalg::LinalgOp>(op);
  });
  if (!conv || !isOrWritesElementwise(conv, root))
    return std::nullopt;
  auto outType = cast<ShapedType>(conv.getDpsInits()[0].getType());
  if (!outType.hasStaticShape())
    return std::nullopt;
  bool channelsLast = isa<linalg::DepthwiseConv2DNhwcHwcOp>(conv);
  unsigned channelDim = channelsLast ? 3 : 1, rowDim = channelsLast ? 1 : 2;
  AffineMap out = root.getIndexingMapMatchingResult(cast<OpResult>(root->getResult(0)));
  auto channelLoop = dyn_cast<AffineDimExpr>(out.getResult(channelDim));
  auto rowLoop = dyn_cast<AffineDimExpr>(out.getResult(rowDim));
  if (!channelLoop || !rowLoop)
    return std::nullopt;
  int64_t channels = outType.getDimSize(channelDim), rows = outType.getDimSize(rowDim);
  int64_t wanted = workgroupsForLoops(func, maxWorkgroups);
  int64_t groups = llvm::divideCeilSigned(channels, kDepthwiseChannelGroup);
  if (groups >= 2 && (groups % 2 == 0 || groups >= 8))
    return std::make_pair(channelLoop.getPosition(),
                          balancedTile(channels, std::min(wanted, groups), kDepthwiseChannelGroup));
  int64_t bands = std::clamp<int64_t>(std::min(wanted, rows / kMinDepthwiseRows), 1, rows);
  return std::make_pair(rowLoop.getPosition(), balancedTile(rows, bands, 1));
}

/// Filters a Winograd convolution's workgroup takes at least when split by filters: every slice transforms
/// the whole input, which costs about as much as the products of 8 filters.
constexpr int64_t kMinWinogradFilters = 32;

/// For a kernel computing a Winograd convolution that `root` is (or writes elementwise): how to split it.
/// By filters in whole register tiles while slices keep kMinWinogradFilters (each transforms the input
/// once, and the tiles fill their panels as in the whole image); otherwise by rows of whole 4x4 tiles.
std::optional<std::pair<unsigned, int64_t>> winogradSplit(func::FuncOp func, Operation *root, int64_t maxWorkgroups) {
  dispatch::WinogradConv2DOp conv;
  func.walk([&](dispatch::WinogradConv2DOp op) { conv = op; });
  if (!conv || !isOrWritesElementwise(conv, root))
    return std::nullopt;
  auto outType = cast<ShapedType>(conv.getInit().getType());
  auto filterType = cast<ShapedType>(conv.getFilter().getType());
  if (!outType.hasStaticShape() || !filterType.hasStaticShape())
    return std::nullopt;
  int64_t filters = outType.getDimSize(1), rows = outType.getDimSize(2), width = outType.getDimSize(3);
  int64_t tiles = llvm::divideCeilSigned(rows, int64_t(4)) * llvm::divideCeilSigned(width, int64_t(4));
  int64_t fmas = 36 * tiles * filters * filterType.getDimSize(2) * outType.getDimSize(0);
  int64_t wanted = std::clamp<int64_t>(fmas / kMinFmasPerWorkgroup, 1, maxWorkgroups);
  int64_t slices = std::min(wanted, filters / kMinWinogradFilters);
  if (slices >= 2)
    return std::make_pair(1u, balancedTile(filters, slices, kTileRows));
  return std::make_pair(2u, balancedTile(rows, std::min<int64_t>(wanted, llvm::divideCeilSigned(rows, int64_t(4))), 4));
}

/// A kernel's product with a packed right operand, which `root` is or writes elementwise: its result and
/// packed types and the workgroups its work is worth (wanted).
struct PackedProduct {
  dispatch::PackedMatmulOp op;
  ShapedType outType, packedType;
  unsigned rank;
  int64_t wanted;
};

std::optional<PackedProduct> packedProductOf(func::FuncOp func, Operation *root, int64_t maxWorkgroups) {
  dispatch::PackedMatmulOp product;
  func.walk([&](dispatch::PackedMatmulOp op) { product = op; });
  if (!product)
    return std::nullopt;
  auto outType = cast<ShapedType>(product.getInit().getType());
  auto packedType = cast<ShapedType>(product.getPacked().getType());
  unsigned rank = outType.getRank();
  if (!isOrWritesElementwise(product, root, rank) || !packedType.hasStaticShape())
    return std::nullopt;
  std::optional<int64_t> fmas;
  if (outType.hasStaticShape())
    fmas = outType.getNumElements() * packedType.getDimSize(1);
  int64_t wanted = workgroupsFor(fmas, staticElements({product.getLhs(), product.getPacked()}), maxWorkgroups);
  return PackedProduct{product, outType, packedType, rank, wanted};
}

/// For a kernel computing a product with a packed right operand that `root` is (or writes elementwise),
/// large in both rows and columns: a grid of row bands (whole register tiles) by column slices (whole
/// panels), as tiles of `root`'s loops, when it moves fewer operand bytes than slices of columns alone.
/// Each workgroup reads its band of the left operand and its slice of the weights, so over W workgroups
/// the traffic is W x (band rows + slice columns) x K: square-ish tiles minimize it. A 1024x1024x1024
/// product in 32 workgroups: slices of 32 columns read all 1024 rows each (33,792 rows and columns in
/// all), a grid of 8 bands of 128 rows by 4 slices of 256 columns 12,288 (one thread, alternating runs:
/// 189-212 -> 208-222 GFLOP/s, peak 230).
std::optional<SmallVector<int64_t>> packedMatmulGrid(const PackedProduct &product, int64_t maxWorkgroups) {
  auto [op, outType, packedType, rank, wanted] = product;
  if (!outType.hasStaticShape())
    return std::nullopt;
  int64_t rows = outType.getDimSize(rank - 2), columns = outType.getDimSize(rank - 1);
  int64_t width = packedType.getDimSize(2);
  // Leading dims (a batch, or the image rows of an NHWC product) stay whole: a band spans all of them.
  int64_t lead = outType.getNumElements() / (rows * columns);
  if (wanted < 4 || rows < 2 * kTileRows || columns < 2 * width)
    return std::nullopt;
  auto traffic = [&](int64_t rowTile, int64_t columnTile) {
    int64_t count = llvm::divideCeilSigned(rows, rowTile) * llvm::divideCeilSigned(columns, columnTile);
    return std::make_pair(count, count * (lead * rowTile + columnTile));
  };
  // Slices of columns alone, as packedMatmulSplit makes them: the baseline to beat.
  int64_t sliceTile = balancedTile(columns, std::min(wanted, columns / width), width);
  const int64_t slicesOnly = traffic(rows, sliceTile).second;
  int64_t best = slicesOnly;
  std::optional<std::pair<int64_t, int64_t>> grid;
  for (int64_t slices = std::min(wanted, columns / width); slices >= 1; --slices) {
    int64_t bands = llvm::divideCeilSigned(wanted, slices);
    if (bands < 2 || bands > rows / kTileRows)
      continue;
    int64_t rowTile = balancedTile(rows, bands, kTileRows), columnTile = balancedTile(columns, slices, width);
    auto [count, bytes] = traffic(rowTile, columnTile);
    // Between grids that move as much, the one with wider column slices: each band of the left operand,
    // fetched into L2 once, then feeds more panels (measured 1-2 % faster on 1024^3).
    if (count > maxWorkgroups || count % 2 || bytes >= slicesOnly || bytes > best)
      continue;
    best = bytes;
    grid = {rowTile, columnTile};
  }
  if (!grid)
    return std::nullopt;
  SmallVector<int64_t> tiles(rank, 0);
  tiles[rank - 2] = grid->first;
  tiles[rank - 1] = grid->second;
  return tiles;
}

/// For a kernel computing a product with a packed right operand that `root` is (or writes elementwise):
/// how to split it. Along its columns in whole panels when there are two panels' worth, so every tile
/// starts on a panel and reads it in place; otherwise along its rows in whole register tiles. Tile 0:
/// too little work to split (the kernel stays whole).
std::optional<std::pair<unsigned, int64_t>> packedMatmulSplit(const PackedProduct &product) {
  auto [op, outType, packedType, rank, wanted] = product;
  if (wanted == 1)
    return std::make_pair(rank - 1, int64_t(0));
  int64_t width = packedType.getDimSize(2), columns = outType.getDimSize(rank - 1);
  if (!ShapedType::isDynamic(columns) && columns >= 2 * width)
    return std::make_pair(rank - 1, balancedTile(columns, std::min(wanted, columns / width), width));
  int64_t rows = outType.getDimSize(rank - 2);
  if (!ShapedType::isDynamic(rows) && rows >= 2 * kTileRows)
    return std::make_pair(rank - 2, balancedTile(rows, std::min(wanted, rows / kTileRows), kTileRows));
  return std::nullopt;
}

/// For a padding kernel (`root` a tensor.pad): how to split it. Along the first unpadded dim of more than
/// one element (channels of an NCHW image), one workgroup per kMinIterationsPerWorkgroup elements: a
/// pad after a convolution split by filters then has each thread pad the channels it computed. Tile 0:
/// too small to split.
std::optional<std::pair<unsigned, int64_t>> padSplit(Operation *root, int64_t maxWorkgroups) {
  auto pad = dyn_cast<tensor::PadOp>(root);
  if (!pad || !pad.getResultType().hasStaticShape())
    return std::nullopt;
  RankedTensorType type = pad.getResultType();
  int64_t wanted = std::clamp<int64_t>(type.getNumElements() / kMinIterationsPerWorkgroup, 1, maxWorkgroups);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!isConstantIntValue(pad.getMixedLowPad()[d], 0) || !isConstantIntValue(pad.getMixedHighPad()[d], 0) ||
        type.getDimSize(d) < 2)
      continue;
    if (wanted == 1)
      return std::make_pair(unsigned(d), int64_t(0));
    int64_t extent = type.getDimSize(d);
    return std::make_pair(unsigned(d), balancedTile(extent, std::min(wanted, extent), 1));
  }
  return std::nullopt;
}

/// The loop sizes of `op`'s iteration domain (ShapedType::kDynamic where only known at run time).
SmallVector<int64_t> domainSizes(TilingInterface op) {
  // The domain is built as values; ops it has to create for dynamic sizes are erased again.
  OpBuilder b(op);
  SmallVector<Operation *> created;
  struct Listener : OpBuilder::Listener {
    SmallVector<Operation *> &created;
    explicit Listener(SmallVector<Operation *> &created) : created(created) {}
    void notifyOperationInserted(Operation *op, OpBuilder::InsertPoint) override { created.push_back(op); }
  } listener(created);
  b.setListener(&listener);
  SmallVector<int64_t> sizes;
  for (const Range &range : op.getIterationDomain(b))
    sizes.push_back(getConstantIntValue(range.size).value_or(ShapedType::kDynamic));
  for (Operation *op : llvm::reverse(created))
    if (op->use_empty())
      op->erase();
  return sizes;
}

/// The loop a kernel of run-time size splits along when its static dims alone do not pay for a split:
/// its innermost parallel loop of run-time size (the sequence of [batch, sequence, 384], the rows of
/// an attention's scores), which grows with the input while the batch often stays 1.
std::optional<unsigned> runTimeSplitLoop(ArrayRef<utils::IteratorType> iterators, ArrayRef<int64_t> domain) {
  for (int64_t i = static_cast<int64_t>(domain.size()) - 1; i >= 0; --i)
    if (iterators[i] == utils::IteratorType::parallel && ShapedType::isDynamic(domain[i]))
      return static_cast<unsigned>(i);
  return std::nullopt;
}

/// The workgroup tiles of `func`'s result op (one per loop, 0 = not split, ? = split at run time) and
/// their workgroup count (the most, for a split at run time). `loopsKernel`: the kernel runs as loops
/// (no microkernel), so a split at run time may cut any parallel loop of its result op.
std::pair<SmallVector<int64_t>, int64_t> selectTiles(func::FuncOp func, int64_t maxWorkgroups, bool loopsKernel) {
  const int64_t allowedWorkgroups = maxWorkgroups;
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  if (ret.getNumOperands() != 1)
    return {{}, 1};
  auto op = ret.getOperand(0).getDefiningOp<TilingInterface>();
  if (!op || !isa<linalg::LinalgOp, linalg::AggregatedOpInterface, dispatch::WinogradConv2DOp,
                 dispatch::PackedMatmulOp, tensor::PadOp>(op.getOperation()))
    return {{}, 1};
  auto linalgRoot = dyn_cast<linalg::LinalgOp>(op.getOperation());
  SmallVector<utils::IteratorType> iterators = op.getLoopIteratorTypes();
  SmallVector<int64_t> domain = domainSizes(op);
  SmallVector<int64_t> tiles(domain.size(), 0);
  // Empty iteration spaces have nothing to split (and tiling them would divide by zero).
  if (llvm::is_contained(domain, 0))
    return {tiles, 1};
  std::optional<PackedProduct> packed = packedProductOf(func, op, maxWorkgroups);
  if (auto grid = packed ? packedMatmulGrid(*packed, maxWorkgroups) : std::nullopt;
      grid && grid->size() == domain.size()) {
    int64_t workgroups = 1;
    for (auto [size, tile] : llvm::zip(domain, *grid))
      if (tile)
        workgroups *= llvm::divideCeilSigned(size, tile);
    return {*grid, workgroups};
  }
  int64_t dim = -1, size = 0, align = 1;
  int64_t fixedTile = 0;
  auto split = winogradSplit(func, op, maxWorkgroups);
  if (!split)
    split = packed ? packedMatmulSplit(*packed) : std::nullopt;
  if (!split)
    split = padSplit(op, maxWorkgroups);
  if (!split && linalgRoot)
    split = convolutionSplit(func, linalgRoot, maxWorkgroups);
  if (!split && linalgRoot)
    split = depthwiseSplit(func, linalgRoot, maxWorkgroups);
  if (split && split->second == 0)
    return {tiles, 1};
  if (split) {
    dim = split->first;
    size = domain[dim];
    fixedTile = split->second;
  }
  // An aggregate op splits like a generic: by its rows (a softmax's or a normalization's dims are
  // reduction loops).
  if (!linalgRoot && !isa<linalg::AggregatedOpInterface>(op.getOperation()) && dim < 0)
    return {tiles, 1};
  // A kernel computing a matrix product splits along its columns in whole microkernel panels, so each
  // workgroup runs full register tiles; otherwise along the first parallel loop.
  linalg::LinalgOp product = productOf(func);
  if (auto column = dim < 0 ? productColumnDim(product, linalgRoot) : std::nullopt) {
    int64_t ub = domain[*column];
    if (!ShapedType::isDynamic(ub) && ub >= 2 * kPanelWidth) {
      dim = *column;
      size = ub;
      align = kPanelWidth;
      maxWorkgroups = std::min(maxWorkgroups, workgroupsFor(product, maxWorkgroups));
    }
  }
  for (auto [i, it] : llvm::enumerate(iterators)) {
    if (dim >= 0)
      break;
    int64_t ub = domain[i];
    if (it == utils::IteratorType::parallel && !ShapedType::isDynamic(ub) && ub > 1) {
      dim = i;
      size = ub;
      // Any other kernel (elementwise, pooling, depthwise, copies): one workgroup per
      // kMinIterationsPerWorkgroup iterations, so small kernels stay whole and run inline.
      maxWorkgroups = workgroupsForLoops(func, maxWorkgroups);
    }
  }
  if (dim < 0 || maxWorkgroups == 1 || ShapedType::isDynamic(size)) {
    // Too little static work to split, but dims known only at run time may hold much more: the kernel
    // and the host compute the split from them when it runs (at most allowedWorkgroups).
    std::optional<unsigned> runTime =
        loopsKernel && !split && !product && allowedWorkgroups > 1 ? runTimeSplitLoop(iterators, domain) : std::nullopt;
    if (!runTime)
      return {tiles, 1};
    tiles[*runTime] = ShapedType::kDynamic;
    return {tiles, allowedWorkgroups};
  }
  int64_t tile = fixedTile ? fixedTile : balancedTile(size, std::min(size, maxWorkgroups), align);
  int64_t workgroups = (size + tile - 1) / tile;
  if (workgroups > 1)
    tiles[dim] = tile;
  return {tiles, workgroups};
}

bool isF32(Value v) {
  auto type = dyn_cast<ShapedType>(v.getType());
  return type && type.getElementType().isF32();
}

/// Whether the convolution microkernel computes `conv` directly (ukernels/direct_conv.c): few input
/// channels and taps, equal strides of 1 or 2, rows of at least one vector.
bool isDirectConvolution(linalg::Conv2DNchwFchwOp conv) {
  auto w = cast<ShapedType>(conv.getInputs()[1].getType());
  auto y = cast<ShapedType>(conv.getOutputs()[0].getType());
  if (!w.hasStaticShape() || y.isDynamicDim(3))
    return false;
  auto strides = llvm::to_vector(conv.getStrides().getValues<int64_t>());
  int64_t channels = w.getDimSize(1), taps = channels * w.getDimSize(2) * w.getDimSize(3);
  return strides[0] == strides[1] && (strides[0] == 1 || strides[0] == 2) && channels <= 4 && taps <= 160 &&
         y.getDimSize(3) >= 16;
}

/// The strategy of `func`'s main op and the register tile its microkernel uses on a CPU with
/// `vectorBits`-wide registers (ukernels/*.c: MR x NR of sgemm.c; direct_conv.c's filters x columns
/// block; depthwise_blocked.c's channel group).
std::pair<dispatch::KernelStrategy, SmallVector<int64_t>> selectStrategy(func::FuncOp func, int64_t vectorBits) {
  using dispatch::KernelStrategy;
  SmallVector<int64_t> gemmTile{kTileRows, kPanelWidth};
  std::optional<std::pair<KernelStrategy, SmallVector<int64_t>>> chosen;
  func.walk([&](Operation *op) {
    if (chosen)
      return WalkResult::interrupt();
    if (isa<dispatch::PackedMatmulOp>(op))
      chosen = {KernelStrategy::sgemm_packed, gemmTile};
    else if (isa<dispatch::WinogradConv2DOp>(op))
      chosen = {KernelStrategy::winograd_f43, gemmTile};
    else if (auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(op); conv && isF32(conv.getOutputs()[0])) {
      if (isDirectConvolution(conv))
        chosen = {KernelStrategy::conv2d_direct,
                  vectorBits >= 512 ? SmallVector<int64_t>{12, 32} : SmallVector<int64_t>{4, 16}};
      else
        chosen = {KernelStrategy::conv2d, gemmTile};
    } else if (isa<linalg::DepthwiseConv2DNchwChwOp, linalg::DepthwiseConv2DNhwcHwcOp>(op) &&
               isF32(cast<linalg::LinalgOp>(op).getDpsInits()[0]))
      chosen = {KernelStrategy::depthwise_conv2d, SmallVector<int64_t>{kDepthwiseChannelGroup}};
    else if (auto pool = dyn_cast<linalg::PoolingNchwMaxOp>(op); pool && isF32(pool.getOutputs()[0]))
      chosen = {KernelStrategy::max_pool, SmallVector<int64_t>{}};
    else if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
             linalgOp && linalg::isaContractionOpInterface(linalgOp) && linalgOp.getNumDpsInputs() == 2 &&
             llvm::all_of(linalgOp->getOperands(), isF32))
      chosen = {KernelStrategy::sgemm, gemmTile};
    return WalkResult::advance();
  });
  return chosen.value_or(std::make_pair(KernelStrategy::loops, SmallVector<int64_t>{}));
}

struct SelectLoweringStrategyPass : impl::SelectLoweringStrategyBase<SelectLoweringStrategyPass> {
  using Base::Base;
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isDeclaration() || func->hasAttr(dispatch::kLoweringConfigAttr))
        continue;
      const int64_t bits = vectorBits;
      auto [strategy, registerTile] = selectStrategy(func, bits);
      if (!ukernels) {
        strategy = dispatch::KernelStrategy::loops;
        registerTile.clear();
      }
      auto [tiles, workgroups] = selectTiles(func, maxWorkgroups, strategy == dispatch::KernelStrategy::loops);
      auto emitError = [&] { return func.emitOpError("cannot record its lowering configuration: "); };
      auto config = dispatch::LoweringConfigAttr::getChecked(function_ref<InFlightDiagnostic()>(emitError),
                                                             &getContext(), strategy, workgroups, ArrayRef<int64_t>(tiles),
                                                             ArrayRef<int64_t>(registerTile), bits);
      if (!config)
        return signalPassFailure();
      func->setAttr(dispatch::kLoweringConfigAttr, config);
    }
  }
};

} // namespace
} // namespace tessera::cpu
