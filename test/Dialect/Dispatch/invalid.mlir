// RUN: tessera-opt %s -split-input-file -verify-diagnostics

func.func @unknown_executable(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'nope' does not reference a tdisp.executable}}
  %d = tdisp.dispatch @nope(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

func.func @region_type_mismatch(%a: tensor<4xf32>) -> tensor<8xf32> {
  // expected-error@+1 {{returns types that differ from its result types}}
  %r = tdisp.region -> tensor<8xf32> {
    tdisp.return %a : tensor<4xf32>
  }
  return %r : tensor<8xf32>
}

// -----

// expected-error@+1 {{expects parent op 'tdisp.executable'}}
tdisp.variant @cpu target("cpu") {
}
