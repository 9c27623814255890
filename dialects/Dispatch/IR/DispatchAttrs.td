#ifndef TESSERA_DISPATCH_ATTRS
#define TESSERA_DISPATCH_ATTRS

include "DispatchBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Dispatch_StrategyLoops : I32EnumAttrCase<"loops", 0>;
def Dispatch_StrategySgemm : I32EnumAttrCase<"sgemm", 1>;
def Dispatch_StrategySgemmPacked : I32EnumAttrCase<"sgemm_packed", 2>;
def Dispatch_StrategyConv2d : I32EnumAttrCase<"conv2d", 3>;
def Dispatch_StrategyConv2dDirect : I32EnumAttrCase<"conv2d_direct", 4>;
def Dispatch_StrategyDepthwise : I32EnumAttrCase<"depthwise_conv2d", 5>;
def Dispatch_StrategyWinograd : I32EnumAttrCase<"winograd_f43", 6>;
def Dispatch_StrategyMaxPool : I32EnumAttrCase<"max_pool", 7>;
def Dispatch_KernelStrategy : I32EnumAttr<"KernelStrategy", "how a kernel computes its main op",
    [Dispatch_StrategyLoops, Dispatch_StrategySgemm, Dispatch_StrategySgemmPacked, Dispatch_StrategyConv2d,
     Dispatch_StrategyConv2dDirect, Dispatch_StrategyDepthwise, Dispatch_StrategyWinograd,
     Dispatch_StrategyMaxPool]> {
  let cppNamespace = "::tessera::dispatch";
  let genSpecializedAttr = 0;
}

def Dispatch_LoweringConfigAttr : AttrDef<Dispatch_Dialect, "LoweringConfig"> {
  let mnemonic = "lowering_config";
  let summary = "how a target lowers one kernel: its strategy, workgroup split and register tile";
  let description = [{
    Chosen per kernel by the target from the kernel's op shapes and the CPU's features (the CPU target's
    `tessera-cpu-select-lowering-strategy`), recorded on the kernel function as `tdisp.lowering_config`,
    and followed by the passes after it: `--emit=dispatch` shows it.
    ```mlir
    #tdisp.lowering_config<conv2d, workgroups = 4, tiles = [0, 0, 7, 0], register_tile = [8, 32], vector_bits = 512>
    ```
    - strategy: `loops` (loops that LLVM vectorizes), or the microkernel family computing the main op:
      `sgemm`, `sgemm_packed` (weights packed at compile time), `conv2d` (implicit GEMM), `conv2d_direct`
      (few input channels, no packing), `depthwise_conv2d`, `winograd_f43` (F(4x4, 3x3)), `max_pool`;
    - workgroups and tiles: the kernel's result op is tiled with these sizes, one per loop (0: not split),
      into that many workgroups (1: the kernel runs whole). A `?` tile splits a loop of run-time size
      into as many workgroups as the kernel's run-time dims are worth, at most `workgroups`: the kernel
      and the host compute the same count from the dims (`tdisp.export`'s `run_time_grid`);
    - register_tile: the microkernel's accumulator block (rows x columns, or channels), empty for loops;
    - vector_bits: the widest vector registers the code is compiled for.
  }];
  let parameters = (ins
    EnumParameter<Dispatch_KernelStrategy>:$strategy,
    "int64_t":$workgroups,
    ArrayRefParameter<"int64_t">:$tiles,
    ArrayRefParameter<"int64_t">:$registerTile,
    "int64_t":$vectorBits);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

#endif
