//===- NodeImportersCropGrid.cpp - CenterCropPad, Col2Im, AffineGrid, GridSample-20 -===//
//
// Ops added or respelled at opsets 18-20, as compositions of existing tgraph ops.
//
#include "frontend/onnx/ImportContext.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
namespace onnxpb = ::onnx;

namespace tessera::onnx {

/// CenterCropPad (18): per listed axis, crop or zero-pad symmetrically to the requested size; an odd
/// difference puts the extra element at the end (as the ONNX reference does).
static Results importCenterCropPad(NodeContext &c) {
  auto in = c.inputType(0);
  int64_t rank = in.getRank();
  auto sizes = c.constantInts(1);
  if (!sizes)
    return c.error() << "shape must be a compile-time constant";
  if (!in.hasStaticShape())
    return c.error() << "dynamic shapes are not supported yet";
  SmallVector<int64_t> axes;
  if (auto a = c.getInts("axes"))
    axes = *a;
  else
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  if (axes.size() != sizes->size())
    return c.error() << "shape has " << sizes->size() << " entries for " << axes.size() << " axes";
  SmallVector<int64_t> starts(rank, 0), steps(rank, 1), cropped(in.getShape()), pads(2 * rank, 0);
  for (auto [a, size] : llvm::zip(axes, *sizes)) {
    auto axis = normalizeAxis(c, a, rank);
    if (failed(axis))
      return failure();
    if (size < 0)
      return c.error() << "negative size " << size;
    int64_t dim = in.getDimSize(*axis);
    if (size < dim) {
      starts[*axis] = (dim - size) / 2;
      cropped[*axis] = size;
    } else {
      pads[*axis] = (size - dim) / 2;
      pads[*axis + rank] = size - dim - pads[*axis];
    }
  }
  Value x = c.input(0);
  if (ArrayRef<int64_t>(cropped) != in.getShape())
    x = graph::SliceOp::create(c.b, c.loc, x, starts, steps, cropped);
  if (llvm::any_of(pads, [](int64_t p) { return p != 0; }))
    x = graph::PadOp::create(c.b, c.loc, x, graph::PadMode::constant, c.b.getDenseI64ArrayAttr(pads), Value());
  if (x == c.input(0))
    x = graph::IdentityOp::create(c.b, c.loc, x);
  return SmallVector<Value>{x};
}

/// AffineGrid (20): grid[n, (d,) h, w] = theta[n] @ [x_w, y_h, (z_d,) 1], as one batched MatMul of a
/// constant base grid (the size is a compile-time constant) with theta transposed.
static Results importAffineGrid(NodeContext &c) {
  auto theta = c.inputType(0);
  auto size = c.constantInts(1);
  if (!size)
    return c.error() << "size must be a compile-time constant";
  int64_t k = (int64_t)size->size() - 2; // spatial dims
  if ((k != 2 && k != 3) || theta.getRank() != 3 || !theta.hasStaticShape() ||
      theta.getDimSize(1) != k || theta.getDimSize(2) != k + 1 || theta.getDimSize(0) != (*size)[0])
    return c.error() << "expects theta [N, " << k << ", " << k + 1 << "] for a size of rank 4 or 5";
  Type elem = theta.getElementType();
  if (!isa<FloatType>(elem))
    return c.error() << "expects a float theta";
  bool alignCorners = c.getInt("align_corners", 0) != 0;
  SmallVector<int64_t> spatial(size->begin() + 2, size->end()); // (D,) H, W
  int64_t points = 1;
  for (int64_t s : spatial)
    points *= s;
  auto coord = [&](int64_t i, int64_t len) -> double {
    if (alignCorners)
      return len > 1 ? -1.0 + 2.0 * i / (len - 1) : 0.0;
    return (2.0 * i + 1.0) / len - 1.0;
  };
  SmallVector<Attribute> base;
  for (int64_t p = 0; p < points; ++p) {
    SmallVector<int64_t> idx(k);
    for (int64_t d = k - 1, rest = p; d >= 0; --d) {
      idx[d] = rest % spatial[d];
      rest /= spatial[d];
    }
    for (int64_t d = k - 1; d >= 0; --d) // x follows the last (width) dim
      base.push_back(c.b.getFloatAttr(elem, coord(idx[d], spatial[d])));
    base.push_back(c.b.getFloatAttr(elem, 1.0));
  }
  int64_t n = (*size)[0];
  auto baseType = RankedTensorType::get({1, points, k + 1}, elem);
  Value grid = graph::ConstantOp::create(c.b, c.loc, DenseElementsAttr::get(baseType, base));
  grid = graph::ExpandOp::create(c.b, c.loc, RankedTensorType::get({n, points, k + 1}, elem), grid);
  Value thetaT = graph::TransposeOp::create(c.b, c.loc, c.input(0), c.b.getDenseI64ArrayAttr({0, 2, 1}));
  Value out = graph::MatMulOp::create(c.b, c.loc, grid, thetaT);
  SmallVector<int64_t> shape = {n};
  llvm::append_range(shape, spatial);
  shape.push_back(k);
  return SmallVector<Value>{
      graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(shape, elem), out, Value())};
}

/// Col2Im (18): a grouped ConvTranspose (one group per image channel) of the columns laid out as
/// [N, C * prod(block), blocks...] with a one-hot weight that puts block element k at its offset.
static Results importCol2Im(NodeContext &c) {
  auto in = c.inputType(0);
  auto image = c.constantInts(1), block = c.constantInts(2);
  if (!image || !block)
    return c.error() << "image_shape and block_shape must be compile-time constants";
  size_t n = image->size();
  if (in.getRank() != 3 || !in.hasStaticShape() || block->size() != n || n == 0 ||
      !isa<FloatType>(in.getElementType()))
    return c.error() << "expects a static float input [N, C * prod(block_shape), L]";
  auto strides = c.getInts("strides").value_or(SmallVector<int64_t>(n, 1));
  auto dilations = c.getInts("dilations").value_or(SmallVector<int64_t>(n, 1));
  auto pads = c.getInts("pads").value_or(SmallVector<int64_t>(2 * n, 0));
  if (strides.size() != n || dilations.size() != n || pads.size() != 2 * n)
    return c.error() << "strides, dilations and pads must match the image rank " << n;
  int64_t kernel = 1, blocks = 1;
  SmallVector<int64_t> perDim;
  for (size_t i = 0; i < n; ++i) {
    kernel *= (*block)[i];
    int64_t reach = dilations[i] * ((*block)[i] - 1) + 1;
    int64_t count = ((*image)[i] + pads[i] + pads[i + n] - reach) / strides[i] + 1;
    if (count <= 0)
      return c.error() << "the block does not fit the padded image along dim " << i;
    perDim.push_back(count);
    blocks *= count;
  }
  int64_t batch = in.getDimSize(0), rows = in.getDimSize(1);
  if (rows % kernel || in.getDimSize(2) != blocks)
    return c.error() << "input " << in << " does not hold " << blocks << " blocks of " << kernel;
  int64_t channels = rows / kernel;
  Type elem = in.getElementType();
  SmallVector<int64_t> colsShape = {batch, rows};
  llvm::append_range(colsShape, perDim);
  Value cols = graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(colsShape, elem), c.input(0), Value());
  SmallVector<int64_t> weightShape = {rows, 1};
  llvm::append_range(weightShape, *block);
  SmallVector<Attribute> ones;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < kernel; ++k)
      ones.push_back(c.b.getFloatAttr(elem, r % kernel == k ? 1.0 : 0.0));
  auto weightType = RankedTensorType::get(weightShape, elem);
  Value weight = graph::ConstantOp::create(c.b, c.loc, DenseElementsAttr::get(weightType, ones));
  onnxpb::NodeProto convT = c.node;
  convT.clear_attribute();
  auto addInts = [&](StringRef name, ArrayRef<int64_t> values) {
    auto *a = convT.add_attribute();
    a->set_name(name.str());
    a->set_type(onnxpb::AttributeProto::INTS);
    for (int64_t v : values)
      a->add_ints(v);
  };
  addInts("strides", strides);
  addInts("dilations", dilations);
  addInts("pads", pads);
  auto *group = convT.add_attribute();
  group->set_name("group");
  group->set_type(onnxpb::AttributeProto::INT);
  group->set_i(channels);
  NodeContext inner(c.b, convT, c.opset, {cols, weight}, {}, c.loc);
  return defaultDomainImporters().lookup("ConvTranspose")(inner);
}

void addCropGridImporters(llvm::StringMap<NodeImporter> &t) {
  t["Col2Im"] = importCol2Im;
  t["CenterCropPad"] = importCenterCropPad;
  t["AffineGrid"] = importAffineGrid;
  // GridSample-20 spells the modes "linear"/"cubic" (GridSample-16: "bilinear"/"bicubic").
  if (NodeImporter gridSample = t.lookup("GridSample"))
    t["GridSample"] = [gridSample](NodeContext &c) -> Results {
      std::string mode = c.getString("mode", "linear");
      if (c.opset < 20 || (mode != "linear" && mode != "cubic"))
        return gridSample(c);
      onnxpb::NodeProto respelled = c.node;
      onnxpb::AttributeProto *attr = nullptr;
      for (auto &a : *respelled.mutable_attribute())
        if (a.name() == "mode")
          attr = &a;
      if (!attr) {
        attr = respelled.add_attribute();
        attr->set_name("mode");
        attr->set_type(onnxpb::AttributeProto::STRING);
      }
      attr->set_s(mode == "linear" ? "bilinear" : "bicubic");
      NodeContext inner(c.b, respelled, c.opset, c.inputs, c.inferred, c.loc);
      return gridSample(inner);
    };
}

} // namespace tessera::onnx
