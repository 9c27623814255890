// RUN: tessera-opt %s -split-input-file -verify-diagnostics -tessera-vulkan-map-to-invocations | FileCheck %s
// RUN: tessera-opt %s -split-input-file -verify-diagnostics -tessera-vulkan-map-to-invocations="min-invocations=16" | FileCheck %s --check-prefix=BLOCK
// RUN: tessera-opt %s -split-input-file -verify-diagnostics -tessera-vulkan-map-to-invocations="workgroup-memory-bytes=16384" | FileCheck %s --check-prefix=TILE

// A fill, the contraction accumulating into it and its epilogue: three nests over one iteration space,
// each touching the output only at the current element, run fused in one grid-stride loop. The 2x3 space
// (6 elements) needs one workgroup of 64; the output is written, the inputs read.
// CHECK-LABEL: gpu.module @fused_module
// CHECK-SAME: spirv.target_env = #spirv.target_env<#spirv.vce<v1.3, [Shader]
// CHECK: gpu.func @fused(%[[A:.*]]: memref<2x4xf32>, %[[B:.*]]: memref<4x3xf32>, %[[C:.*]]: memref<2x3xf32>) kernel
// CHECK-SAME: spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [64, 1, 1]>
// CHECK-SAME: tessera.binding_access = array<i32: 1, 1, 2>
// CHECK-SAME: tessera.workgroup_count = 1 : i64
// CHECK-SAME: tessera.workgroup_size = 64 : i64
// CHECK: %[[G:.*]] = gpu.block_id x
// CHECK: %[[L:.*]] = gpu.thread_id x
// CHECK: %[[N:.*]] = gpu.grid_dim x
// CHECK: scf.for %[[IV:.*]] = %{{.*}} to %c6{{.*}} step %{{.*}} {
// CHECK: arith.remui %[[IV]], %c3
// CHECK: arith.divui %[[IV]], %c3
// CHECK: memref.store %{{.*}}, %[[C]]
// CHECK: scf.for
// CHECK: memref.load %[[A]]
// CHECK: memref.load %[[B]]
// CHECK: memref.store
// CHECK: memref.load %[[C]]
// CHECK: math.tanh
// CHECK: memref.store
// CHECK: gpu.return
// CHECK-NOT: func.func
func.func @fused(%a: memref<2x4xf32>, %b: memref<4x3xf32>, %c: memref<2x3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c3) step (%c1, %c1) {
    memref.store %zero, %c[%i, %j] : memref<2x3xf32>
    scf.reduce
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c3) step (%c1, %c1) {
    scf.for %k = %c0 to %c4 step %c1 {
      %x = memref.load %a[%i, %k] : memref<2x4xf32>
      %y = memref.load %b[%k, %j] : memref<4x3xf32>
      %acc = memref.load %c[%i, %j] : memref<2x3xf32>
      %m = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %m : f32
      memref.store %s, %c[%i, %j] : memref<2x3xf32>
    }
    scf.reduce
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c3) step (%c1, %c1) {
    %v = memref.load %c[%i, %j] : memref<2x3xf32>
    %t = math.tanh %v : f32
    memref.store %t, %c[%i, %j] : memref<2x3xf32>
    scf.reduce
  }
  return
}

// -----

// 5000000 elements would need 78125 workgroups of 64: the grid is capped at Vulkan's guaranteed 65535
// and each invocation walks the rest with the grid stride.
// CHECK-LABEL: gpu.func @large
// CHECK-SAME: tessera.workgroup_count = 65535 : i64
// CHECK: scf.for %{{.*}} = %{{.*}} to %c5000000
func.func @large(%x: memref<5000000xf32>, %y: memref<5000000xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 5000000 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %x[%i] : memref<5000000xf32>
    memref.store %v, %y[%i] : memref<5000000xf32>
    scf.reduce
  }
  return
}

// -----

// An empty output: its loop nest folded away, the kernel computes nothing and runs as one workgroup. Its
// binding, which has no elements (SPIR-V has no empty arrays), is declared with one, and it is still
// written as its dispatch says (it is a result: tessera.first_result_binding); the empty input is read.
// CHECK-LABEL: gpu.func @empty_output
// CHECK-SAME: (%{{.*}}: memref<1xf32>, %{{.*}}: memref<1x1xi32>)
// CHECK-SAME: tessera.binding_access = array<i32: 1, 2>
// CHECK-SAME: tessera.binding_bytes = array<i64: 0, 0>
// CHECK-SAME: tessera.workgroup_count = 1 : i64
// CHECK-NOT: memref.store
// CHECK: gpu.return
func.func @empty_output(%x: memref<0xf32>, %y: memref<0x3xi32>) attributes {tessera.first_result_binding = 1 : i64} {
  return
}

// -----

// A second nest reading the first's output at another element (a transpose) needs every workgroup of the
// first to finish. Small, the kernel runs in one invocation: both nests as sequential loops, in order.
// CHECK-LABEL: gpu.func @transpose_after_write
// CHECK-SAME: tessera.workgroup_count = 1 : i64
// CHECK: scf.for %{{.*}} = %{{.*}} to %c1{{.*}} step
// CHECK: scf.for %[[I:.*]] = %c0{{.*}} to %c2
// CHECK: scf.for %[[J:.*]] = %c0{{.*}} to %c2
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[I]], %[[J]]]
// CHECK: scf.for %[[I2:.*]] = %c0{{.*}} to %c2
// CHECK: scf.for %[[J2:.*]] = %c0{{.*}} to %c2
// CHECK: memref.load %{{.*}}[%[[J2]], %[[I2]]]
func.func @transpose_after_write(%x: memref<2x2xf32>, %t: memref<2x2xf32>, %y: memref<2x2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c2) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<2x2xf32>
    memref.store %v, %t[%i, %j] : memref<2x2xf32>
    scf.reduce
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c2) step (%c1, %c1) {
    %v = memref.load %t[%j, %i] : memref<2x2xf32>
    memref.store %v, %y[%i, %j] : memref<2x2xf32>
    scf.reduce
  }
  return
}

// -----

// The same at 512x512: too large for one invocation, so not a device kernel.
func.func @large_transpose_after_write(%x: memref<512x512xf32>, %t: memref<512x512xf32>, %y: memref<512x512xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 512 : index
  // expected-error @below {{touches elements an earlier loop nest writes at other indices: a barrier between workgroups would be needed (and at 524288 iterations it is too large for one invocation)}}
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %n) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<512x512xf32>
    memref.store %v, %t[%i, %j] : memref<512x512xf32>
    scf.reduce
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %n) step (%c1, %c1) {
    %v = memref.load %t[%j, %i] : memref<512x512xf32>
    memref.store %v, %y[%i, %j] : memref<512x512xf32>
    scf.reduce
  }
  return
}

// -----

// A temporary buffer inside the kernel has no place on the device yet.
func.func @temporary(%x: memref<4xf32>, %y: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error @below {{cannot be mapped to device invocations}}
  %tmp = memref.alloc() : memref<4xf32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %x[%i] : memref<4xf32>
    memref.store %v, %y[%i] : memref<4xf32>
    scf.reduce
  }
  return
}

// -----

// Register blocks. A 64x64 product: blocking rows and columns by 4 shares each A load across a block's
// 4 columns and each B load across its 4 rows (8 loads per 16 multiply-adds instead of 32). Copy r of a
// dim takes element i + 16 r, so consecutive invocations still touch consecutive elements, and the
// copies' reduction loops are jammed into one. With the default min-invocations (1024), 256 blocks would
// be too few to fill a device: its 4096 elements are computed in 2x2 blocks.
// CHECK-LABEL: gpu.func @blocked_matmul
// CHECK-SAME: tessera.invocation_block = array<i64: 2, 2>
// CHECK-SAME: tessera.workgroup_count = 16 : i64
// BLOCK-LABEL: gpu.func @blocked_matmul
// BLOCK-SAME: tessera.invocation_block = array<i64: 4, 4>
// BLOCK-SAME: tessera.workgroup_count = 4 : i64
// BLOCK: scf.for %[[P:.*]] = %{{.*}} to %c256{{.*}} step
// BLOCK: %[[COL:.*]] = arith.remui %[[P]], %c16
// BLOCK: %[[ROW:.*]] = arith.divui %[[P]], %c16
// BLOCK: %[[I:.*]] = arith.addi %{{.*}}, %{{.*}}
// BLOCK: %[[J:.*]] = arith.addi %{{.*}}, %{{.*}}
// BLOCK: arith.addi %[[I]], %c16
// BLOCK: arith.addi %[[I]], %c32
// BLOCK: arith.addi %[[I]], %c48
// BLOCK: %[[J16:.*]] = arith.addi %[[J]], %c16
// BLOCK-COUNT-16: memref.store %cst
// BLOCK-NEXT: scf.for %{{.*}} = %c0{{.*}} to %c32
// BLOCK-NOT: scf.for
// BLOCK-COUNT-16: memref.store
// BLOCK-NEXT: }
// BLOCK-NEXT: }
// BLOCK-NEXT: gpu.return
func.func @blocked_matmul(%a: memref<64x32xf32>, %b: memref<32x64xf32>, %c: memref<64x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c64) step (%c1, %c1) {
    memref.store %zero, %c[%i, %j] : memref<64x64xf32>
    scf.reduce
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c64) step (%c1, %c1) {
    scf.for %k = %c0 to %c32 step %c1 {
      %x = memref.load %a[%i, %k] : memref<64x32xf32>
      %y = memref.load %b[%k, %j] : memref<32x64xf32>
      %acc = memref.load %c[%i, %j] : memref<64x64xf32>
      %m = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %m : f32
      memref.store %s, %c[%i, %j] : memref<64x64xf32>
    }
    scf.reduce
  }
  return
}

// -----

// A matrix-vector product has one dim: its 16-column blocks share each load of x.
// BLOCK-LABEL: gpu.func @blocked_matvec
// BLOCK-SAME: tessera.invocation_block = array<i64: 16>
// BLOCK-SAME: tessera.workgroup_count = 1 : i64
func.func @blocked_matvec(%x: memref<1x64xf32>, %w: memref<64x256xf32>, %y: memref<1x256xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%j) = (%c0) to (%c256) step (%c1) {
    memref.store %zero, %y[%c0, %j] : memref<1x256xf32>
    scf.for %k = %c0 to %c64 step %c1 {
      %a = memref.load %x[%c0, %k] : memref<1x64xf32>
      %b = memref.load %w[%k, %j] : memref<64x256xf32>
      %acc = memref.load %y[%c0, %j] : memref<1x256xf32>
      %m = arith.mulf %a, %b : f32
      %s = arith.addf %acc, %m : f32
      memref.store %s, %y[%c0, %j] : memref<1x256xf32>
    }
    scf.reduce
  }
  return
}

// -----

// A block need not divide its dims: 66 columns are 16 blocks of 4 (columns j + 16 r) and 2 left over. The
// left-over columns 64 and 65 of all 64 rows (128 elements) are a second grid-stride loop of the same kernel,
// one element per invocation.
// BLOCK-LABEL: gpu.func @blocked_with_tail
// BLOCK-SAME: tessera.invocation_block = array<i64: 4, 4>
// BLOCK-SAME: tessera.workgroup_count = 4 : i64
// BLOCK: scf.for %{{.*}} = %{{.*}} to %c256{{.*}} step
// BLOCK-COUNT-16: memref.store %cst
// BLOCK: scf.for %[[P:.*]] = %{{.*}} to %c128{{.*}} step
// BLOCK: %[[COL:.*]] = arith.remui %[[P]], %c2
// BLOCK: arith.addi %c64{{.*}}, %[[COL]]
// BLOCK-COUNT-1: memref.store %cst
// BLOCK-NOT: memref.store %cst
// BLOCK: gpu.return
func.func @blocked_with_tail(%a: memref<64x32xf32>, %b: memref<32x66xf32>, %c: memref<64x66xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  %c66 = arith.constant 66 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c66) step (%c1, %c1) {
    memref.store %zero, %c[%i, %j] : memref<64x66xf32>
    scf.for %k = %c0 to %c32 step %c1 {
      %x = memref.load %a[%i, %k] : memref<64x32xf32>
      %y = memref.load %b[%k, %j] : memref<32x66xf32>
      %acc = memref.load %c[%i, %j] : memref<64x66xf32>
      %m = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %m : f32
      memref.store %s, %c[%i, %j] : memref<64x66xf32>
    }
    scf.reduce
  }
  return
}

// -----

// Run-time dims (DimsFromConstants): the index arguments are read from the status binding, after the status
// word (2 constants, then the 2 bindings' lengths: the dispatch's parameters), and leave the kernel's
// signature; the grid-stride loop walks 4 * dim positions (no reduction: no register blocks), and the host
// computes the grid from constant 0 (run_time_grid [workgroup size, 65535 workgroups at most, 4 static
// positions, a grid-stride kernel, constant 0]).
// CHECK-LABEL: gpu.module @run_time_dims_module
// CHECK: gpu.func @run_time_dims(%[[A:.*]]: memref<?x4xf32>, %[[Y:.*]]: memref<?x4xf32>, %[[S:.*]]: memref<5xi32>) kernel
// CHECK-SAME: tessera.dispatch_constants = 2
// CHECK-SAME: tessera.run_time_grid = array<i64: 64, 65535, 4, -1, 0>
// CHECK-SAME: tessera.workgroup_count = 0
// CHECK: %[[WORD:.*]] = memref.load %[[S]][%c1{{.*}}] : memref<5xi32>
// CHECK: %[[DIM:.*]] = arith.index_castui %[[WORD]] : i32 to index
// CHECK: %[[POSITIONS:.*]] = arith.muli %{{.*}}, %[[DIM]] : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[POSITIONS]] step
// BLOCK-LABEL: gpu.func @run_time_dims
// BLOCK-NOT: tessera.invocation_block
// BLOCK: gpu.return
func.func @run_time_dims(%a: memref<?x4xf32>, %y: memref<?x4xf32>, %d: index, %d1: index, %la: index, %ly: index,
                         %status: memref<5xi32>) attributes {tessera.dispatch_constants = 2 : i64, tessera.status_binding} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %two = arith.constant 2.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%d, %c4) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<?x4xf32>
    %s = arith.mulf %x, %two : f32
    memref.store %s, %y[%i, %j] : memref<?x4xf32>
    scf.reduce
  }
  return
}

// -----

// A product with a run-time row count is blocked along its columns, whose count is known: 13 columns per
// invocation share each load of A. The blocks leave the last of 53 columns, a second region of run-time
// size (1 * rows positions); the host sizes the grid for the larger (4 blocks per row).
// BLOCK-LABEL: gpu.func @run_time_rows_blocked
// BLOCK-SAME: tessera.invocation_block = array<i64: 1, 13>
// BLOCK-SAME: tessera.run_time_grid = array<i64: 64, 65535, 4, -1, 0>
// BLOCK: %[[ROWS:.*]] = arith.index_castui
// BLOCK: %[[MAIN:.*]] = arith.muli %c4{{.*}}, %[[ROWS]] : index
// BLOCK: %[[TAIL:.*]] = arith.muli %c1{{.*}}, %[[ROWS]] : index
// BLOCK: scf.for %{{.*}} = %{{.*}} to %[[TAIL]] step
// BLOCK-COUNT-1: arith.mulf
// BLOCK-NOT: arith.mulf
// BLOCK: gpu.return
func.func @run_time_rows_blocked(%a: memref<?x32xf32>, %b: memref<32x53xf32>, %y: memref<?x53xf32>, %d: index,
                                 %la: index, %lb: index, %ly: index, %status: memref<5xi32>)
    attributes {tessera.dispatch_constants = 1 : i64, tessera.status_binding} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c53 = arith.constant 53 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%d, %c53) step (%c1, %c1) {
    memref.store %zero, %y[%i, %j] : memref<?x53xf32>
    scf.for %k = %c0 to %c32 step %c1 {
      %x = memref.load %a[%i, %k] : memref<?x32xf32>
      %w = memref.load %b[%k, %j] : memref<32x53xf32>
      %acc = memref.load %y[%i, %j] : memref<?x53xf32>
      %m = arith.mulf %x, %w : f32
      %s = arith.addf %acc, %m : f32
      memref.store %s, %y[%i, %j] : memref<?x53xf32>
    }
    scf.reduce
  }
  return
}

// -----

// Index arguments without their dispatch parameters recorded are refused.
// expected-error@+1 {{reads run-time dims or scalars without their dispatch parameters (DimsFromConstants)}}
func.func @unrecorded(%a: memref<?xf32>, %d: index) {
  return
}

// -----

// Workgroup tiles (workgroup-memory-bytes). A 70x64 product with 40 reduction steps: 8x8 invocations of 4x4
// elements make a 32x32 tile, two tiles along the rows and columns (the last 6 rows run one per
// invocation: their 384 elements take 6 workgroups). The reduction loop runs in chunks of 32 steps: per chunk the workgroup copies A's 32 rows
// and B's 32 columns of the chunk into workgroup memory (each invocation every 64th element, the last
// chunk's steps past 40 left out), waits at a barrier, and each invocation reads its 4 rows and 4 columns
// from there; a second barrier keeps the next chunk's copies from overwriting what is still read.
// TILE-LABEL: gpu.func @tiled_matmul
// TILE-SAME: tessera.invocation_block = array<i64: 4, 4>
// TILE-SAME: tessera.workgroup_count = 6 : i64
// TILE-SAME: tessera.workgroup_tile = array<i64: 32, 32>
// TILE-DAG: %[[SA:.*]] = memref.alloc() : memref<32x32xf32, #spirv.storage_class<Workgroup>>
// TILE-DAG: %[[SB:.*]] = memref.alloc() : memref<32x32xf32, #spirv.storage_class<Workgroup>>
// TILE-DAG: %[[GROUP:.*]] = gpu.block_id x
// TILE-DAG: %[[GROUPS:.*]] = gpu.grid_dim x
// TILE: scf.for %{{.*}} = %[[GROUP]] to %c4{{.*}} step %[[GROUPS]]
// TILE-COUNT-16: memref.store %cst
// TILE: scf.for %[[K0:.*]] = %c0{{.*}} to %c40{{.*}} step %c32
// TILE: scf.for %[[E:.*]] = %{{.*}} to %c1024{{.*}} step %c64
// TILE: %[[IN:.*]] = arith.cmpi ult, %{{.*}}, %c40
// TILE: scf.if %[[IN]]
// TILE: memref.load %{{.*}} : memref<70x40xf32>
// TILE: memref.store %{{.*}}, %[[SA]]
// TILE: scf.for %{{.*}} = %{{.*}} to %c1024{{.*}} step %c64
// TILE: memref.load %{{.*}} : memref<40x64xf32>
// TILE: memref.store %{{.*}}, %[[SB]]
// TILE: gpu.barrier
// TILE: %[[STEPS:.*]] = arith.minui
// TILE: scf.for %{{.*}} = %c0{{.*}} to %[[STEPS]] step %c1
// TILE-COUNT-4: memref.load %[[SA]]
// TILE-COUNT-4: memref.load %[[SB]]
// TILE-NOT: memref.load %{{.*}} : memref<70x40xf32>
// TILE: gpu.barrier
// The last 6 rows, one element per invocation, loading their operands themselves.
// TILE: scf.for %{{.*}} = %{{.*}} to %c384{{.*}} step
// TILE-NOT: gpu.barrier
// TILE: memref.load %{{.*}} : memref<70x40xf32>
// TILE: gpu.return
func.func @tiled_matmul(%a: memref<70x40xf32>, %b: memref<40x64xf32>, %c: memref<70x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c40 = arith.constant 40 : index
  %c64 = arith.constant 64 : index
  %c70 = arith.constant 70 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c70, %c64) step (%c1, %c1) {
    memref.store %zero, %c[%i, %j] : memref<70x64xf32>
    scf.reduce
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c70, %c64) step (%c1, %c1) {
    scf.for %k = %c0 to %c40 step %c1 {
      %x = memref.load %a[%i, %k] : memref<70x40xf32>
      %y = memref.load %b[%k, %j] : memref<40x64xf32>
      %acc = memref.load %c[%i, %j] : memref<70x64xf32>
      %m = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %m : f32
      memref.store %s, %c[%i, %j] : memref<70x64xf32>
    }
    scf.reduce
  }
  return
}

// -----

// A convolution tiled along output channels (8 lanes of 4) and rows (8 lanes of 1): its input is staged per
// output row, input channel and filter tap (the 3x3 taps are loops inside the chunked channel loop, so the
// buffer holds them too), its filter per output channel, input channel and tap.
// TILE-LABEL: gpu.func @tiled_conv
// TILE-SAME: tessera.workgroup_tile = array<i64: 32, 8, 1>
// TILE-DAG: memref.alloc() : memref<8x{{[0-9]+}}x3x3xf32, #spirv.storage_class<Workgroup>>
// TILE-DAG: memref.alloc() : memref<32x{{[0-9]+}}x3x3xf32, #spirv.storage_class<Workgroup>>
// TILE: gpu.barrier
// TILE: gpu.barrier
func.func @tiled_conv(%x: memref<1x16x10x34xf32>, %w: memref<32x16x3x3xf32>, %y: memref<1x32x8x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%f, %r, %q) = (%c0, %c0, %c0) to (%c32, %c8, %c32) step (%c1, %c1, %c1) {
    memref.store %zero, %y[%c0, %f, %r, %q] : memref<1x32x8x32xf32>
    scf.for %ch = %c0 to %c16 step %c1 {
      scf.for %kh = %c0 to %c3 step %c1 {
        scf.for %kw = %c0 to %c3 step %c1 {
          %ih = arith.addi %r, %kh : index
          %iw = arith.addi %q, %kw : index
          %v = memref.load %x[%c0, %ch, %ih, %iw] : memref<1x16x10x34xf32>
          %k = memref.load %w[%f, %ch, %kh, %kw] : memref<32x16x3x3xf32>
          %acc = memref.load %y[%c0, %f, %r, %q] : memref<1x32x8x32xf32>
          %m = arith.mulf %v, %k : f32
          %s = arith.addf %acc, %m : f32
          memref.store %s, %y[%c0, %f, %r, %q] : memref<1x32x8x32xf32>
        }
      }
    }
    scf.reduce
  }
  return
}

// -----

// A load under a condition may have indices the condition guards: the workgroup does not copy it (A here,
// read only for even steps), while B is staged as usual.
// TILE-LABEL: gpu.func @tiled_conditional_load
// TILE-SAME: tessera.workgroup_tile = array<i64: 32, 32>
// TILE-COUNT-1: memref.alloc()
// TILE-NOT: memref.alloc()
// TILE: memref.load %{{.*}} : memref<40x64xf32>
// TILE: gpu.barrier
// TILE: scf.if
// TILE: memref.load %{{.*}} : memref<64x40xf32>
// TILE: gpu.return
func.func @tiled_conditional_load(%a: memref<64x40xf32>, %b: memref<40x64xf32>, %c: memref<64x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c40 = arith.constant 40 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c64) step (%c1, %c1) {
    memref.store %zero, %c[%i, %j] : memref<64x64xf32>
    scf.for %k = %c0 to %c40 step %c1 {
      %r = arith.remui %k, %c2 : index
      %even = arith.cmpi eq, %r, %c0 : index
      %x = scf.if %even -> f32 {
        %v = memref.load %a[%i, %k] : memref<64x40xf32>
        scf.yield %v : f32
      } else {
        scf.yield %zero : f32
      }
      %y = memref.load %b[%k, %j] : memref<40x64xf32>
      %acc = memref.load %c[%i, %j] : memref<64x64xf32>
      %m = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %m : f32
      memref.store %s, %c[%i, %j] : memref<64x64xf32>
    }
    scf.reduce
  }
  return
}
