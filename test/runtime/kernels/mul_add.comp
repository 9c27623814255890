// A SPIR-V test kernel with the Tessera SPIR-V kernel ABI (kernel_abi.h): out[i] = a[i] * b[i] + float(k) for
// i < n, where n and k are the dispatch's constants 0 and 1, after the status word in binding 3. 64
// invocations per workgroup.
#version 450
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) readonly buffer A { float a[]; };
layout(set = 0, binding = 1) readonly buffer B { float b[]; };
layout(set = 0, binding = 2) writeonly buffer Out { float result[]; };
layout(set = 0, binding = 3) buffer Parameters {
  uint status;
  uint n;
  uint k;
} pc;

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i < pc.n) result[i] = a[i] * b[i] + float(pc.k);
}
