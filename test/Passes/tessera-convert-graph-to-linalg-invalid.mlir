// RUN: tessera-opt %s -split-input-file -tessera-convert-graph-to-linalg -verify-diagnostics

func.func @dynamic(%a: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error@+1 {{failed to legalize operation 'tgraph.exp'}}
  %0 = tgraph.exp %a : (tensor<?xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @hardmax(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+2 {{hardmax is not supported yet}}
  // expected-error@+1 {{failed to legalize operation 'tgraph.softmax'}}
  %0 = tgraph.softmax %a {kind = "hardmax", axis = 1} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
