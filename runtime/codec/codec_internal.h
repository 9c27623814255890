// Helpers shared by the codec's sources; not part of its interface.
#ifndef TESSERA_RUNTIME_CODEC_CODEC_INTERNAL_H
#define TESSERA_RUNTIME_CODEC_CODEC_INTERNAL_H

#include <cstdint>
#include <string>

namespace tessera::codec::detail {


inline unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

}  // namespace tessera::codec::detail

#endif
