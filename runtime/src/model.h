// The runtime's view of a loaded artifact's tables: the codec's types (runtime/codec/artifact_codec.h). The
// loader decodes and validates them, so the session and the executors index without checks.
#ifndef TESSERA_RUNTIME_SRC_MODEL_H
#define TESSERA_RUNTIME_SRC_MODEL_H

#include "runtime/codec/artifact_codec.h"

namespace tessera::rt {

using codec::Binding;
using codec::Buffer;
using codec::Executable;
using codec::Export;
using codec::isLiteral;
using codec::kMaxWorkgroupCount;
using codec::Metadata;
using codec::Ref;
using codec::refSymbol;
using codec::Schedule;
using codec::Step;
using codec::Symbol;
using codec::TensorDesc;

}  // namespace tessera::rt

#endif
