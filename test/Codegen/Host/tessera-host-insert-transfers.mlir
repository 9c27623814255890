// RUN: tessera-opt %s -split-input-file -verify-diagnostics -tessera-host-insert-transfers="device-targets=vulkan,npu" | FileCheck %s
// RUN: tessera-opt %s -split-input-file -tessera-host-insert-transfers | FileCheck %s --check-prefix=NONE

tdisp.executable @gpu {
  tdisp.variant @vulkan target("vulkan") {
    builtin.module {}
    tdisp.export @gpu workgroup_count [1, 1, 1] workgroup_size [64, 1, 1] access [1, 2] constants 0
  }
}
tdisp.executable @cpu {
  tdisp.variant @cpu target("cpu") {
    builtin.module {}
    tdisp.export @cpu workgroup_count [1, 1, 1] workgroup_size [1, 1, 1] access [1, 2] constants 0
  }
}

// Bytes cross where a step on one side reads what the other side wrote last: the input before the first
// device kernel, the device's result before the CPU kernel, the CPU's before the next device kernel, and
// the output, written on the device, at the end. A buffer read twice on one side crosses once.
// CHECK-LABEL: tsched.program @chain
// CHECK:      %[[X:.*]] = tsched.input 0
// CHECK:      tsched.transfer to_device %[[X]] offset(0) length(%[[C16:.*]]) target "vulkan"
// CHECK-NEXT: tsched.dispatch @gpu::@vulkan::@gpu {{.*}}bindings(%[[X]], %[[A:.*]]) lengths
// CHECK-NEXT: tsched.transfer to_host %[[A]] offset(0) length(%[[C16]]) target "vulkan"
// CHECK-NEXT: tsched.dispatch @cpu::@cpu::@cpu {{.*}}bindings(%[[A]], %[[B:.*]]) lengths
// CHECK-NEXT: tsched.dispatch @cpu::@cpu::@cpu {{.*}}bindings(%[[A]], %[[B]]) lengths
// CHECK-NEXT: tsched.transfer to_device %[[B]] offset(0) length(%[[C16]]) target "vulkan"
// CHECK-NEXT: tsched.dispatch @gpu::@vulkan::@gpu {{.*}}bindings(%[[B]], %[[Y:.*]]) lengths
// CHECK-NEXT: tsched.dispatch @gpu::@vulkan::@gpu {{.*}}bindings(%[[B]], %[[A]]) lengths
// CHECK-NEXT: tsched.output_dims
// CHECK-NEXT: tsched.transfer to_host %[[Y]] offset(0) length(%[[C16]]) target "vulkan"
// CHECK-NOT:  tsched.transfer
// NONE-LABEL: tsched.program @chain
// NONE-NOT:   tsched.transfer
tsched.program @chain attributes {input_names = ["x"], input_dtypes = array<i32: 1>, output_names = ["y"], output_dtypes = array<i32: 1>} {
  %c16 = arith.constant 16 : index
  %c4 = arith.constant 4 : index
  %c1 = arith.constant 1 : index
  %x = tsched.input 0 dims(%c4) size(%c16)
  %y = tsched.output 0 size(%c16)
  %a = tsched.alloc size(%c16) {offset = 0 : i64}
  %b = tsched.alloc size(%c16) {offset = 64 : i64}
  tsched.dispatch @gpu::@vulkan::@gpu workgroups(%c1, %c1, %c1) bindings(%x, %a) lengths(%c16, %c16) access [1, 2]
  tsched.dispatch @cpu::@cpu::@cpu workgroups(%c1, %c1, %c1) bindings(%a, %b) lengths(%c16, %c16) access [1, 2]
  tsched.dispatch @cpu::@cpu::@cpu workgroups(%c1, %c1, %c1) bindings(%a, %b) lengths(%c16, %c16) access [1, 2]
  tsched.dispatch @gpu::@vulkan::@gpu workgroups(%c1, %c1, %c1) bindings(%b, %y) lengths(%c16, %c16) access [1, 2]
  tsched.dispatch @gpu::@vulkan::@gpu workgroups(%c1, %c1, %c1) bindings(%b, %a) lengths(%c16, %c16) access [1, 2]
  tsched.output_dims 0 dims(%c4)
}

// -----

tdisp.executable @gpu {
  tdisp.variant @vulkan target("vulkan") {
    builtin.module {}
    tdisp.export @gpu workgroup_count [1, 1, 1] workgroup_size [64, 1, 1] access [1, 2] constants 0
  }
}
tdisp.executable @cpu {
  tdisp.variant @cpu target("cpu") {
    builtin.module {}
    tdisp.export @cpu workgroup_count [1, 1, 1] workgroup_size [1, 1, 1] access [1, 2] constants 0
  }
}

// A concatenation written in parts on the device moves part by part, at the parts' offsets in its buffer,
// when a CPU kernel reads it whole. Weights never move.
// CHECK-LABEL: tsched.program @concat
// CHECK:      %[[W:.*]] = tsched.constant
// CHECK:      %[[C:.*]] = tsched.alloc size(%[[C32:.*]]) {offset = 0 : i64}
// CHECK-NOT:  tsched.transfer
// CHECK:      tsched.dispatch @gpu::@vulkan::@gpu
// CHECK-NEXT: tsched.dispatch @gpu::@vulkan::@gpu
// CHECK-NEXT: tsched.transfer to_host %[[C]] offset(0) length(%[[C16:.*]]) target "vulkan"
// CHECK-NEXT: tsched.transfer to_host %[[C]] offset(16) length(%[[C16]]) target "vulkan"
// CHECK-NEXT: tsched.dispatch @cpu::@cpu::@cpu {{.*}}bindings(%[[C]],
tsched.program @concat attributes {input_names = [], input_dtypes = array<i32>, output_names = ["y"], output_dtypes = array<i32: 1>} {
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %c1 = arith.constant 1 : index
  %w = tsched.constant dense<1.0> : tensor<4xf32>
  %c = tsched.alloc size(%c32) {offset = 0 : i64}
  %y = tsched.output 0 size(%c32)
  %lo = tsched.view %c offset(0) size(%c16)
  %hi = tsched.view %c offset(16) size(%c16)
  tsched.dispatch @gpu::@vulkan::@gpu workgroups(%c1, %c1, %c1) bindings(%w, %lo) lengths(%c16, %c16) access [1, 2]
  tsched.dispatch @gpu::@vulkan::@gpu workgroups(%c1, %c1, %c1) bindings(%w, %hi) lengths(%c16, %c16) access [1, 2]
  tsched.dispatch @cpu::@cpu::@cpu workgroups(%c1, %c1, %c1) bindings(%c, %y) lengths(%c32, %c32) access [1, 2]
}

// -----

tdisp.executable @gpu {
  tdisp.variant @vulkan target("vulkan") {
    builtin.module {}
    tdisp.export @gpu workgroup_count [1, 1, 1] workgroup_size [64, 1, 1] access [1, 2] constants 0
  }
}

// A shape read and a copy are host steps: what the device wrote crosses before them. A range of run-time
// length overlaps any other range of its buffer.
// CHECK-LABEL: tsched.program @host_steps
// CHECK:      %[[S:.*]] = tsched.alloc size(%[[C16:.*]]) {offset = 0 : i64}
// CHECK:      tsched.dispatch @gpu::@vulkan::@gpu {{.*}}bindings(%[[X:.*]], %[[S]])
// CHECK-NEXT: tsched.transfer to_host %[[S]] offset(0) length(%[[C16]]) target "vulkan"
// CHECK-NEXT: tsched.read_i64 %[[S]][1]
// CHECK:      tsched.dispatch @gpu::@vulkan::@gpu {{.*}}bindings(%[[X]], %[[D:.*]]) lengths(%[[C16]], %[[N:.*]])
// CHECK-NEXT: tsched.output 0
// CHECK-NEXT: tsched.transfer to_host %[[D]] offset(0) length(%[[N]]) target "vulkan"
// CHECK-NEXT: tsched.copy %[[D]] to %[[Y:.*]] length
tsched.program @host_steps attributes {input_names = ["x"], input_dtypes = array<i32: 7>, output_names = ["y"], output_dtypes = array<i32: 1>} {
  %c16 = arith.constant 16 : index
  %c2 = arith.constant 2 : index
  %c1 = arith.constant 1 : index
  %x = tsched.input 0 dims(%c2) size(%c16)
  %s = tsched.alloc size(%c16) {offset = 0 : i64}
  tsched.dispatch @gpu::@vulkan::@gpu workgroups(%c1, %c1, %c1) bindings(%x, %s) lengths(%c16, %c16) access [1, 2]
  %n = tsched.read_i64 %s[1] : !tsched.buffer
  %d = tsched.alloc size(%n)
  tsched.dispatch @gpu::@vulkan::@gpu workgroups(%c1, %c1, %c1) bindings(%x, %d) lengths(%c16, %n) access [1, 2]
  %y = tsched.output 0 size(%n)
  tsched.copy %d to %y length(%n)
}

// -----

tdisp.executable @gpu {
  tdisp.variant @vulkan target("vulkan") {
    builtin.module {}
    tdisp.export @gpu workgroup_count [1, 1, 1] workgroup_size [64, 1, 1] access [1, 2] constants 0
  }
}
tdisp.executable @npu {
  tdisp.variant @npu target("npu") {
    builtin.module {}
    tdisp.export @npu workgroup_count [1, 1, 1] workgroup_size [1, 1, 1] access [1, 2] constants 0
  }
}

tsched.program @two_devices attributes {input_names = [], input_dtypes = array<i32>, output_names = [], output_dtypes = array<i32>} {
  %c16 = arith.constant 16 : index
  %c1 = arith.constant 1 : index
  %a = tsched.alloc size(%c16) {offset = 0 : i64}
  %b = tsched.alloc size(%c16) {offset = 64 : i64}
  tsched.dispatch @gpu::@vulkan::@gpu workgroups(%c1, %c1, %c1) bindings(%a, %b) lengths(%c16, %c16) access [1, 2]
  // expected-error@+1 {{runs on target 'npu' after kernels of target 'vulkan': transfers between two devices are not supported}}
  tsched.dispatch @npu::@npu::@npu workgroups(%c1, %c1, %c1) bindings(%b, %a) lengths(%c16, %c16) access [1, 2]
}
