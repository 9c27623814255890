//===- NodeImportersConvTranspose.cpp - ConvTranspose as a convolution -----===//
//
// A transposed convolution is the convolution of the input with stride-1 zeros inserted between its
// elements, padded by dilation * (kernel - 1) minus the ONNX pads, with the kernel flipped spatially
// and its in/out channels swapped (per group). Zero insertion is a reshape to [.., H, 1, ..], an end
// pad of that unit dim to the stride, and a reshape back; the trailing stride - 1 zeros are removed
// by a negative end pad in the same Pad that adds the convolution padding.
//
#include "frontend/onnx/ImportContext.h"

using namespace mlir;

namespace tessera::onnx {

static Value reshapeTo(NodeContext &c, Value v, ArrayRef<int64_t> shape) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getShape() == shape)
    return v;
  return graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(shape, t.getElementType()), v, Value());
}

static Value padBy(NodeContext &c, Value v, ArrayRef<int64_t> pads) {
  if (llvm::all_of(pads, [](int64_t p) { return p == 0; }))
    return v;
  return graph::PadOp::create(c.b, c.loc, v, graph::PadMode::constant, c.b.getDenseI64ArrayAttr(pads), Value());
}

static Results importConvTranspose(NodeContext &c) {
  auto input = c.inputType(0), weight = c.inputType(1);
  int64_t rank = input.getRank();
  if (rank < 3 || weight.getRank() != rank || !input.hasStaticShape() || !weight.hasStaticShape() ||
      !isa<FloatType>(input.getElementType()))
    return c.error() << "expects static float input and weight of equal rank >= 3";
  size_t n = rank - 2;
  int64_t group = c.getInt("group", 1), channels = input.getDimSize(1);
  if (group <= 0 || channels % group || weight.getDimSize(0) != channels)
    return c.error() << "weight does not match the input channels and group";
  int64_t outPerGroup = weight.getDimSize(1), filters = outPerGroup * group;
  SmallVector<int64_t> kernel(weight.getShape().drop_front(2));
  auto strides = c.getInts("strides").value_or(SmallVector<int64_t>(n, 1));
  auto dilations = c.getInts("dilations").value_or(SmallVector<int64_t>(n, 1));
  auto outPad = c.getInts("output_padding").value_or(SmallVector<int64_t>(n, 0));
  if (strides.size() != n || dilations.size() != n || outPad.size() != n)
    return c.error() << "strides, dilations and output_padding must have " << n << " entries";
  if (auto k = c.getInts("kernel_shape"); k && ArrayRef<int64_t>(*k) != ArrayRef<int64_t>(kernel))
    return c.error() << "kernel_shape does not match the weight";
  // Explicit pads, from output_shape / auto_pad when given (ONNX's total-padding rule).
  SmallVector<int64_t> pads = c.getInts("pads").value_or(SmallVector<int64_t>(2 * n, 0));
  std::string autoPad = c.getString("auto_pad", "NOTSET");
  auto outputShape = c.getInts("output_shape");
  if (outputShape || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    if (outputShape && outputShape->size() != n)
      return c.error() << "output_shape must have " << n << " entries";
    for (size_t i = 0; i < n; ++i) {
      int64_t in = input.getDimSize(i + 2);
      int64_t want = outputShape ? (*outputShape)[i] : in * strides[i];
      int64_t total = strides[i] * (in - 1) + outPad[i] + (kernel[i] - 1) * dilations[i] + 1 - want;
      int64_t half = llvm::divideFloorSigned(total, 2); // negative totals extend the end
      pads[i] = autoPad == "SAME_UPPER" ? half : total - half;
      pads[i + n] = total - pads[i];
    }
  } else if (pads.size() != 2 * n) {
    return c.error() << "expects " << 2 * n << " pads";
  }

  // Zero insertion: [N, C, d...] -> [N, C, d0, 1, d1, 1, ...] -> pad to strides -> [N, C, d0*s0, ...].
  Value x = c.input(0);
  SmallVector<int64_t> split(input.getShape().take_front(2)), merged(split);
  SmallVector<int64_t> insertPads(2 * (2 + 2 * n), 0);
  for (size_t i = 0; i < n; ++i) {
    split.append({input.getDimSize(i + 2), 1});
    merged.push_back(input.getDimSize(i + 2) * strides[i]);
    insertPads[(2 + 2 * n) + 2 + 2 * i + 1] = strides[i] - 1;
  }
  x = reshapeTo(c, padBy(c, reshapeTo(c, x, split), insertPads), merged);
  SmallVector<int64_t> convPads(2 * rank, 0);
  for (size_t i = 0; i < n; ++i) {
    int64_t reach = dilations[i] * (kernel[i] - 1);
    convPads[i + 2] = reach - pads[i];
    convPads[i + 2 + rank] = reach - pads[i + n] + outPad[i] - (strides[i] - 1);
    // The output size along this dim, the padded input beyond the kernel's reach, must be positive
    // (checked here, before the Pad, whose result must not have a negative size).
    if (merged[i + 2] + convPads[i + 2] + convPads[i + 2 + rank] - reach <= 0)
      return c.error() << "pads leave no output";
  }
  x = padBy(c, x, convPads);

  // Weight [C, F/g, k...] -> flipped -> [g, C/g, F/g, k...] -> [g, F/g, C/g, k...] -> [F, C/g, k...].
  Value w = c.input(1);
  for (size_t i = 0; i < n; ++i) {
    SmallVector<int64_t> reversed;
    for (int64_t j = kernel[i] - 1; j >= 0; --j)
      reversed.push_back(j);
    auto idxType = RankedTensorType::get({kernel[i]}, c.b.getI64Type());
    Value idx = graph::ConstantOp::create(c.b, c.loc, DenseElementsAttr::get(idxType, ArrayRef<int64_t>(reversed)));
    w = graph::GatherOp::create(c.b, c.loc, w, idx, i + 2);
  }
  SmallVector<int64_t> grouped = {group, channels / group, outPerGroup}, perm = {0, 2, 1};
  for (size_t i = 0; i < n; ++i) {
    grouped.push_back(kernel[i]);
    perm.push_back(i + 3);
  }
  w = reshapeTo(c, w, grouped);
  w = graph::TransposeOp::create(c.b, c.loc, w, c.b.getDenseI64ArrayAttr(perm));
  SmallVector<int64_t> convWeight = {filters, channels / group};
  llvm::append_range(convWeight, kernel);
  w = reshapeTo(c, w, convWeight);

  Value y = graph::ConvOp::create(c.b, c.loc, x, w, c.input(2), c.b.getDenseI64ArrayAttr(SmallVector<int64_t>(n, 1)),
                                  c.b.getDenseI64ArrayAttr(dilations), c.b.getDenseI64ArrayAttr(SmallVector<int64_t>(2 * n, 0)),
                                  group);
  return SmallVector<Value>{y};
}

void addConvTransposeImporter(llvm::StringMap<NodeImporter> &t) { t["ConvTranspose"] = importConvTranspose; }

} // namespace tessera::onnx
