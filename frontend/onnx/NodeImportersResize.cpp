//===- NodeImportersResize.cpp - Resize / Upsample, GridSample, RoiAlign ---===//
#include "frontend/onnx/ImportContext.h"

using namespace mlir;

namespace tessera::onnx {

static std::optional<SmallVector<double>> constantFloats(NodeContext &c, size_t i) {
  auto dense = c.constantValue(i);
  if (!dense || !isa<FloatType>(dense.getElementType()))
    return std::nullopt;
  SmallVector<double> out;
  for (APFloat v : dense.getValues<APFloat>())
    out.push_back(v.convertToDouble());
  return out;
}

static bool present(NodeContext &c, size_t i) {
  return c.input(i) && c.inputType(i).getNumElements() != 0;
}

static Results importResize(NodeContext &c, bool upsample) {
  auto in = c.inputType(0);
  if (!in.hasStaticShape())
    return c.error() << "dynamic shapes are not supported yet";
  int64_t rank = in.getRank();
  std::string mode = c.getString("mode", "nearest");
  if (mode == "bilinear" || mode == "trilinear") // Upsample-7 spelling
    mode = "linear";
  // Upsample and Resize-10 map output i to input i / scale.
  bool legacy = upsample || c.opset < 11;
  std::string ctm = legacy ? "asymmetric" : c.getString("coordinate_transformation_mode", "half_pixel");
  std::string nearest = upsample ? "floor" : legacy ? "round_prefer_floor" : c.getString("nearest_mode", "round_prefer_floor");
  std::optional<graph::ResizeMode> resizeMode = graph::symbolizeResizeMode(mode);
  if (!resizeMode)
    return c.error() << "mode '" << mode << "' is not supported yet";
  std::optional<CropAndResize> crop;
  if (ctm == "tf_crop_and_resize") {
    if (!present(c, 1))
      return c.error() << "tf_crop_and_resize needs an roi";
    auto roi = c.inputType(1);
    if (roi.getRank() != 1 || roi.getDimSize(0) != 2 * rank || !isa<FloatType>(roi.getElementType()))
      return c.error() << "the roi must be a float vector of " << 2 * rank << " values (starts, then ends), got "
                       << roi;
    crop = CropAndResize{c.input(1), c.getFloat("extrapolation_value", 0.0f)};
    ctm = "asymmetric"; // unused: the roi gives the coordinates
  }
  std::optional<graph::CoordinateTransform> transform = graph::symbolizeCoordinateTransform(ctm);
  if (!transform)
    return c.error() << "coordinate_transformation_mode '" << ctm << "' is not supported yet";
  std::optional<graph::NearestMode> nearestMode = graph::symbolizeNearestMode(nearest);
  if (!nearestMode)
    return c.error() << "nearest_mode '" << nearest << "' is not supported";
  if (c.attr("axes") || c.getString("keep_aspect_ratio_policy", "stretch") != "stretch")
    return c.error() << "axes and keep_aspect_ratio_policy are not supported yet";
  std::optional<SmallVector<double>> scales;
  std::optional<SmallVector<int64_t>> sizes;
  size_t scalesInput = c.opset < 11 ? 1 : 2;
  if (upsample && c.opset < 9) {
    if (auto s = c.attr("scales"))
      scales = SmallVector<double>(s->floats().begin(), s->floats().end());
  } else if (present(c, scalesInput)) {
    if (!(scales = constantFloats(c, scalesInput)))
      return one(resizeWithRuntimeScales(c, c.input(0), c.input(scalesInput), Value(), *resizeMode, *transform,
                                         *nearestMode, c.getFloat("cubic_coeff_a", -0.75f),
                                         c.getInt("exclude_outside", 0) != 0, crop ? &*crop : nullptr));
  } else if (!legacy && present(c, 3)) {
    if (!(sizes = c.constantInts(3)))
      return one(resizeWithRuntimeScales(c, c.input(0), Value(), c.input(3), *resizeMode, *transform, *nearestMode,
                                         c.getFloat("cubic_coeff_a", -0.75f), c.getInt("exclude_outside", 0) != 0,
                                         crop ? &*crop : nullptr));
  }
  if (crop) { // cropping is always resized by the per-dim decomposition
    Value given = present(c, scalesInput) ? c.input(scalesInput) : Value();
    return one(resizeWithRuntimeScales(c, c.input(0), given, given ? Value() : c.input(3), *resizeMode, *transform,
                                       *nearestMode, c.getFloat("cubic_coeff_a", -0.75f),
                                       c.getInt("exclude_outside", 0) != 0, &*crop));
  }
  if (!scales && !sizes)
    return c.error() << "expects scales or sizes";
  if ((scales && (int64_t)scales->size() != rank) || (sizes && (int64_t)sizes->size() != rank))
    return c.error() << "expects one scale or size per dim";
  SmallVector<int64_t> shape;
  SmallVector<double> used;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = in.getDimSize(d);
    if (scales) {
      if ((*scales)[d] <= 0)
        return c.error() << "scales must be positive";
      shape.push_back((int64_t)std::floor(size * (*scales)[d]));
      used.push_back((*scales)[d]);
    } else {
      shape.push_back((*sizes)[d]);
      used.push_back(size ? double((*sizes)[d]) / double(size) : 1.0);
    }
    if (shape.back() <= 0 || size == 0)
      return c.error() << "resizing dim " << d << " to an empty dim is not supported";
  }
  return one(graph::ResizeOp::create(c.b, c.loc, c.input(0), *resizeMode, *transform, *nearestMode,
                                     c.b.getDenseF64ArrayAttr(used), c.b.getDenseI64ArrayAttr(shape),
                                     llvm::APFloat((double)c.getFloat("cubic_coeff_a", -0.75f)),
                                     c.getInt("exclude_outside", 0) != 0));
}

static Results importGridSample(NodeContext &c) {
  auto in = c.inputType(0), grid = c.inputType(1);
  if (in.getRank() != 4 || grid.getRank() != 4 || grid.getDimSize(3) != 2 || !in.hasStaticShape() ||
      !grid.hasStaticShape() || grid.getElementType() != in.getElementType())
    return c.error() << "expects a static 4-D input and an [N, H, W, 2] grid of its type";
  std::string mode = c.getString("mode", "bilinear"), padding = c.getString("padding_mode", "zeros");
  std::optional<graph::GridSampleMode> sampleMode = graph::symbolizeGridSampleMode(mode);
  std::optional<graph::GridSamplePadding> paddingMode = graph::symbolizeGridSamplePadding(padding);
  if (!sampleMode || !paddingMode)
    return c.error() << "unknown mode '" << mode << "' or padding_mode '" << padding << "'";
  return one(c.make<graph::GridSampleOp>(c.input(0), c.input(1), *sampleMode, *paddingMode,
                                         c.getInt("align_corners", 0) != 0));
}

static Results importRoiAlign(NodeContext &c) {
  auto in = c.inputType(0), rois = c.inputType(1), idx = c.inputType(2);
  if (in.getRank() != 4 || !in.hasStaticShape() || rois.getRank() != 2 || !rois.hasStaticShape() ||
      rois.getDimSize(1) != 4 || idx.getRank() != 1 || !isa<FloatType>(in.getElementType()) ||
      !isa<FloatType>(rois.getElementType()))
    return c.error() << "expects a static float [N, C, H, W] input and [R, 4] rois";
  if (c.getString("mode", "avg") != "avg")
    return c.error() << "only mode 'avg' is supported";
  int64_t ratio = c.getInt("sampling_ratio", 0);
  if (ratio <= 0)
    return c.error() << "an adaptive sampling ratio (0) is not supported yet";
  std::string ctm = c.getString("coordinate_transformation_mode", "half_pixel");
  if (ctm != "half_pixel" && ctm != "output_half_pixel")
    return c.error() << "unknown coordinate_transformation_mode '" << ctm << "'";
  return one(c.make<graph::RoiAlignOp>(c.input(0), c.input(1), c.input(2), c.b.getBoolAttr(ctm == "half_pixel"),
                                        c.b.getI64IntegerAttr(c.getInt("output_height", 1)),
                                        c.b.getI64IntegerAttr(c.getInt("output_width", 1)),
                                        c.b.getI64IntegerAttr(ratio),
                                        c.b.getF32FloatAttr(c.getFloat("spatial_scale", 1.0f))));
}

void addResizeImporters(llvm::StringMap<NodeImporter> &t) {
  t["RoiAlign"] = importRoiAlign;
  t["GridSample"] = importGridSample;
  t["Resize"] = [](NodeContext &c) { return importResize(c, false); };
  t["Upsample"] = [](NodeContext &c) { return importResize(c, true); };
}

} // namespace tessera::onnx
