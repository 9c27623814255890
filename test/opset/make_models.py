#!/usr/bin/env python3
"""Writes small ONNX models at opsets 18-22 (signature changes libonnx 1.12 does not know, new ops and
version bumps) with fixed-seed random inputs.

    make_models.py [OUT_DIR]     (default: ./models)

Each model gets OUT_DIR/<name>/model.onnx and one OUT_DIR/<name>/input_<k>_<NAME>.npy per runtime
input. Output shapes are declared (Tessera needs ranked outputs); the oracle is ONNX Runtime.
The models are not passed through onnx.checker: onnx 1.12 does not know these opsets.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

DTYPES = {
    np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float16): TensorProto.FLOAT16,
    np.dtype(np.float64): TensorProto.DOUBLE, np.dtype(np.int64): TensorProto.INT64,
    np.dtype(np.int32): TensorProto.INT32, np.dtype(np.int8): TensorProto.INT8,
    np.dtype(np.uint8): TensorProto.UINT8, np.dtype(np.bool_): TensorProto.BOOL,
}

CASES = []


def case(name, opset, nodes, inputs, outputs, inits=()):
    """inputs/inits: [(name, array)]; outputs: [(name, numpy dtype, shape)]."""
    CASES.append((name, opset, nodes, list(inputs), list(outputs), list(inits)))


def rng(seed):
    return np.random.RandomState(seed)


def randf(seed, *shape, lo=-2.0, hi=2.0):
    return rng(seed).uniform(lo, hi, shape).astype(np.float32)


def i64(*v):
    return np.array(v, dtype=np.int64)


def node(op, ins, outs, **attrs):
    return helper.make_node(op, ins, outs, **attrs)


F32, I64, I32, I8, U8, BOOL = np.float32, np.int64, np.int32, np.int8, np.uint8, np.bool_

# --- opset 18: Reduce* take axes as an input -------------------------------------------------------
X345 = randf(1, 3, 4, 5)
POS345 = np.abs(X345) + 0.1
for op in ["ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSumSquare", "ReduceL1",
           "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSum"]:
    x = POS345 if op in ("ReduceLogSum", "ReduceProd") else X345
    short = op[len("Reduce"):].lower()
    case(f"reduce_{short}_axes_input_18", 18, [node(op, ["x", "axes"], ["y"], keepdims=1)],
         [("x", x)], [("y", F32, [3, 1, 5])], [("axes", i64(1))])
    case(f"reduce_{short}_axes_input_nokeep_18", 18, [node(op, ["x", "axes"], ["y"], keepdims=0)],
         [("x", x)], [("y", F32, [4])], [("axes", i64(-1, 0))])
case("reduce_mean_no_axes_18", 18, [node("ReduceMean", ["x"], ["y"])], [("x", X345)],
     [("y", F32, [1, 1, 1])])
case("reduce_max_noop_empty_axes_18", 18, [node("ReduceMax", ["x"], ["y"], noop_with_empty_axes=1)],
     [("x", X345)], [("y", F32, [3, 4, 5])])
case("reduce_max_bool_20", 20, [node("ReduceMax", ["x", "axes"], ["y"], keepdims=0)],
     [("x", X345 > 0.5)], [("y", BOOL, [3, 5])], [("axes", i64(1))])
case("reduce_min_bool_20", 20, [node("ReduceMin", ["x", "axes"], ["y"], keepdims=1)],
     [("x", X345 > -1.5)], [("y", BOOL, [3, 1, 5])], [("axes", i64(1))])
case("reduce_min_axes_input_20", 20, [node("ReduceMin", ["x", "axes"], ["y"], keepdims=1)],
     [("x", X345)], [("y", F32, [1, 4, 1])], [("axes", i64(0, 2))])

# --- Split num_outputs (18) ------------------------------------------------------------------------
X74 = randf(2, 7, 4)
case("split_num_outputs_uneven_18", 18, [node("Split", ["x"], ["a", "b", "c"], axis=0, num_outputs=3)],
     [("x", X74)], [("a", F32, [3, 4]), ("b", F32, [3, 4]), ("c", F32, [1, 4])])
case("split_num_outputs_even_18", 18, [node("Split", ["x"], ["a", "b"], axis=1, num_outputs=2)],
     [("x", X74)], [("a", F32, [7, 2]), ("b", F32, [7, 2])])
case("split_sizes_input_18", 18, [node("Split", ["x", "s"], ["a", "b"], axis=0)],
     [("x", X74)], [("a", F32, [2, 4]), ("b", F32, [5, 4])], [("s", i64(2, 5))])
case("split_num_outputs_neg_axis_22", 22, [node("Split", ["x"], ["a", "b", "c"], axis=-1, num_outputs=3)],
     [("x", randf(70, 3, 5))], [("a", F32, [3, 2]), ("b", F32, [3, 2]), ("c", F32, [3, 1])])

# --- Pad axes input (18), wrap mode (19) -----------------------------------------------------------
case("pad_axes_constant_18", 18, [node("Pad", ["x", "p", "v", "axes"], ["y"], mode="constant")],
     [("x", X345)], [("y", F32, [4, 4, 8])],
     [("p", i64(1, 2, 0, 1)), ("v", np.array(1.5, np.float32)), ("axes", i64(0, 2))])
case("pad_axes_edge_neg_18", 18, [node("Pad", ["x", "p", "", "axes"], ["y"], mode="edge")],
     [("x", X345)], [("y", F32, [3, 4, 8])], [("p", i64(2, 1)), ("axes", i64(-1))])
case("pad_axes_reflect_18", 18, [node("Pad", ["x", "p", "", "axes"], ["y"], mode="reflect")],
     [("x", X345)], [("y", F32, [3, 7, 5])], [("p", i64(1, 2)), ("axes", i64(1))])
case("pad_wrap_19", 19, [node("Pad", ["x", "p", "", "axes"], ["y"], mode="wrap")],
     [("x", X345)], [("y", F32, [3, 4, 8])], [("p", i64(1, 2)), ("axes", i64(2))])
case("pad_wrap_two_axes_22", 22, [node("Pad", ["x", "p"], ["y"], mode="wrap")],
     [("x", X345)], [("y", F32, [3, 7, 6])], [("p", i64(0, 2, 0, 0, 1, 1))])
case("pad_constant_21", 21, [node("Pad", ["x", "p"], ["y"])],
     [("x", X345)], [("y", F32, [4, 4, 7])], [("p", i64(1, 0, 1, 0, 0, 1))])
case("pad_negative_22", 22, [node("Pad", ["x", "p"], ["y"])],
     [("x", X345)], [("y", F32, [2, 5, 5])], [("p", i64(-1, 0, 0, 0, 1, 0))])

# --- ScatterElements / ScatterND reduction max/min (18) --------------------------------------------
D34 = randf(3, 3, 4)
U24 = randf(4, 2, 4)
IDX24 = np.array([[0, 2, 1, 0], [0, 1, 1, 2]], np.int64)  # repeats exercise the reduction
for red in ["max", "min", "add", "mul"]:
    case(f"scatter_elements_{red}_18", 18,
         [node("ScatterElements", ["d", "i", "u"], ["y"], axis=0, reduction=red)],
         [("d", D34), ("u", U24)], [("y", F32, [3, 4])], [("i", IDX24)])
D43 = randf(5, 4, 3)
U33 = randf(6, 3, 3)
for red in ["max", "min"]:
    case(f"scatter_nd_{red}_18", 18, [node("ScatterND", ["d", "i", "u"], ["y"], reduction=red)],
         [("d", D43), ("u", U33)], [("y", F32, [4, 3])], [("i", np.array([[0], [2], [0]], np.int64))])

# --- CenterCropPad, Col2Im (18) --------------------------------------------------------------------
X563 = randf(7, 5, 6, 3)
case("center_crop_pad_18", 18, [node("CenterCropPad", ["x", "s"], ["y"], axes=[0, 1])],
     [("x", X563)], [("y", F32, [4, 8, 3])], [("s", i64(4, 8))])
case("center_crop_pad_odd_all_axes_18", 18, [node("CenterCropPad", ["x", "s"], ["y"])],
     [("x", X563)], [("y", F32, [2, 9, 3])], [("s", i64(2, 9, 3))])
case("col2im_18", 18, [node("Col2Im", ["x", "img", "blk"], ["y"])],
     [("x", randf(8, 1, 4, 9))], [("y", F32, [1, 1, 4, 4])], [("img", i64(4, 4)), ("blk", i64(2, 2))])

case("col2im_strided_padded_18", 18,
     [node("Col2Im", ["x", "img", "blk"], ["y"], strides=[2, 1], pads=[1, 0, 1, 1], dilations=[1, 2])],
     [("x", randf(79, 2, 12, 12))], [("y", F32, [2, 2, 5, 5])], [("img", i64(5, 5)), ("blk", i64(3, 2))])

# --- Cast / CastLike saturate (19), 21 -------------------------------------------------------------
X234 = randf(9, 2, 3, 4, lo=-50, hi=50)
case("cast_float_to_int32_19", 19, [node("Cast", ["x"], ["y"], to=TensorProto.INT32, saturate=1)],
     [("x", X234)], [("y", I32, [2, 3, 4])])
case("cast_int64_to_float_19", 19, [node("Cast", ["x"], ["y"], to=TensorProto.FLOAT)],
     [("x", rng(10).randint(-100, 100, (2, 3)).astype(np.int64))], [("y", F32, [2, 3])])
case("cast_float_to_int8_21", 21, [node("Cast", ["x"], ["y"], to=TensorProto.INT8)],
     [("x", X234)], [("y", I8, [2, 3, 4])])
case("cast_float_to_float16_19", 19, [node("Cast", ["x"], ["y"], to=TensorProto.FLOAT16, saturate=1)],
     [("x", X234)], [("y", np.float16, [2, 3, 4])])
case("cast_int64_to_bool_21", 21, [node("Cast", ["x"], ["y"], to=TensorProto.BOOL)],
     [("x", rng(80).randint(-2, 3, (3, 4)).astype(np.int64))], [("y", BOOL, [3, 4])])
case("castlike_19", 19, [node("CastLike", ["x", "t"], ["y"], saturate=1)],
     [("x", X234)], [("y", I64, [2, 3, 4])], [("t", i64(0))])
case("castlike_21", 21, [node("CastLike", ["x", "t"], ["y"])],
     [("x", rng(11).randint(-9, 9, (3, 2)).astype(np.int32))], [("y", F32, [3, 2])],
     [("t", np.zeros([1], np.float32))])

# --- Shape / Size / Reshape / Identity / ... bumped at 19 and 21 ----------------------------------
X2345 = randf(12, 2, 3, 4, 5)
case("shape_start_end_19", 19, [node("Shape", ["x"], ["y"], start=1, end=-1)],
     [("x", X2345)], [("y", I64, [2])])
case("shape_21", 21, [node("Shape", ["x"], ["s"]), node("Cast", ["s"], ["y"], to=TensorProto.FLOAT),
                      node("Add", ["y", "b"], ["z"])],
     [("x", X2345)], [("z", F32, [4])], [("b", np.ones([4], np.float32))])
case("size_19", 19, [node("Size", ["x"], ["y"])], [("x", X2345)], [("y", I64, [])])
case("size_21", 21, [node("Size", ["x"], ["y"])], [("x", X345)], [("y", I64, [])])
case("reshape_19", 19, [node("Reshape", ["x", "s"], ["y"])], [("x", X2345)], [("y", F32, [6, 20])],
     [("s", i64(6, -1))])
case("reshape_zero_21", 21, [node("Reshape", ["x", "s"], ["y"])], [("x", X2345)],
     [("y", F32, [2, 60])], [("s", i64(0, -1))])
case("reshape_from_shape_21", 21,
     [node("Shape", ["r"], ["s"]), node("Reshape", ["x", "s"], ["y"])],
     [("x", X2345), ("r", randf(13, 10, 12))], [("y", F32, [10, 12])])
case("identity_19", 19, [node("Identity", ["x"], ["y"])], [("x", X345)], [("y", F32, [3, 4, 5])])
case("identity_21", 21, [node("Identity", ["x"], ["y"])],
     [("x", rng(14).randint(0, 9, (4,)).astype(np.int64))], [("y", I64, [4])])
case("flatten_21", 21, [node("Flatten", ["x"], ["y"], axis=2)], [("x", X2345)], [("y", F32, [6, 20])])
case("squeeze_unsqueeze_21", 21,
     [node("Unsqueeze", ["x", "a"], ["u"]), node("Squeeze", ["u", "b"], ["y"])],
     [("x", X345)], [("y", F32, [3, 4, 5])], [("a", i64(0, -1)), ("b", i64(0, 4))])
case("unsqueeze_21", 21, [node("Unsqueeze", ["x", "a"], ["y"])], [("x", X345)],
     [("y", F32, [3, 1, 4, 5])], [("a", i64(1))])
case("squeeze_no_axes_21", 21, [node("Squeeze", ["x"], ["y"])], [("x", randf(15, 1, 3, 1, 2))],
     [("y", F32, [3, 2])])
case("transpose_21", 21, [node("Transpose", ["x"], ["y"], perm=[2, 0, 1])], [("x", X345)],
     [("y", F32, [5, 3, 4])])
case("equal_19", 19, [node("Equal", ["a", "b"], ["y"])],
     [("a", rng(16).randint(0, 3, (3, 4)).astype(np.int64)), ("b", rng(17).randint(0, 3, (4,)).astype(np.int64))],
     [("y", BOOL, [3, 4])])
case("averagepool_dilations_19", 19,
     [node("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], dilations=[2, 2])],
     [("x", randf(18, 1, 2, 6, 6))], [("y", F32, [1, 2, 4, 4])])

# --- Quantization (19, 21 blocked) -----------------------------------------------------------------
case("dequantize_linear_19", 19, [node("DequantizeLinear", ["x", "s", "z"], ["y"])],
     [("x", rng(19).randint(0, 255, (2, 3, 4)).astype(np.uint8))], [("y", F32, [2, 3, 4])],
     [("s", np.array(0.05, np.float32)), ("z", np.array(128, np.uint8))])
case("quantize_linear_19", 19, [node("QuantizeLinear", ["x", "s", "z"], ["y"])],
     [("x", X234 / 10)], [("y", U8, [2, 3, 4])],
     [("s", np.array(0.03, np.float32)), ("z", np.array(120, np.uint8))])
case("dequantize_linear_axis_21", 21, [node("DequantizeLinear", ["x", "s", "z"], ["y"], axis=1)],
     [("x", rng(20).randint(-128, 127, (4, 6)).astype(np.int8))], [("y", F32, [4, 6])],
     [("s", rng(21).uniform(0.01, 0.1, (6,)).astype(np.float32)),
      ("z", rng(22).randint(-5, 5, (6,)).astype(np.int8))])
case("dequantize_linear_blocked_21", 21,
     [node("DequantizeLinear", ["x", "s", "z"], ["y"], axis=1, block_size=3)],
     [("x", rng(23).randint(-128, 127, (4, 6)).astype(np.int8))], [("y", F32, [4, 6])],
     [("s", rng(24).uniform(0.01, 0.1, (4, 2)).astype(np.float32)),
      ("z", rng(25).randint(-5, 5, (4, 2)).astype(np.int8))])
case("quantize_linear_blocked_21", 21,
     [node("QuantizeLinear", ["x", "s", "z"], ["y"], axis=0, block_size=2)],
     [("x", randf(26, 4, 6))], [("y", I8, [4, 6])],
     [("s", rng(27).uniform(0.01, 0.05, (2, 6)).astype(np.float32)),
      ("z", rng(28).randint(-5, 5, (2, 6)).astype(np.int8))])
case("dequantize_linear_blocked_partial_21", 21,
     [node("DequantizeLinear", ["x", "s"], ["y"], axis=0, block_size=2)],
     [("x", rng(74).randint(0, 255, (5, 3)).astype(np.uint8))], [("y", F32, [5, 3])],
     [("s", rng(75).uniform(0.01, 0.1, (3, 3)).astype(np.float32))])
case("quantize_linear_output_dtype_int8_21", 21,
     [node("QuantizeLinear", ["x", "s"], ["y"], output_dtype=TensorProto.INT8)],
     [("x", randf(76, 3, 4))], [("y", I8, [3, 4])], [("s", np.array(0.02, np.float32))])
case("quantize_linear_output_dtype_21", 21,
     [node("QuantizeLinear", ["x", "s"], ["y"], output_dtype=TensorProto.UINT8)],
     [("x", np.abs(randf(29, 3, 4)))], [("y", U8, [3, 4])], [("s", np.array(0.02, np.float32))])

case("qlinear_matmul_21", 21, [node("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"], ["y"])],
     [("a", rng(84).randint(0, 255, (3, 4)).astype(np.uint8))], [("y", U8, [3, 2])],
     [("as", np.array(0.02, np.float32)), ("az", np.array(110, np.uint8)),
      ("b", rng(85).randint(0, 255, (4, 2)).astype(np.uint8)), ("bs", np.array(0.03, np.float32)),
      ("bz", np.array(130, np.uint8)), ("ys", np.array(0.05, np.float32)), ("yz", np.array(125, np.uint8))])
case("matmul_integer_21", 21, [node("MatMulInteger", ["a", "b", "az"], ["y"])],
     [("a", rng(86).randint(0, 255, (3, 4)).astype(np.uint8)),
      ("b", rng(87).randint(0, 255, (4, 5)).astype(np.uint8))], [("y", I32, [3, 5])],
     [("az", np.array(12, np.uint8))])

# --- New ops and changed ops at opset 20 -----------------------------------------------------------
case("gelu_20", 20, [node("Gelu", ["x"], ["y"])], [("x", X345)], [("y", F32, [3, 4, 5])])
case("gelu_tanh_20", 20, [node("Gelu", ["x"], ["y"], approximate="tanh")], [("x", X345)],
     [("y", F32, [3, 4, 5])])
SPECIAL = np.array([[1.0, np.nan, -np.inf, 0.0], [np.inf, -2.5, np.nan, 3.0]], np.float32)
case("isnan_20", 20, [node("IsNaN", ["x"], ["y"])], [("x", SPECIAL)], [("y", BOOL, [2, 4])])
case("isinf_20", 20, [node("IsInf", ["x"], ["y"])], [("x", SPECIAL)], [("y", BOOL, [2, 4])])
case("isinf_positive_20", 20, [node("IsInf", ["x"], ["y"], detect_negative=0)], [("x", SPECIAL)],
     [("y", BOOL, [2, 4])])
case("constant_of_shape_20", 20,
     [node("ConstantOfShape", ["s"], ["c"], value=helper.make_tensor("v", TensorProto.FLOAT, [1], [2.5])),
      node("Add", ["x", "c"], ["y"])],
     [("x", randf(30, 2, 3))], [("y", F32, [2, 3])], [("s", i64(2, 3))])
case("constant_of_shape_from_shape_21", 21,
     [node("Shape", ["x"], ["s"]),
      node("ConstantOfShape", ["s"], ["c"], value=helper.make_tensor("v", TensorProto.INT64, [1], [7])),
      node("Cast", ["x"], ["xi"], to=TensorProto.INT64), node("Mul", ["xi", "c"], ["y"])],
     [("x", X234)], [("y", I64, [2, 3, 4])])
case("constant_of_shape_default_21", 21, [node("ConstantOfShape", ["s"], ["y"])], [],
     [("y", F32, [3, 2])], [("s", i64(3, 2))])
case("affine_grid_20", 20, [node("AffineGrid", ["theta", "size"], ["y"], align_corners=0)],
     [("theta", randf(31, 2, 2, 3, lo=-1, hi=1))], [("y", F32, [2, 4, 5, 2])],
     [("size", i64(2, 1, 4, 5))])
case("affine_grid_3d_align_corners_20", 20, [node("AffineGrid", ["theta", "size"], ["y"], align_corners=1)],
     [("theta", randf(71, 1, 3, 4, lo=-1, hi=1))], [("y", F32, [1, 2, 3, 4, 3])],
     [("size", i64(1, 2, 2, 3, 4))])
case("grid_sample_cubic_20", 20, [node("GridSample", ["x", "g"], ["y"], mode="cubic", align_corners=1)],
     [("x", randf(72, 1, 2, 4, 5)), ("g", randf(73, 1, 3, 3, 2, lo=-1, hi=1))], [("y", F32, [1, 2, 3, 3])])
case("grid_sample_linear_20", 20, [node("GridSample", ["x", "g"], ["y"], mode="linear")],
     [("x", randf(32, 1, 2, 4, 5)), ("g", randf(33, 1, 3, 3, 2, lo=-1, hi=1))], [("y", F32, [1, 2, 3, 3])])
case("grid_sample_nearest_22", 22,
     [node("GridSample", ["x", "g"], ["y"], mode="nearest", padding_mode="border", align_corners=1)],
     [("x", randf(34, 1, 2, 4, 5)), ("g", randf(35, 1, 3, 3, 2, lo=-1.2, hi=1.2))],
     [("y", F32, [1, 2, 3, 3])])
case("dft_axis_input_20", 20, [node("DFT", ["x", "", "axis"], ["y"])],
     [("x", randf(36, 2, 8, 1))], [("y", F32, [2, 8, 2])], [("axis", np.array(1, np.int64))])
case("dft_onesided_20", 20, [node("DFT", ["x", "", "axis"], ["y"], onesided=1)],
     [("x", randf(37, 2, 8, 1))], [("y", F32, [2, 5, 2])], [("axis", np.array(-2, np.int64))])

case("dft_length_input_20", 20, [node("DFT", ["x", "n", "axis"], ["y"])],
     [("x", randf(81, 1, 6, 2))], [("y", F32, [1, 8, 2])],
     [("n", np.array(8, np.int64)), ("axis", np.array(1, np.int64))])
case("dft_length_truncate_axis0_20", 20, [node("DFT", ["x", "n", "axis"], ["y"])],
     [("x", randf(82, 6, 3, 2))], [("y", F32, [4, 3, 2])],
     [("n", np.array(4, np.int64)), ("axis", np.array(0, np.int64))])
case("dft_default_axis_inverse_20", 20, [node("DFT", ["x"], ["y"], inverse=1)],
     [("x", randf(83, 2, 3, 5, 2))], [("y", F32, [2, 3, 5, 2])])
case("lp_normalization_22", 22, [node("LpNormalization", ["x"], ["y"], axis=1, p=1)],
     [("x", X345)], [("y", F32, [3, 4, 5])])

# --- GroupNormalization (18: per-group scale; 21: per-channel) -------------------------------------
X2633 = randf(38, 2, 6, 3, 3)
case("group_norm_21", 21, [node("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=3)],
     [("x", X2633)], [("y", F32, [2, 6, 3, 3])],
     [("s", randf(39, 6)), ("b", randf(40, 6))])
case("group_norm_18", 18, [node("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=2, epsilon=1e-3)],
     [("x", X2633)], [("y", F32, [2, 6, 3, 3])], [("s", randf(41, 2)), ("b", randf(42, 2))])

# --- LayerNormalization: one op where only Y is read; statistics as outputs; axes; broadcast scale ---
case("layer_norm_y_only_18", 18, [node("LayerNormalization", ["x", "s", "b"], ["y"])],
     [("x", randf(51, 2, 5, 16))], [("y", F32, [2, 5, 16])], [("s", randf(52, 16)), ("b", randf(53, 16))])
case("layer_norm_axis1_4d_18", 18, [node("LayerNormalization", ["x", "s", "b"], ["y"], axis=1, epsilon=1e-3)],
     [("x", randf(54, 2, 3, 4, 5))], [("y", F32, [2, 3, 4, 5])],
     [("s", randf(55, 3, 4, 5)), ("b", randf(56, 3, 4, 5))])
case("layer_norm_axis0_no_bias_18", 18, [node("LayerNormalization", ["x", "s"], ["y"], axis=0)],
     [("x", randf(57, 3, 8))], [("y", F32, [3, 8])], [("s", randf(58, 3, 8))])
case("layer_norm_broadcast_scale_18", 18, [node("LayerNormalization", ["x", "s", "b"], ["y"], axis=-2)],
     [("x", randf(59, 2, 4, 6))], [("y", F32, [2, 4, 6])], [("s", randf(60, 6)), ("b", randf(61, 4, 6))])
case("layer_norm_statistics_18", 18,
     [node("LayerNormalization", ["x", "s", "b"], ["y", "mean", "inv_std_dev"], axis=-1)],
     [("x", randf(62, 3, 2, 7))], [("y", F32, [3, 2, 7]), ("mean", F32, [3, 2, 1]), ("inv_std_dev", F32, [3, 2, 1])],
     [("s", randf(63, 7)), ("b", randf(64, 7))])
case("layer_norm_large_rows_18", 18, [node("LayerNormalization", ["x", "s", "b"], ["y"])],
     [("x", randf(65, 1, 300, 96))], [("y", F32, [1, 300, 96])], [("s", randf(66, 96)), ("b", randf(67, 96))])

# --- Version bumps at 22 (mostly bfloat16 types) ---------------------------------------------------
X1255 = randf(43, 1, 2, 5, 5)
X1266 = randf(44, 1, 2, 6, 6)
case("conv_22", 22, [node("Conv", ["x", "w", "b"], ["y"], pads=[1, 1, 1, 1])],
     [("x", X1255)], [("y", F32, [1, 3, 5, 5])], [("w", randf(45, 3, 2, 3, 3)), ("b", randf(46, 3))])
case("conv_transpose_22", 22, [node("ConvTranspose", ["x", "w"], ["y"], strides=[2, 2])],
     [("x", X1255)], [("y", F32, [1, 3, 11, 11])], [("w", randf(47, 2, 3, 3, 3))])
case("maxpool_22", 22, [node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2])],
     [("x", X1266)], [("y", F32, [1, 2, 3, 3])])
case("averagepool_22", 22,
     [node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=0)],
     [("x", X1266)], [("y", F32, [1, 2, 6, 6])])
case("global_average_pool_22", 22, [node("GlobalAveragePool", ["x"], ["y"])], [("x", X1266)],
     [("y", F32, [1, 2, 1, 1])])
case("global_max_pool_22", 22, [node("GlobalMaxPool", ["x"], ["y"])], [("x", X1266)],
     [("y", F32, [1, 2, 1, 1])])
case("instance_norm_22", 22, [node("InstanceNormalization", ["x", "s", "b"], ["y"])],
     [("x", X1266)], [("y", F32, [1, 2, 6, 6])], [("s", randf(48, 2)), ("b", randf(49, 2))])
case("eyelike_22", 22, [node("EyeLike", ["x"], ["y"], k=1)], [("x", randf(50, 3, 4))],
     [("y", F32, [3, 4])])
case("dropout_22", 22, [node("Dropout", ["x"], ["y"])], [("x", X345)], [("y", F32, [3, 4, 5])])
for op, attrs in [("Elu", {}), ("Selu", {}), ("Softplus", {}), ("Softsign", {}), ("Mish", {}),
                  ("HardSwish", {}), ("HardSigmoid", {"alpha": 0.3}), ("ThresholdedRelu", {"alpha": 0.5}),
                  ("Sin", {}), ("Cos", {}), ("Tan", {}), ("Asin", {}), ("Acos", {}), ("Atan", {}),
                  ("Sinh", {}), ("Cosh", {}), ("Asinh", {}), ("Atanh", {})]:
    x = randf(51, 3, 4, lo=-0.9, hi=0.9)
    case(f"{op.lower()}_22", 22, [node(op, ["x"], ["y"], **attrs)], [("x", x)], [("y", F32, [3, 4])])
case("acosh_22", 22, [node("Acosh", ["x"], ["y"])], [("x", randf(52, 3, 4, lo=1.1, hi=3))],
     [("y", F32, [3, 4])])
case("lstm_22", 22, [node("LSTM", ["x", "w", "r", "b"], ["y", "h"], hidden_size=3)],
     [("x", randf(53, 4, 2, 5))], [("y", F32, [4, 1, 2, 3]), ("h", F32, [1, 2, 3])],
     [("w", randf(54, 1, 12, 5, lo=-.5, hi=.5)), ("r", randf(55, 1, 12, 3, lo=-.5, hi=.5)),
      ("b", randf(56, 1, 24, lo=-.5, hi=.5))])
case("gru_22", 22, [node("GRU", ["x", "w", "r"], ["y", "h"], hidden_size=3, linear_before_reset=1)],
     [("x", randf(57, 4, 2, 5))], [("y", F32, [4, 1, 2, 3]), ("h", F32, [1, 2, 3])],
     [("w", randf(58, 1, 9, 5, lo=-.5, hi=.5)), ("r", randf(59, 1, 9, 3, lo=-.5, hi=.5))])
case("rnn_22", 22, [node("RNN", ["x", "w", "r"], ["y"], hidden_size=3)],
     [("x", randf(60, 4, 2, 5))], [("y", F32, [4, 1, 2, 3])],
     [("w", randf(61, 1, 3, 5, lo=-.5, hi=.5)), ("r", randf(62, 1, 3, 3, lo=-.5, hi=.5))])
# RoiAlign-22 is not in ONNX Runtime yet: the newest version it runs.
case("roi_align_21", 21,
     [node("RoiAlign", ["x", "rois", "bi"], ["y"], output_height=2, output_width=2, sampling_ratio=2,
           spatial_scale=1.0)],
     [("x", randf(63, 1, 2, 6, 6))], [("y", F32, [2, 2, 2, 2])],
     [("rois", np.array([[0.5, 0.5, 4.0, 3.5], [1.0, 0.0, 5.0, 5.0]], np.float32)),
      ("bi", i64(0, 0))])
case("layer_norm_22", 22, [node("LayerNormalization", ["x", "s", "b"], ["y"], axis=-1)],
     [("x", X345)], [("y", F32, [3, 4, 5])], [("s", randf(77, 5)), ("b", randf(78, 5))])
case("mean_variance_norm_22", 22, [node("MeanVarianceNormalization", ["x"], ["y"])],
     [("x", X1266)], [("y", F32, [1, 2, 6, 6])])
case("constant_value_floats_21", 21,
     [node("Constant", [], ["c"], value_floats=[1.0, -2.0, 3.5, 0.25]), node("Mul", ["x", "c"], ["y"])],
     [("x", randf(88, 3, 4))], [("y", F32, [3, 4])])
case("constant_tensor_22", 22,
     [node("Constant", [], ["c"], value=helper.make_tensor("c", TensorProto.FLOAT, [4], [1, 2, 3, 4])),
      node("Sub", ["x", "c"], ["y"])],
     [("x", randf(89, 3, 4))], [("y", F32, [3, 4])])
case("max_unpool_22", 22, [node("MaxUnpool", ["x", "i"], ["y"], kernel_shape=[2, 2], strides=[2, 2])],
     [("x", randf(90, 1, 1, 2, 2))], [("y", F32, [1, 1, 4, 4])], [("i", np.array([[[[1, 7], [8, 15]]]], np.int64))])
case("trilu_topk_22", 22,
     [node("Trilu", ["x"], ["t"], upper=0), node("TopK", ["t", "k"], ["v", "i"], axis=1)],
     [("x", randf(91, 4, 5))], [("v", F32, [4, 2]), ("i", I64, [4, 2])], [("k", i64(2))])
case("matmul_add_relu_22", 22,
     [node("MatMul", ["x", "w"], ["m"]), node("Add", ["m", "b"], ["a"]), node("Relu", ["a"], ["y"])],
     [("x", randf(64, 3, 5))], [("y", F32, [3, 4])], [("w", randf(65, 5, 4)), ("b", randf(66, 4))])
# A product large in rows and columns: its kernel is split into a grid of row bands by column slices.
case("matmul_bias_grid_18", 18,
     [node("MatMul", ["x", "w"], ["m"]), node("Add", ["m", "b"], ["y"])],
     [("x", randf(101, 1024, 256, lo=-1.0, hi=1.0))], [("y", F32, [1024, 512])],
     [("w", randf(102, 256, 512, lo=-1.0, hi=1.0)), ("b", randf(103, 512))])
case("softmax_gemm_22", 22,
     [node("Gemm", ["x", "w", "b"], ["g"], transB=1), node("Softmax", ["g"], ["y"])],
     [("x", randf(67, 2, 5))], [("y", F32, [2, 3])], [("w", randf(68, 3, 5)), ("b", randf(69, 3))])

# BatchNormalization after a convolution (folded into its filters at compile time), with and without a
# conv bias, grouped, and followed by an activation.
BN_STATS = [("scale", randf(92, 4)), ("shift", randf(93, 4)), ("mean", randf(94, 4)),
            ("var", np.abs(randf(95, 4)) + 0.1)]
case("conv_batch_norm_relu_18", 18,
     [node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
      node("BatchNormalization", ["c", "scale", "shift", "mean", "var"], ["n"], epsilon=1e-3),
      node("Relu", ["n"], ["y"])],
     [("x", randf(96, 1, 3, 8, 8))], [("y", F32, [1, 4, 8, 8])],
     [("w", randf(97, 4, 3, 3, 3)), ("b", randf(98, 4))] + BN_STATS)
case("conv_grouped_batch_norm_22", 22,
     [node("Conv", ["x", "w"], ["c"], group=2, strides=[2, 2]),
      node("BatchNormalization", ["c", "scale", "shift", "mean", "var"], ["y"])],
     [("x", randf(99, 1, 4, 7, 7))], [("y", F32, [1, 4, 3, 3])],
     [("w", randf(100, 4, 2, 3, 3))] + BN_STATS)


# --- Shape operands given at run time (graph inputs, not initializers) -----------------------------
# Each op's bounds are read when the model runs: the same rules as for constants, in run-time kernels.
for op, keep, axes, shape in [("ReduceMean", 0, i64(-1, 0), [4]), ("ReduceMax", 1, i64(1), [3, 1, 5]),
                              ("ReduceL2", 0, i64(2), [3, 4]), ("ReduceLogSum", 1, i64(0, 2), [1, 4, 1]),
                              ("ReduceSumSquare", 0, i64(0, 1), [5]), ("ReduceProd", 1, i64(-2), [3, 1, 5])]:
    x = POS345 if op in ("ReduceLogSum", "ReduceProd") else X345
    case(f"reduce_{op[len('Reduce'):].lower()}_runtime_axes_18", 18,
         [node(op, ["x", "axes"], ["y"], keepdims=keep)], [("x", x), ("axes", axes)], [("y", F32, shape)])
case("slice_runtime_bounds_18", 18, [node("Slice", ["x", "s", "e", "a", "st"], ["y"])],
     [("x", randf(110, 5, 6, 7)), ("s", i64(-1, 1)), ("e", i64(-100, 6)), ("a", i64(2, 0)), ("st", i64(-2, 2))],
     [("y", F32, [2, 6, 4])])
case("split_runtime_sizes_18", 18, [node("Split", ["x", "s"], ["a", "b", "c"], axis=1)],
     [("x", randf(111, 2, 7)), ("s", i64(3, 0, 4))], [("a", F32, [2, 3]), ("b", F32, [2, 0]), ("c", F32, [2, 4])])
case("pad_wrap_runtime_pads_19", 19, [node("Pad", ["x", "p", "", "axes"], ["y"], mode="wrap")],
     [("x", X345), ("p", i64(2, 1, 3, 0))], [("y", F32, [3, 9, 6])], [("axes", i64(1, 2))])
case("pad_edge_runtime_negative_22", 22, [node("Pad", ["x", "p"], ["y"], mode="edge")],
     [("x", X345), ("p", i64(1, -1, 2, 0, -2, 1))], [("y", F32, [4, 1, 8])])
case("pad_constant_runtime_value_21", 21, [node("Pad", ["x", "p", "v"], ["y"])],
     [("x", X345), ("p", i64(0, 1, 0, 1, 0, 2)), ("v", np.array(-3.0, np.float32))], [("y", F32, [4, 5, 7])])
case("resize_cubic_runtime_scales_19", 19,
     [node("Resize", ["x", "", "sc"], ["y"], mode="cubic", coordinate_transformation_mode="pytorch_half_pixel",
           exclude_outside=1, cubic_coeff_a=-0.5)],
     [("x", randf(112, 1, 2, 4, 6)), ("sc", np.array([1, 1, 1.5, 0.5], np.float32))], [("y", F32, [1, 2, 6, 3])])
case("resize_linear_runtime_sizes_19", 19,
     [node("Resize", ["x", "", "", "sz"], ["y"], mode="linear", coordinate_transformation_mode="align_corners")],
     [("x", randf(113, 1, 1, 5, 3)), ("sz", i64(1, 1, 3, 7))], [("y", F32, [1, 1, 3, 7])])
case("resize_crop_constant_roi_19", 19,
     [node("Resize", ["x", "roi", "sc"], ["y"], mode="nearest", coordinate_transformation_mode="tf_crop_and_resize",
           extrapolation_value=-7.0)],
     [("x", randf(115, 1, 1, 5, 4))], [("y", F32, [1, 1, 7, 6])],
     [("roi", np.array([0, 0, -0.2, 0.1, 1, 1, 0.9, 1.3], np.float32)), ("sc", np.array([1, 1, 1.5, 1.5], np.float32))])
# MaxUnpool with its output_shape read at run time (flat indices into that shape, as ONNX Runtime and torch
# read them): larger than the default 4x4 here.
case("maxunpool_runtime_output_shape_22", 22, [node("MaxUnpool", ["x", "i", "s"], ["y"], kernel_shape=[2, 2], strides=[2, 2])],
     [("x", randf(117, 1, 2, 2, 2)), ("i", np.array([[[[6, 8], [16, 24]], [[25, 28], [41, 49]]]], np.int64)),
      ("s", i64(1, 2, 5, 5))], [("y", F32, [1, 2, 5, 5])])
case("topk_runtime_k_smallest_22", 22, [node("TopK", ["x", "k"], ["v", "i"], axis=0, largest=0)],
     [("x", randf(114, 6, 3)), ("k", i64(4))], [("v", F32, [4, 3]), ("i", I64, [4, 3])])
# TfIdfVectorizer (opset 9, unchanged since) in the modes the node tests leave out: IDF and TFIDF with
# weights, unigrams to trigrams with skips, a column no gram maps to.
TOKENS = rng(116).randint(0, 4, (3, 9))
TFIDF = dict(min_gram_length=1, max_gram_length=3, max_skip_count=2, ngram_counts=[0, 3, 7],
             ngram_indexes=[0, 2, 1, 3, 4, 6, 5, 9, 7], weights=[0.5, 1.5, 2.0, 1.0, 3.0, 0.25, 4.0, 1.0, 2.5],
             pool_int64s=[0, 1, 3, 0, 1, 1, 2, 3, 3, 2, 0, 1, 2, 3, 3, 0, 1, 2, 3])
case("tfidf_idf_weights_18", 18, [node("TfIdfVectorizer", ["x"], ["y"], mode="IDF", **TFIDF)],
     [("x", TOKENS.astype(I64))], [("y", F32, [3, 10])])
case("tfidf_tfidf_int32_1d_18", 18, [node("TfIdfVectorizer", ["x"], ["y"], mode="TFIDF", **TFIDF)],
     [("x", TOKENS[0].astype(I32))], [("y", F32, [10])])

# Det by pivoted elimination: random 5x5 batches, and matrices that need a row swap (zero corner) or are
# singular (a repeated row: the determinant is 0, not NaN).
PIVOTS = np.stack([np.array([[0, 2, 1], [3, 1, 4], [1, 5, 9]], np.float32),
                   np.array([[1, 2, 3], [2, 4, 6], [1, 0, 1]], np.float32),
                   np.array([[0, 0, 1], [0, 1, 0], [1, 0, 0]], np.float32)])
case("det_batched_5x5_22", 22, [node("Det", ["x"], ["y"])], [("x", randf(117, 2, 3, 5, 5))], [("y", F32, [2, 3])])
case("det_pivot_singular_22", 22, [node("Det", ["x"], ["y"])], [("x", PIVOTS)], [("y", F32, [3])])

# Outputs whose length is a count of the input's values: NonZero over float (NaN is non-zero), int and
# bool inputs; Compress along an axis, flattened, and with a condition that selects nothing.
SPARSE = randf(118, 2, 3, 4)
SPARSE[SPARSE < 0.5] = 0
SPARSE[0, 1, 2] = np.nan
case("nonzero_float_3d_22", 22, [node("NonZero", ["x"], ["y"])], [("x", SPARSE)], [("y", I64, [3, None])])
case("nonzero_int_1d_22", 22, [node("NonZero", ["x"], ["y"])], [("x", np.array([0, 3, 0, -1, 7], I32))],
     [("y", I64, [1, None])])
case("nonzero_bool_2d_22", 22, [node("NonZero", ["x"], ["y"])], [("x", SPARSE[1] != 0)], [("y", I64, [2, None])])
case("compress_axis2_22", 22, [node("Compress", ["x", "c"], ["y"], axis=-1)],
     [("x", SPARSE), ("c", np.array([True, False, True], BOOL))], [("y", F32, [2, 3, None])])
case("compress_flat_none_selected_22", 22, [node("Compress", ["x", "c"], ["y"])],
     [("x", SPARSE), ("c", np.zeros(7, BOOL))], [("y", F32, [None])])

# Scan, unrolled at import: a reversed scan along axis 1, its output stacked backwards along axis 1; the
# body reads a value of the enclosing graph (w) and has an initializer of its own (half).
SCAN_BODY = helper.make_graph(
    [node("Mul", ["s", "half"], ["decayed"]), node("Add", ["decayed", "xt"], ["s_new"]),
     node("Mul", ["s_new", "w"], ["out"])],
    "scan_body", [helper.make_tensor_value_info("s", TensorProto.FLOAT, [2, 3]),
                  helper.make_tensor_value_info("xt", TensorProto.FLOAT, [2, 3])],
    [helper.make_tensor_value_info("s_new", TensorProto.FLOAT, [2, 3]),
     helper.make_tensor_value_info("out", TensorProto.FLOAT, [2, 3])],
    [numpy_helper.from_array(np.array(0.5, np.float32), "half")])
case("scan_reverse_axes_outer_value_21", 21,
     [node("Scan", ["s0", "x"], ["s_final", "ys"], body=SCAN_BODY, num_scan_inputs=1, scan_input_axes=[1],
           scan_input_directions=[1], scan_output_axes=[1], scan_output_directions=[1])],
     [("s0", randf(119, 2, 3)), ("x", randf(120, 2, 5, 3))], [("s_final", F32, [2, 3]), ("ys", F32, [2, 5, 3])],
     [("w", randf(121, 2, 3))])

# If: a run-time condition (both values) selects between branches that read outer values; a constant
# condition imports only the branch taken, which may differ in shape from the other.
def branch(name, nodes, out, shape):
    return helper.make_graph(nodes, name, [], [helper.make_tensor_value_info(out, TensorProto.FLOAT, shape)])
THEN = branch("then", [node("Add", ["x", "w"], ["t"])], "t", [2, 3])
ELSE = branch("else", [node("Mul", ["x", "x"], ["e0"]), node("Sub", ["e0", "w"], ["e"])], "e", [2, 3])
for flag in (True, False):
    case(f"if_runtime_cond_{str(flag).lower()}_21", 21,
         [node("If", ["c"], ["y"], then_branch=THEN, else_branch=ELSE)],
         [("c", np.array(flag)), ("x", randf(122, 2, 3))], [("y", F32, [2, 3])], [("w", randf(123, 2, 3))])
case("if_constant_cond_other_shape_21", 21,
     [node("If", ["c"], ["y"], then_branch=branch("then", [node("ReduceSum", ["x"], ["t"], keepdims=0)], "t", []),
           else_branch=ELSE)],
     [("x", randf(124, 2, 3))], [("y", F32, [])], [("c", np.array(True)), ("w", randf(125, 2, 3))])

# Unique: sorted int64 values with many repeats, and unsorted float columns (axis 1) where the first
# element does not decide the order.
UNIQ = ["y", "first", "inverse", "counts"]
case("unique_sorted_int64_22", 22, [node("Unique", ["x"], UNIQ)], [("x", rng(126).randint(-3, 4, (4, 5)).astype(I64))],
     [("y", I64, [None]), ("first", I64, [None]), ("inverse", I64, [20]), ("counts", I64, [None])])
COLS = np.array([[1, 0, 1, 0, 1, 2], [2, 5, 2, 5, 1, 2], [0, 3, 0, 3, 9, -1]], np.float32)
case("unique_unsorted_axis1_22", 22, [node("Unique", ["x"], UNIQ, axis=1, sorted=0)], [("x", COLS)],
     [("y", F32, [3, None]), ("first", I64, [None]), ("inverse", I64, [6]), ("counts", I64, [None])])
case("unique_sorted_axis1_22", 22, [node("Unique", ["x"], UNIQ, axis=-1)], [("x", COLS)],
     [("y", F32, [3, None]), ("first", I64, [None]), ("inverse", I64, [6]), ("counts", I64, [None])])

# STFT with constant frame parameters (static tables) over a batch, and a two-sided transform of a complex
# signal with a run-time frame step; MelWeightMatrix with constant sizes.
HANN = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(12) / 12)).astype(np.float32)
case("stft_constant_params_window_18", 18, [node("STFT", ["x", "step", "w"], ["y"])],
     [("x", randf(127, 2, 70, 1))], [("y", F32, [2, 12, 7, 2])], [("step", i64(5)), ("w", HANN)])
case("stft_complex_twosided_runtime_step_18", 18, [node("STFT", ["x", "step", "", "len"], ["y"], onesided=0)],
     [("x", randf(128, 1, 40, 2)), ("step", i64(6))], [("y", F32, [1, None, 10, 2])], [("len", i64(10))])
case("melweightmatrix_constant_18", 18, [node("MelWeightMatrix", ["m", "d", "sr", "lo", "hi"], ["y"])], [],
     [("y", F32, [33, 10])],
     [("m", np.array(10, np.int64)), ("d", np.array(64, np.int64)), ("sr", np.array(16000, np.int64)),
      ("lo", np.array(125.0, np.float32)), ("hi", np.array(7600.0, np.float32))])

# NonMaxSuppression over random boxes: corners in any order with both thresholds; centers and sizes
# without a score threshold; no max_output_boxes_per_class (nothing selected).
NMS_BOXES = rng(129).uniform(0, 10, (2, 40, 4)).astype(np.float32)
NMS_SCORES = rng(130).uniform(0, 1, (2, 3, 40)).astype(np.float32)
NMS_CENTERS = np.concatenate([rng(131).uniform(0, 10, (1, 30, 2)), rng(132).uniform(0.5, 4, (1, 30, 2))], 2).astype(np.float32)
case("nms_corners_thresholds_21", 21, [node("NonMaxSuppression", ["b", "s", "m", "iou", "st"], ["y"])],
     [("b", NMS_BOXES), ("s", NMS_SCORES)], [("y", I64, [None, 3])],
     [("m", i64(5)), ("iou", np.array([0.3], np.float32)), ("st", np.array([0.2], np.float32))])
case("nms_center_points_no_score_threshold_21", 21,
     [node("NonMaxSuppression", ["b", "s", "m", "iou"], ["y"], center_point_box=1)],
     [("b", NMS_CENTERS), ("s", rng(133).uniform(0, 1, (1, 2, 30)).astype(np.float32))], [("y", I64, [None, 3])],
     [("m", i64(8)), ("iou", np.array([0.4], np.float32))])
case("nms_no_max_output_21", 21, [node("NonMaxSuppression", ["b", "s"], ["y"])],
     [("b", NMS_BOXES), ("s", NMS_SCORES)], [("y", I64, [None, 3])])


def write(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for name, opset, nodes, inputs, outputs, inits in CASES:
        d = os.path.join(out_dir, name)
        os.makedirs(d, exist_ok=True)
        graph = helper.make_graph(
            nodes, name,
            [helper.make_tensor_value_info(n, DTYPES[a.dtype], a.shape) for n, a in inputs],
            [helper.make_tensor_value_info(n, DTYPES[np.dtype(t)], s) for n, t, s in outputs],
            [numpy_helper.from_array(a, n) for n, a in inits])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                                  producer_name="tessera-opset-tests")
        model.ir_version = 10 if opset >= 21 else 8
        with open(os.path.join(d, "model.onnx"), "wb") as f:
            f.write(model.SerializeToString())
        for old in os.listdir(d):
            if old.endswith(".npy"):
                os.remove(os.path.join(d, old))
        for k, (n, a) in enumerate(inputs):
            np.save(os.path.join(d, "input_%d_%s.npy" % (k, n)), a)
    return [c[0] for c in CASES]


if __name__ == "__main__":
    names = write(sys.argv[1] if len(sys.argv) > 1 else "models")
    print("%d models" % len(names))
