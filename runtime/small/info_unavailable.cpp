// The size-optimized runtime leaves out the text rendering of a model's metadata and schedule (info.cpp and
// the codec's text helpers it needs are a tenth of the library); tsr_model_info_string returns this instead.
#include "runtime_impl.h"

namespace tessera::rt {

std::string describeModel(const tsr_model&) {
  return "model info is not available in this build (size-optimized runtime)\n";
}

}  // namespace tessera::rt
