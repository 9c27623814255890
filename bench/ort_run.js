#!/usr/bin/env node
// Runs an ONNX model with ONNX Runtime (CPU): the reference for side-by-side benchmarks and the
// oracle for opsets newer than libonnx knows.
//   node ort_run.js MODEL.onnx --input [NAME=]FILE.npy ... [--output-dir DIR] [--bench N] [--threads T]
// With --bench, prints one JSON line {"median_ms", "min_ms", "max_ms", "runs", "threads"} like tessera-run.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const DTYPES = {  // npy descr -> [onnxruntime type, typed array]
  '<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array], '<i8': ['int64', BigInt64Array],
  '<i4': ['int32', Int32Array], '<i2': ['int16', Int16Array], '|i1': ['int8', Int8Array],
  '|u1': ['uint8', Uint8Array], '<u2': ['uint16', Uint16Array], '<u4': ['uint32', Uint32Array],
  '<u8': ['uint64', BigUint64Array], '|b1': ['bool', Uint8Array], '<f2': ['float16', Uint16Array],
};

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order is not supported`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map(s => s.trim()).filter(s => s).map(Number);
  const [type, Ctor] = DTYPES[descr] || [];
  if (!type) throw new Error(`${file}: unsupported dtype ${descr}`);
  const bytes = buf.subarray(start + headerLen);
  const data = new Ctor(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return new ort.Tensor(type, type === 'bool' ? Uint8Array.from(data) : data, shape);
}

function writeNpy(file, tensor) {
  const descr = Object.keys(DTYPES).find(k => DTYPES[k][0] === tensor.type);
  if (!descr) throw new Error(`cannot write ${tensor.type} to .npy`);
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1; head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const data = tensor.data;
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

async function main() {
  const args = process.argv.slice(2);
  if (!args.length || args[0] === '--help') {
    console.log('usage: node ort_run.js MODEL.onnx --input [NAME=]FILE.npy ... [--output-dir DIR] [--bench N] [--threads T]');
    return 0;
  }
  const model = args[0];
  const inputs = [];
  let outDir = '', bench = 0, threads = 1;
  for (let i = 1; i < args.length; ++i) {
    if (args[i] === '--input') inputs.push(args[++i]);
    else if (args[i] === '--output-dir') outDir = args[++i];
    else if (args[i] === '--bench') bench = Number(args[++i]);
    else if (args[i] === '--threads') threads = Number(args[++i]);
    else throw new Error(`unknown argument ${args[i]}`);
  }
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const feeds = {};
  inputs.forEach((spec, i) => {
    const eq = spec.indexOf('=');
    const name = eq > 0 ? spec.slice(0, eq) : session.inputNames[i];
    feeds[name] = readNpy(eq > 0 ? spec.slice(eq + 1) : spec);
  });
  let results = await session.run(feeds);
  if (bench > 0) {
    const times = [];
    for (let i = 0; i < bench; ++i) {
      const t0 = process.hrtime.bigint();
      results = await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    const median = times.length % 2 ? times[(times.length - 1) / 2]
                                     : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
    console.log(JSON.stringify({ median_ms: median, min_ms: times[0], max_ms: times[times.length - 1],
                                 runs: bench, threads }));
  }
  if (outDir) {
    fs.mkdirSync(outDir, { recursive: true });
    for (const name of session.outputNames)
      writeNpy(path.join(outDir, name.replace(/[^A-Za-z0-9_.-]/g, '_') + '.npy'), results[name]);
  }
  return 0;
}

main().then(code => process.exit(code), err => { console.error(`ort_run: error: ${err.message}`); process.exit(2); });
